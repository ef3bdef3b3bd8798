"""The agreement history page: who, when, which fields old → new, reason; newest first; paginated;
constant queries; confidential note text only for those who may read it."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from negotiations import roles
from negotiations.choices import AgreementStatus, ProgressStatus, Visibility
from negotiations.history import agreement_history, last_changed
from negotiations.models import AgreementParty
from negotiations.services import note_update, round_log, status_event_record
from negotiations.services.round_log import ChapterLine, NoteLine
from tests import factories as f

pytestmark = pytest.mark.django_db

SECRET = "Our red line is GI"


@pytest.fixture
def official():
    return f.user("ana", role=roles.OFFICIAL)


@pytest.fixture
def agreement(official):
    obj = f.agreement(slug="india-chile-cepa", parties=("IND", "CHL"), name="India–Chile CEPA")
    obj.editors.add(official)
    return obj


@pytest.fixture
def logged(agreement, official):
    """A round logged by the official, then edited; a status event; a confidential note."""
    round_obj = round_log(
        agreement=agreement,
        number=5,
        start_date=dt.date(2026, 1, 12),
        end_date=dt.date(2026, 1, 16),
        venue_city="Santiago",
        venue_country=f.party("CHL"),
        chapters=[ChapterLine(chapter=f.chapter("ROO"), status=ProgressStatus.TEXT_EXCHANGED)],
        notes=[NoteLine(text=SECRET, visibility=Visibility.CONFIDENTIAL)],
        user=official,
        reason="Logged after the round",
    )
    round_log(
        agreement=agreement,
        round=round_obj,
        expected_version=round_obj.version,
        number=5,
        start_date=dt.date(2026, 1, 13),
        end_date=dt.date(2026, 1, 16),
        venue=round_obj.venue,
        chapters=[ChapterLine(chapter=f.chapter("ROO"), status=ProgressStatus.CLOSED)],
        user=official,
        reason="Dates corrected",
    )
    status_event_record(
        agreement=agreement, status=AgreementStatus.CONCLUDED, date=dt.date(2025, 5, 6), user=official, reason="PIB"
    )
    return round_obj


def rows_for(agreement, user, **kwargs):
    return list(agreement_history(agreement=agreement, user=user, **kwargs).object_list)


def test_rows_say_who_when_what_and_why_newest_first(agreement, official, logged):
    curator = f.user("cora", role=roles.CURATOR)
    rows = rows_for(agreement, curator)
    assert [r.when for r in rows] == sorted((r.when for r in rows), reverse=True)
    edit = next(r for r in rows if r.kind_label == "round" and r.action == "~")
    assert (edit.user, edit.reason) == ("ana", "Dates corrected")
    assert [(c.field, c.old, c.new) for c in edit.changes] == [("start date", "12 Jan 2026", "13 Jan 2026")]
    progress = next(r for r in rows if r.kind_label == "chapter progress" and r.action == "~")
    assert progress.subject.startswith("ROO")
    assert progress.context == "Round 5"
    assert [(c.old, c.new) for c in progress.changes] == [("Text exchanged", "Closed")]
    created = next(r for r in rows if r.kind_label == "round" and r.action == "+")
    assert ("venue", "Santiago, Chl") in [(c.field, c.new) for c in created.changes]


def test_derived_status_changes_are_listed(agreement, official, logged):
    rows = rows_for(agreement, official)
    recompute = next(r for r in rows if r.kind_label == "agreement" and r.action == "~")
    assert ("current status", "", "Concluded") in [(c.field, c.old, c.new) for c in recompute.changes]
    assert ("status date", "", "6 May 2025") in [(c.field, c.old, c.new) for c in recompute.changes]
    event = next(r for r in rows if r.kind_label == "status event")
    assert (event.user, event.reason, event.action) == ("ana", "PIB", "+")


def test_confidential_notes_only_for_those_who_may_read_them(agreement, official, logged):
    assert any(r.subject == SECRET for r in rows_for(agreement, official))
    for reader in (f.user("plain"), f.user("other", role=roles.OFFICIAL)):
        rows = rows_for(agreement, reader)
        assert not any(SECRET in r.subject or any(SECRET in c.new for c in r.changes) for r in rows)
        assert not any(r.kind_label == "progress note" for r in rows)


def test_a_note_made_public_does_not_reveal_its_confidential_past(agreement, official, logged):
    note = logged.notes.get()
    note_update(
        note=note, expected_version=note.version, text="Public now", visibility=Visibility.PUBLIC, user=official
    )
    rows = rows_for(agreement, f.user("plain"))
    # Readers without confidential access see no history of a note that was ever confidential.
    assert [r for r in rows if r.kind_label == "progress note"] == []
    insider = [r for r in rows_for(agreement, official) if r.kind_label == "progress note" and r.action == "~"]
    assert ("text", SECRET, "Public now") in [(c.field, c.old, c.new) for c in insider[0].changes]


def test_a_note_withdrawn_into_confidential_leaves_no_public_trace(agreement, official, logged):
    note = logged.notes.get()
    note_update(note=note, expected_version=note.version, text="Oops", visibility=Visibility.PUBLIC, user=official)
    note.refresh_from_db()
    note_update(note=note, expected_version=note.version, visibility=Visibility.CONFIDENTIAL, user=official)
    rows = rows_for(agreement, f.user("plain"))
    texts = (
        [c.new for r in rows for c in r.changes] + [c.old for r in rows for c in r.changes] + [r.subject for r in rows]
    )
    assert not any("Oops" in text for text in texts)


def test_last_changed_is_each_agreements_latest_public_change(agreement, official, logged):
    before = last_changed(agreement)
    other = f.agreement(slug="india-peru-ta")  # created after everything in ``logged``
    parties = AgreementParty.history.filter(agreement_id=other.pk)
    assert last_changed(other) == parties.latest("history_date").history_date  # its parties, added last
    assert before is not None and before < last_changed(other)
    # A later change to a confidential note is not public, nor is its timing.
    note = logged.notes.get()
    note_update(note=note, expected_version=note.version, text="Still secret", user=official)
    assert note.history.latest("history_date").history_date > before
    assert last_changed(agreement) == before
    # A public change moves it.
    note.refresh_from_db()
    note_update(note=note, expected_version=note.version, text="Public", visibility=Visibility.PUBLIC, user=official)
    assert last_changed(agreement) == before  # the note was once confidential: still not public
    f.note(logged, "A public note")
    assert last_changed(agreement) > last_changed(other)


def test_confidential_notes_of_a_round_moved_to_another_agreement_stay_with_it(agreement, official, logged):
    from negotiations.services import note_add, round_update

    other = f.agreement(slug="other-talks")
    round_update(round=logged, expected_version=logged.version, agreement=other)
    note_add(round=logged, text="OTHER-AGREEMENT-SECRET", visibility=Visibility.CONFIDENTIAL)
    rows = rows_for(agreement, official)
    assert not any("OTHER-AGREEMENT-SECRET" in (r.subject + " ".join(c.new for c in r.changes)) for r in rows)


def test_deleted_rounds_stay_in_the_history(agreement, official, logged):
    from negotiations.services import round_delete

    round_delete(round=logged, expected_version=logged.version, user=official, reason="Logged twice")
    rows = rows_for(agreement, official)
    deleted = [r for r in rows if r.action == "-"]
    assert {r.kind_label for r in deleted} >= {"round", "chapter progress", "progress note"}
    assert all(r.reason == "Logged twice" and r.user == "ana" for r in deleted)


def test_history_page_renders_and_paginates(agreement, official, logged):
    client = Client()
    client.force_login(official)
    url = reverse("agreement-history", args=[agreement.slug])
    html = client.get(url).content.decode()
    assert "Dates corrected" in html and "12 Jan 2026" in html and "13 Jan 2026" in html
    assert SECRET in html
    total = len(rows_for(agreement, official, page_size=1000))
    page = agreement_history(agreement=agreement, user=official, page_number=2, page_size=3)
    assert page.number == 2 and len(page.object_list) == 3 and page.paginator.count == total


def test_history_page_needs_sign_in(agreement):
    response = Client().get(reverse("agreement-history", args=[agreement.slug]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_history_query_count_is_constant(agreement, official, django_assert_max_num_queries):
    client = Client()
    client.force_login(official)
    url = reverse("agreement-history", args=[agreement.slug])

    def log_rounds(first, count):
        for number in range(first, first + count):
            round_log(
                agreement=agreement,
                number=number,
                start_date=dt.date(2025, 1, number),
                venue_city="Lima",
                venue_country=f.party("PER"),
                chapters=[ChapterLine(chapter=f.chapter(code)) for code in ("ROO", "TIG", "SVC")],
                notes=[NoteLine(text=f"note {number}", chapter=f.chapter("ROO"))],
                sources=[{"url": f"https://example.org/{number}", "title": f"Source {number}"}],
                user=official,
            )

    log_rounds(1, 2)
    with django_assert_max_num_queries(30) as small:
        assert client.get(url).status_code == 200
    log_rounds(3, 12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def _agreement_rows(rows):
    return [row for row in rows if row.object_key and row.object_key[0] == "agreement"]


def test_an_editing_rights_grant_is_one_row_saying_who_was_added(agreement, official):
    from negotiations.services import agreement_update

    curator = f.user("cora", role=roles.CURATOR)
    ben = f.user("ben", role=roles.OFFICIAL)
    before = _agreement_rows(rows_for(agreement, curator))
    agreement_update(agreement=agreement, editors=[official, ben], user=curator, reason="Ben joins the team")

    rows = _agreement_rows(rows_for(agreement, curator))
    assert len(rows) == len(before) + 1
    grant = rows[0]
    assert (grant.action, grant.user, grant.reason) == ("~", "cora", "Ben joins the team")
    assert [(c.field, c.text) for c in grant.changes] == [("editors", "added ben")]

    agreement_update(agreement=agreement, editors=[ben], user=curator)
    revoke = _agreement_rows(rows_for(agreement, curator))[0]
    assert [(c.field, c.text) for c in revoke.changes] == [("editors", "removed ana")]

    group = Group.objects.create(name="Peru desk")
    agreement_update(agreement=agreement, editor_groups=[group], user=curator)
    grouped = _agreement_rows(rows_for(agreement, curator))[0]
    assert [(c.field, c.text) for c in grouped.changes] == [("editor groups", "added Peru desk")]


def test_the_history_page_shows_the_grant_in_words(agreement, official):
    from negotiations.services import agreement_update

    curator = f.user("cora", role=roles.CURATOR)
    agreement_update(agreement=agreement, editors=[official, f.user("ben")], user=curator)
    client = Client()
    client.force_login(curator)
    html = client.get(reverse("agreement-history", args=[agreement.slug])).content.decode()
    assert "added ben" in html
    assert "saved without field changes" not in html


def test_separate_saves_stay_separate_rows(agreement, official):
    """A rename then a grant: two rows, each with its own change."""
    from negotiations.services import agreement_update

    curator = f.user("cora", role=roles.CURATOR)
    agreement_update(agreement=agreement, name="India–Chile CEPA (renamed)", user=official)
    agreement_update(agreement=agreement, editors=[official, f.user("ben")], user=curator)
    rows = _agreement_rows(rows_for(agreement, curator))
    assert [row.user for row in rows[:2]] == ["cora", "ana"]
    assert [c.text for c in rows[0].changes] == ["added ben"]
    assert [c.field for c in rows[1].changes] == ["name"]
