"""round_log and the note/round edit services: atomicity, concurrency, audit stamps."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from negotiations import roles
from negotiations.choices import (
    DatePrecision,
    NoteLanguage,
    ProgressStatus,
    RoundFormat,
    RoundKind,
    RoundStatus,
    Visibility,
)
from negotiations.models import ChapterProgress, ProgressNote, Round, RoundSource, Source, Venue
from negotiations.services import AlreadyExists, ConcurrencyConflict, note_delete, note_update, round_delete, round_log
from negotiations.services.round_log import (
    ChapterLine,
    NoteLine,
    SourceLine,
    citation_digest,
    round_next_number,
    round_snapshot,
    round_update,
    round_upsert,
    rounds_bulk_write,
    snapshot_changes,
    snapshot_rows,
)
from tests import factories as f

pytestmark = pytest.mark.django_db


def db_state():
    """Counts of every table round_log writes to."""
    return tuple(m.objects.count() for m in (Round, ChapterProgress, ProgressNote, RoundSource, Source, Venue))


@pytest.fixture
def official():
    return f.user("ana", role=roles.OFFICIAL)


@pytest.fixture
def agreement(official):
    obj = f.agreement(slug="india-chile-cepa", parties=("IND", "CHL"))
    obj.editors.add(official)
    return obj


def log_fifth(agreement, official, **overrides):
    values = {
        "agreement": agreement,
        "number": 5,
        "start_date": dt.date(2026, 1, 12),
        "end_date": dt.date(2026, 1, 16),
        "venue_city": "Santiago",
        "venue_country": f.party("CHL"),
        "chapters": [
            ChapterLine(chapter=f.chapter("TIG"), status=ProgressStatus.SUBSTANTIAL_PROGRESS),
            ChapterLine(chapter=f.chapter("ROO"), status=ProgressStatus.CONVERGENCE, note="Two brackets left"),
            {"chapter": f.chapter("CRM"), "status": ProgressStatus.UNDER_NEGOTIATION},
        ],
        "notes": [NoteLine(text="Chile wants faster tariff cuts", visibility=Visibility.CONFIDENTIAL)],
        "sources": [SourceLine(url="https://example.org/fifth", title="Fifth round held", publisher="PIB")],
        "user": official,
        "reason": "Round report",
    }
    return round_log(**{**values, **overrides})


def test_round_log_creates_everything_with_the_acting_user_and_reason(agreement, official):
    round_ = log_fifth(agreement, official)

    assert round_.number == 5 and round_.venue.city == "Santiago" and round_.venue.country.code == "CHL"
    assert {p.chapter.code: p.status for p in round_.progress.all()} == {
        "TIG": ProgressStatus.SUBSTANTIAL_PROGRESS,
        "ROO": ProgressStatus.CONVERGENCE,
        "CRM": ProgressStatus.UNDER_NEGOTIATION,
    }
    note = round_.notes.get()
    assert note.is_confidential and note.author == official
    assert [c.source.title for c in round_.citations.all()] == ["Fifth round held"]
    for record in [
        round_.history.get(),
        note.history.get(),
        *[p.history.get() for p in round_.progress.all()],
        round_.citations.get().history.get(),
        Source.objects.get().history.get(),
    ]:
        assert record.history_user == official
        assert record.history_change_reason == "Round report"


def test_an_invalid_chapter_row_leaves_the_database_unchanged(agreement, official):
    before = db_state()
    with pytest.raises(ValidationError) as error:
        log_fifth(
            agreement,
            official,
            chapters=[
                ChapterLine(chapter=f.chapter("TIG"), status=ProgressStatus.CLOSED),
                ChapterLine(chapter=f.chapter("ROO"), status="nearly_there"),
            ],
        )
    assert "chapters" in error.value.message_dict
    assert db_state() == before


def test_the_same_chapter_twice_is_refused_and_nothing_saved(agreement, official):
    before = db_state()
    with pytest.raises(ValidationError) as error:
        log_fifth(
            agreement,
            official,
            chapters=[ChapterLine(chapter=f.chapter("ROO")), ChapterLine(chapter=f.chapter("ROO"))],
        )
    assert "ROO: This chapter is already recorded for this round." in error.value.message_dict["chapters"]
    assert db_state() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_date": dt.date(2026, 1, 16), "end_date": dt.date(2026, 1, 12)}, "end_date"),
        ({"start_date": dt.date(1850, 1, 1), "end_date": None}, "start_date"),
        ({"number": 0}, "number"),
        ({"format": RoundFormat.VIRTUAL}, "format"),
        ({"notes": [NoteLine(text="x", visibility="secret")]}, "notes"),
        ({"sources": [SourceLine(url="not a url", title="Bad")]}, "sources"),
        ({"venue_country": None}, "venue_country"),
        ({"reason": "x" * 101}, "reason"),
    ],
)
def test_invalid_parts_raise_field_errors_and_write_nothing(agreement, official, overrides, field):
    before = db_state()
    with pytest.raises(ValidationError) as error:
        log_fifth(agreement, official, **overrides)
    assert field in error.value.message_dict
    assert db_state() == before


def test_a_duplicate_round_number_is_refused(agreement, official):
    taken = f.round_(agreement, number=5)
    before = db_state()
    with pytest.raises(AlreadyExists) as error:
        log_fifth(agreement, official)
    assert "already has a round with this number" in str(error.value)
    assert error.value.existing == taken
    assert db_state() == before


def test_next_number_follows_the_highest(agreement):
    assert round_next_number(agreement=agreement) == 1
    f.round_(agreement, number=1)
    f.round_(agreement, number=4)
    assert round_next_number(agreement=agreement) == 5


def test_editing_changes_and_removes_chapter_rows_and_adds_notes(agreement, official):
    round_ = log_fifth(agreement, official)
    roo = round_.progress.get(chapter__code="ROO")
    removed_rows = [(row.pk, row.version) for row in round_.progress.filter(chapter__code__in=["TIG", "CRM"])]
    round_log(
        agreement=agreement,
        round=round_,
        expected_version=round_.version,
        number=5,
        start_date=dt.date(2026, 1, 12),
        end_date=dt.date(2026, 1, 16),
        venue=round_.venue,
        chapters=[
            ChapterLine(chapter=f.chapter("ROO"), status=ProgressStatus.CLOSED),
            ChapterLine(chapter=f.chapter("SVC"), status=ProgressStatus.TEXT_EXCHANGED),
        ],
        remove_chapters=removed_rows,
        notes=[NoteLine(text="Next round in New Delhi")],
        user=official,
        reason="Corrected after debrief",
    )
    assert {p.chapter.code: p.status for p in round_.progress.all()} == {
        "ROO": ProgressStatus.CLOSED,
        "SVC": ProgressStatus.TEXT_EXCHANGED,
    }
    assert round_.progress.get(chapter__code="ROO").pk == roo.pk  # updated in place, its history continues
    assert round_.notes.count() == 2
    removed = ChapterProgress.history.filter(history_type="-")
    assert {r.chapter_id for r in removed} == {f.chapter("TIG").pk, f.chapter("CRM").pk}
    assert {r.history_change_reason for r in ChapterProgress.history.filter(history_type="-")} == {
        "Corrected after debrief"
    }
    assert round_.version == 2


def test_a_stale_version_raises_a_conflict_and_changes_nothing(agreement, official):
    round_ = log_fifth(agreement, official)
    loaded = round_.version
    colleague = f.user("ben", role=roles.OFFICIAL)
    first = Round.objects.get(pk=round_.pk)
    round_log(
        agreement=agreement,
        round=first,
        expected_version=loaded,
        number=5,
        start_date=dt.date(2026, 1, 13),
        user=colleague,
    )
    second = Round.objects.get(pk=round_.pk)
    with pytest.raises(ConcurrencyConflict) as conflict:
        round_log(
            agreement=agreement,
            round=second,
            expected_version=loaded,
            number=5,
            start_date=dt.date(2026, 1, 20),
            user=official,
        )
    assert conflict.value.current.start_date == dt.date(2026, 1, 13)
    fresh = Round.objects.get(pk=round_.pk)
    assert fresh.start_date == dt.date(2026, 1, 13)
    assert fresh.progress.count() == 3


def test_rows_not_mentioned_are_left_alone(agreement, official):
    """A chapter row is removed only when the caller names it: a row a colleague added after
    the form was loaded is never deleted by a form that did not know it."""
    round_ = log_fifth(agreement, official)
    round_log(agreement=agreement, round=round_, expected_version=round_.version, number=5)
    assert round_.progress.count() == 3


def test_existing_source_url_is_reused(agreement, official):
    existing = f.source(url="https://example.org/fifth", title="Already here")
    round_ = log_fifth(agreement, official)
    assert round_.citations.get().source == existing
    assert Source.objects.count() == 1


def test_month_precision_round(agreement, official):
    round_ = log_fifth(
        agreement, official, start_date=dt.date(2026, 1, 1), end_date=None, date_precision=DatePrecision.MONTH
    )
    assert round_.dates_display == "Jan 2026"


def test_note_update_checks_the_version(agreement, official):
    round_ = f.round_(agreement)
    note = f.note(round_, text="First draft")
    loaded = note.version
    note_update(note=ProgressNote.objects.get(pk=note.pk), expected_version=loaded, text="Better", user=official)
    with pytest.raises(ConcurrencyConflict) as conflict:
        note_update(note=ProgressNote.objects.get(pk=note.pk), expected_version=loaded, text="Mine", user=official)
    assert conflict.value.current.text == "Better"
    assert ProgressNote.objects.get(pk=note.pk).text == "Better"
    latest = note.history.first()
    assert latest.history_user == official and latest.text == "Better"


def test_note_update_validates_visibility(agreement, official):
    note = f.note(f.round_(agreement))
    with pytest.raises(ValidationError):
        note_update(note=note, expected_version=note.version, visibility="secret", user=official)
    assert ProgressNote.objects.get(pk=note.pk).visibility == Visibility.PUBLIC
    assert ProgressNote.objects.get(pk=note.pk).version == 1


def test_note_delete_checks_the_version_and_stamps_history(agreement, official):
    note = f.note(f.round_(agreement))
    with pytest.raises(ConcurrencyConflict):
        note_delete(note=note, expected_version=note.version + 1, user=official)
    assert ProgressNote.objects.filter(pk=note.pk).exists()
    note_delete(note=note, expected_version=1, user=official, reason="Duplicate")
    assert not ProgressNote.objects.filter(pk=note.pk).exists()
    deleted = ProgressNote.history.get(history_type="-")
    assert (deleted.history_user, deleted.history_change_reason) == (official, "Duplicate")


def test_round_delete_removes_children_with_user_and_reason(agreement, official):
    round_ = log_fifth(agreement, official)
    with pytest.raises(ConcurrencyConflict):
        round_delete(round=round_, expected_version=99, user=official)
    round_delete(round=round_, expected_version=round_.version, user=official, reason="Logged twice")
    assert db_state()[:4] == (0, 0, 0, 0)
    for model in (Round, ChapterProgress, ProgressNote, RoundSource):
        deletions = model.history.filter(history_type="-")
        assert deletions.exists()
        assert {(r.history_user_id, r.history_change_reason) for r in deletions} == {(official.pk, "Logged twice")}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs row locks between threads; CI runs this on PostgreSQL"
)
def test_simultaneous_saves_on_postgresql_one_wins_one_conflicts():
    """Two threads save the same round at the same moment with the version they both loaded."""
    official, colleague = f.user("ana", role=roles.OFFICIAL), f.user("ben", role=roles.OFFICIAL)
    agreement = f.agreement()
    round_ = f.round_(agreement, number=5)
    barrier = threading.Barrier(2)
    outcomes = {}

    def save(user, day):
        try:
            mine = Round.objects.get(pk=round_.pk)
            barrier.wait()
            round_log(
                agreement=agreement,
                round=mine,
                expected_version=1,
                number=5,
                start_date=dt.date(2026, 1, day),
                chapters=[ChapterLine(chapter=f.chapter("ROO"))],
                user=user,
            )
            outcomes[user.username] = "saved"
        except ConcurrencyConflict:
            outcomes[user.username] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(u, d)) for u, d in ((official, 12), (colleague, 20))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["conflict", "saved"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    saved = Round.objects.get(pk=round_.pk)
    assert saved.version == 2
    assert saved.start_date == dt.date(2026, 1, 12 if winner == "ana" else 20)
    assert saved.history.first().history_user.username == winner
    assert saved.progress.count() == 1


def test_a_number_taken_between_check_and_save_is_a_validation_error(agreement, official, monkeypatch):
    """The database's unique constraint is the last word; round_log reports it as a field error."""
    f.round_(agreement, number=5)
    monkeypatch.setattr(Round, "full_clean", lambda self, *args, **kwargs: None)
    before = db_state()
    with pytest.raises(ValidationError) as error:
        log_fifth(agreement, official)
    assert "number" in error.value.message_dict
    assert db_state() == before


