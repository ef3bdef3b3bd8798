"""round_log and the note/round edit services: atomicity, concurrency, audit stamps."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from negotiations import roles
from negotiations.choices import DatePrecision, ProgressStatus, RoundFormat, Visibility
from negotiations.models import ChapterProgress, ProgressNote, Round, RoundSource, Source, Venue
from negotiations.services import ConcurrencyConflict, note_delete, note_update, round_delete, round_log
from negotiations.services.round_log import ChapterLine, NoteLine, SourceLine, round_next_number
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
    f.round_(agreement, number=5)
    before = db_state()
    with pytest.raises(ValidationError) as error:
        log_fifth(agreement, official)
    assert "already has a round with this number" in str(error.value)
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