def test_status_event_delete_with_a_stale_version_is_refused(agreement, official):
    from negotiations.choices import AgreementStatus
    from negotiations.models import StatusEvent
    from negotiations.services import status_event_delete, status_event_record

    event = status_event_record(agreement=agreement, status=AgreementStatus.CONCLUDED, date=dt.date(2025, 5, 6))
    with pytest.raises(ConcurrencyConflict):
        status_event_delete(event=event, expected_version=2, user=official)
    assert StatusEvent.objects.filter(pk=event.pk).exists()
    status_event_delete(event=event, expected_version=1, user=official, reason="Wrong agreement")
    agreement.refresh_from_db()
    assert agreement.current_status == ""
    assert StatusEvent.history.get(history_type="-").history_change_reason == "Wrong agreement"


def test_rounds_bulk_write_upserts_by_natural_key_and_returns_the_stored_rounds(agreement, official):
    other = f.agreement(slug="peru-chile-fta", parties=("PER", "CHL"))
    changed = f.round_(agreement, number=1, summary="old")
    same = f.round_(agreement, number=2, summary="as before")
    special = f.round_(agreement, kind=RoundKind.SPECIAL, title="Ministerial", summary="as before")
    kept = f.source(url="https://example.org/kept")
    earlier = RoundSource.objects.create(round=changed, source=kept)
    added = f.source(url="https://example.org/added")

    def row(on, number, kind=RoundKind.NUMBERED, title="", summary=""):
        return Round(
            agreement=on,
            number=number,
            kind=kind,
            title=title,
            summary=summary,
            start_date=dt.date(2025, 11, 3),
            end_date=dt.date(2025, 11, 5),
        )

    result, stored = rounds_bulk_write(
        rounds=[
            (row(agreement, 1, summary="new"), [added]),
            (row(agreement, 2, summary="as before"), []),
            (row(agreement, None, RoundKind.SPECIAL, "Ministerial", summary="as before"), [added]),
            (row(agreement, 3), [added]),
            (row(other, None, RoundKind.SPECIAL, "Ministerial"), [kept, added]),
        ],
        user=official,
        reason="import rounds.csv",
    )

    assert (result.created, result.updated, result.unchanged) == (2, 1, 2)
    assert result.agreements == {agreement.pk, other.pk}
    assert {key: r.pk for key, r in stored.items()} == {
        (r.agreement_id, r.number, None, None) if r.number else (r.agreement_id, None, r.kind, r.title): r.pk
        for r in Round.objects.all()
    }
    assert {r.pk for r in stored.values()} == set(Round.objects.values_list("pk", flat=True))
    changed.refresh_from_db()
    assert (changed.summary, changed.version) == ("new", 2)
    assert Round.objects.get(pk=same.pk).version == Round.objects.get(pk=special.pk).version == 1
    cited = {(c.round.agreement_id, c.round.number, c.source.url) for c in RoundSource.objects.all()}
    assert cited == {
        (agreement.pk, 1, kept.url),
        (agreement.pk, 1, added.url),
        (agreement.pk, None, added.url),
        (agreement.pk, 3, added.url),
        (other.pk, None, kept.url),
        (other.pk, None, added.url),
    }
    written = [
        *Round.history.filter(history_change_reason="import rounds.csv"),
        *RoundSource.history.exclude(id=earlier.pk),
    ]
    assert len(written) == 3 + 5
    assert {(r.history_user, r.history_change_reason) for r in written} == {(official, "import rounds.csv")}


def test_rounds_bulk_write_without_a_reason_records_none(agreement):
    rounds_bulk_write(rounds=[(Round(agreement=agreement, number=1), [])])
    assert Round.history.get().history_change_reason is None


def test_a_round_logged_with_only_its_number_has_blank_fields_no_venue_and_no_reason(agreement):
    round_ = round_log(agreement=agreement, number=1)
    round_.refresh_from_db()
    blank = ("title", "venue_note", "dates_note", "summary", "chief_negotiators")
    assert {name: getattr(round_, name) for name in blank} == dict.fromkeys(blank, "")
    assert round_.venue is None
    assert round_.history.get().history_change_reason is None


def test_each_invalid_source_note_and_chapter_line_is_named_in_its_message(agreement, official):
    lines = {
        "sources": [SourceLine(url="https://example.org/ok", title="Ok"), SourceLine(url="not a url", title="Bad")],
        "notes": [NoteLine(text="Fine"), NoteLine(text="x", visibility="secret"), NoteLine(text="  ")],
        "chapters": [ChapterLine(chapter=f.chapter("TIG")), ChapterLine(chapter=f.chapter("ROO"), status="nearly")],
    }
    expected = {
        "sources": ["Source 2 (url): Enter a valid URL."],
        "notes": [
            "Note 2 (visibility): Value 'secret' is not a valid choice.",
            "Note 3 (text): This field cannot be blank.",
        ],
        "chapters": ["ROO (status): Value 'nearly' is not a valid choice."],
    }
    for key, given in lines.items():
        with pytest.raises(ValidationError) as error:
            round_log(agreement=agreement, number=1, user=official, **{key: given})
        assert error.value.message_dict == {key: expected[key]}
    assert db_state() == (0, 0, 0, 0, 0, 0)


def test_a_venue_created_for_a_round_records_who_created_it(agreement, official):
    round_ = log_fifth(agreement, official)
    assert round_.venue.history.get().history_user == official


def test_a_chapter_row_gone_or_changed_meanwhile_is_a_conflict_that_shows_the_round(agreement, official):
    from negotiations.services import chapter_progress_delete, chapter_progress_update

    round_ = log_fifth(agreement, official)
    tig, roo = (round_.progress.get(chapter__code=code) for code in ("TIG", "ROO"))
    gone = (tig.pk, tig.version)
    chapter_progress_delete(progress=tig, expected_version=tig.version)
    chapter_progress_update(progress=roo, expected_version=roo.version, note="Colleague's note")
    attempts = {
        "remove a row gone": {"remove_chapters": [gone]},
        "edit a row gone": {"chapters": [ChapterLine(chapter=tig.chapter, id=gone[0], version=gone[1])]},
        "keep a row changed": {
            "chapters": [
                ChapterLine(chapter=roo.chapter, status=roo.status, note="Colleague's note", id=roo.pk, version=1)
            ]
        },
    }
    for attempt, lines in attempts.items():
        loaded = Round.objects.get(pk=round_.pk)
        with pytest.raises(ConcurrencyConflict) as conflict:
            round_log(agreement=agreement, round=loaded, expected_version=1, number=5, **lines)
        assert conflict.value.current == round_, attempt
    assert Round.objects.get(pk=round_.pk).version == 1


def test_a_repeated_chapter_does_not_hide_the_errors_of_the_lines_after_it(agreement, official):
    with pytest.raises(ValidationError) as error:
        log_fifth(
            agreement,
            official,
            chapters=[
                ChapterLine(chapter=f.chapter("ROO")),
                ChapterLine(chapter=f.chapter("ROO")),
                ChapterLine(chapter=f.chapter("TIG"), status="nearly"),
            ],
        )
    assert error.value.message_dict == {
        "chapters": [
            "ROO: This chapter is already recorded for this round.",
            "TIG (status): Value 'nearly' is not a valid choice.",
        ]
    }


def test_a_rounds_snapshot_names_each_row_with_its_version_or_citation_digest(agreement, official):
    round_ = log_fifth(agreement, official)
    citation = round_.citations.get()
    snapshot = round_snapshot(round_)
    assert snapshot_rows(snapshot) == {
        "p": {row.pk: "1" for row in round_.progress.all()},
        "n": {round_.notes.get().pk: "1"},
        "c": {citation.pk: citation_digest(citation)},
    }
    assert snapshot == round_snapshot(Round.objects.get(pk=round_.pk))
    citation.conflicting = True
    citation.save()
    assert snapshot_changes(snapshot, round_snapshot(round_)) == {"sources"}


def test_snapshot_changes_names_the_kinds_of_rows_that_moved_whatever_their_order():
    assert snapshot_changes("p1.1,2.1;n5.2;c7.ab", "p2.1,1.1;n5.2;c7.ab") == set()
    assert snapshot_changes("p1.1,2.1;n5.2;c7.ab", "p1.1;n5.3;c7.ab") == {"chapters", "notes"}
    assert snapshot_changes("p1.1;n;c", "p1.1;n;c8.cd") == {"sources"}
    # An unreadable snapshot (not ids and versions) compares as unlike any other.
    assert snapshot_rows("px.1;n;c") == {}
    assert snapshot_changes("px.1;n;c", "p1.1;n;c") == {"chapters", "notes", "sources"}
    assert snapshot_rows("p1.2,3.1;n;c7.ab.cd") == {"p": {1: "2", 3: "1"}, "n": {}, "c": {7: "ab.cd"}}


def test_round_upsert_finds_a_round_without_a_number_by_kind_and_title_in_its_own_agreement(agreement, official):
    other = f.agreement(slug="peru-chile-fta", parties=("PER", "CHL"))
    numbered = f.round_(agreement, number=3, kind=RoundKind.SPECIAL, title="Ministerial")
    elsewhere = f.round_(other, kind=RoundKind.SPECIAL, title="Ministerial")
    press = f.source()
    upsert = {"agreement": agreement, "kind": RoundKind.SPECIAL, "start_date": dt.date(2025, 11, 3)}

    ministerial, created = round_upsert(title="Ministerial", sources=[press], user=official, reason="seed", **upsert)
    assert created and ministerial.pk not in (numbered.pk, elsewhere.pk)
    assert (ministerial.number, ministerial.title, [c.source for c in ministerial.citations.all()]) == (
        None,
        "Ministerial",
        [press],
    )
    cited = ministerial.citations.get().history.get()
    assert (cited.history_user, cited.history_change_reason) == (official, "seed")
    records = ministerial.history.count()
    report = f.source()
    again, created = round_upsert(title="Ministerial", sources=[press, report], **upsert)
    assert (again.pk, created, ministerial.history.count()) == (ministerial.pk, False, records)
    # The round is unchanged; the new source is cited, without a reason as none was given.
    assert again.citations.get(source=report).history.get().history_change_reason is None
    stocktaking, created = round_upsert(title="Stocktaking", **upsert)
    assert created and stocktaking.pk != ministerial.pk
    assert Round.objects.get(pk=numbered.pk).number == 3 and Round.objects.filter(agreement=other).get() == elsewhere


def test_round_upsert_of_a_numbered_round_without_a_title_stores_no_title(agreement):
    round_, _ = round_upsert(agreement=agreement, number=9, start_date=dt.date(2025, 11, 3))
    round_.refresh_from_db()
    assert (round_.number, round_.title) == (9, "")


def test_a_row_rule_only_the_database_catches_is_reported_on_its_line(agreement, official, monkeypatch):
    monkeypatch.setattr(ChapterProgress, "full_clean", lambda self, *args, **kwargs: None)
    with pytest.raises(ValidationError) as error:
        round_log(agreement=agreement, number=1, chapters=[ChapterLine(chapter=f.chapter("ROO"), status="nearly")])
    assert error.value.message_dict == {"chapters": ["ROO: Unknown chapter progress status."]}
    assert db_state()[:2] == (0, 0)


def test_a_round_logged_with_a_named_place_meets_there(agreement, official):
    round_ = log_fifth(agreement, official, venue_place="Palacio Cerro Castillo")
    assert (round_.venue.city, round_.venue.place) == ("Santiago", "Palacio Cerro Castillo")


def test_every_field_of_a_round_given_to_round_log_is_stored(agreement, official):
    given = {
        "number": 7,
        "kind": RoundKind.INTERSESSIONAL,
        "title": "Seventh",
        "venue_note": "At the foreign ministry",
        "format": RoundFormat.HYBRID,
        "start_date": dt.date(2026, 3, 2),
        "end_date": dt.date(2026, 3, 6),
        "date_precision": DatePrecision.DAY,
        "dates_note": "as announced",
        "status": RoundStatus.POSTPONED,
        "summary": "Postponed by a week",
        "chief_negotiators": "A. Rao; M. Soto",
    }
    round_ = round_log(agreement=agreement, venue_city="Santiago", venue_country=f.party("CHL"), **given)
    stored = Round.objects.get(pk=round_.pk)
    assert {name: getattr(stored, name) for name in given} == given


def test_round_update_moves_a_round_to_another_agreement_keeping_its_other_fields(agreement, official):
    round_ = log_fifth(agreement, official)
    other = f.agreement(slug="peru-chile-fta", parties=("PER", "CHL"))
    round_update(
        round=round_,
        expected_version=round_.version,
        agreement=other,
        summary="Moved",
        user=official,
        reason="Misfiled",
    )
    stored = Round.objects.get(pk=round_.pk)
    assert (stored.agreement, stored.summary, stored.number, stored.start_date, stored.venue, stored.version) == (
        other,
        "Moved",
        5,
        dt.date(2026, 1, 12),
        round_.venue,
        2,
    )
    latest = stored.history.first()
    assert (latest.history_user, latest.history_change_reason) == (official, "Misfiled")
    with pytest.raises(ConcurrencyConflict):
        round_update(round=Round.objects.get(pk=round_.pk), expected_version=1, summary="Stale")
    round_update(round=stored, expected_version=2, summary="Kept where it is")
    assert Round.objects.get(pk=round_.pk).agreement == other
    assert stored.history.first().history_change_reason is None


def test_round_delete_without_a_reason_records_none(agreement):
    round_ = f.round_(agreement, number=2)
    f.note(round_)
    round_delete(round=round_)
    deletions = [*Round.history.filter(history_type="-"), *ProgressNote.history.filter(history_type="-")]
    assert [r.history_change_reason for r in deletions] == [None, None]


def test_a_matching_snapshot_saves_and_a_stale_one_is_a_conflict_that_shows_the_round(agreement, official):
    from negotiations.services import note_add

    round_ = log_fifth(agreement, official)
    loaded = round_snapshot(round_)
    edit = {"agreement": agreement, "number": 5, "expected_snapshot": loaded}
    round_log(round=Round.objects.get(pk=round_.pk), expected_version=1, summary="Mine", **edit)
    assert Round.objects.get(pk=round_.pk).summary == "Mine"
    note_add(round=round_, text="A colleague's note")
    with pytest.raises(ConcurrencyConflict) as conflict:
        round_log(round=Round.objects.get(pk=round_.pk), expected_version=2, summary="Stale", **edit)
    assert conflict.value.current == round_
    assert Round.objects.get(pk=round_.pk).summary == "Mine"


def test_an_unsaved_round_given_to_round_log_is_created(agreement):
    new = Round(agreement=agreement)
    saved = round_log(agreement=agreement, round=new, number=4)
    assert saved is new
    assert list(Round.objects.values_list("pk", "number", "version")) == [(new.pk, 4, 1)]


def test_a_new_source_keeps_its_publisher_and_publication_date(agreement, official):
    line = SourceLine(
        url=" https://example.org/fifth ",
        title=" Fifth round held ",
        publisher=" PIB ",
        published_on=dt.date(2026, 1, 1),
        published_precision=DatePrecision.MONTH,
    )
    source = log_fifth(agreement, official, sources=[line]).citations.get().source
    assert (source.url, source.title, source.publisher, source.published_on, source.published_precision) == (
        "https://example.org/fifth",
        "Fifth round held",
        "PIB",
        dt.date(2026, 1, 1),
        DatePrecision.MONTH,
    )


def test_removing_a_chapter_row_refuses_a_stale_version_and_records_who_removed_it(agreement, official):
    from negotiations.services import chapter_progress_update

    round_ = log_fifth(agreement, official)
    tig = round_.progress.get(chapter__code="TIG")
    chapter_progress_update(progress=tig, expected_version=1, note="A colleague's note")
    edit = {"agreement": agreement, "expected_version": 1, "number": 5, "user": official}
    with pytest.raises(ConcurrencyConflict):
        round_log(round=Round.objects.get(pk=round_.pk), remove_chapters=[(tig.pk, 1)], **edit)
    round_log(round=Round.objects.get(pk=round_.pk), remove_chapters=[(tig.pk, 2)], **edit)
    assert ChapterProgress.history.get(history_type="-").history_user == official


def test_a_chapter_line_with_its_id_updates_that_row_checking_its_version_and_recording_who(agreement, official):
    round_ = log_fifth(agreement, official)
    roo = round_.progress.get(chapter__code="ROO")
    assert roo.note == "Two brackets left"
    edit = {"agreement": agreement, "expected_version": 1, "number": 5, "user": official, "reason": "Debrief"}

    def line(version):  # the row moves to another chapter
        return ChapterLine(chapter=f.chapter("SVC"), status=ProgressStatus.CLOSED, id=roo.pk, version=version)

    unchanged = ChapterLine(chapter=f.chapter("TIG"), status=ProgressStatus.SUBSTANTIAL_PROGRESS)
    with pytest.raises(ConcurrencyConflict):
        round_log(round=Round.objects.get(pk=round_.pk), chapters=[line(7)], **edit)
    round_log(round=Round.objects.get(pk=round_.pk), chapters=[line(1), unchanged], **edit)
    roo.refresh_from_db()
    assert (roo.chapter.code, roo.status, roo.note, roo.version) == ("SVC", ProgressStatus.CLOSED, "", 2)
    latest = roo.history.first()
    assert (latest.history_user, latest.history_change_reason) == (official, "Debrief")


def test_a_new_note_keeps_its_chapter_language_and_source(agreement, official):
    press = f.source()
    line = NoteLine(
        text=" Bracket on cumulation ", chapter=f.chapter("ROO"), language=NoteLanguage.SPANISH, source=press
    )
    note = log_fifth(agreement, official, notes=[line]).notes.get()
    assert (note.text, note.chapter.code, note.language, note.source) == (
        "Bracket on cumulation",
        "ROO",
        NoteLanguage.SPANISH,
        press,
    )
