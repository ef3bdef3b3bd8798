"""Merging duplicate venues and sources keeps every reference and the history."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from negotiations import roles, services
from negotiations.choices import RoundStatus
from negotiations.models import AgreementSource, Chapter, ProgressNote, Round, RoundSource, Source, Venue
from tests import factories

pytestmark = pytest.mark.django_db


def test_venue_merge_moves_rounds_and_deletes_the_duplicate():
    curator = factories.user(role=roles.CURATOR)
    keep = factories.venue("New Delhi", "IND")
    duplicate = factories.venue("Delhi", "IND")
    duplicate_pk = duplicate.pk
    round_ = factories.round_(venue=duplicate)
    assert services.venue_merge(keep=keep, duplicates=[duplicate, keep], user=curator) == 1
    round_.refresh_from_db()
    assert round_.venue == keep
    assert not Venue.objects.filter(pk=duplicate_pk).exists()
    assert round_.history.latest().history_user == curator
    assert Venue.history.filter(id=duplicate_pk, history_type="-").get().history_user == curator


def test_source_merge_moves_citations_and_notes_and_keeps_conflict_marks():
    keep, duplicate = factories.source(), factories.source()
    round_ = factories.round_()
    both = factories.round_(round_.agreement)
    RoundSource.objects.create(round=round_, source=duplicate, conflicting=True, note="says Lima")
    RoundSource.objects.create(round=both, source=keep)
    RoundSource.objects.create(round=both, source=duplicate, note="also here")
    AgreementSource.objects.create(agreement=round_.agreement, source=duplicate)
    note = factories.note(round_, source=duplicate)

    duplicate_pk = duplicate.pk
    services.source_merge(keep=keep, duplicates=[duplicate])

    assert not Source.objects.filter(pk=duplicate_pk).exists()
    moved = RoundSource.objects.get(round=round_)
    assert (moved.source, moved.conflicting, moved.note) == (keep, True, "says Lima")
    merged = RoundSource.objects.get(round=both)  # one citation left, the note kept
    assert (merged.source, merged.note) == (keep, "also here")
    assert AgreementSource.objects.get(agreement=round_.agreement).source == keep
    assert ProgressNote.objects.get(pk=note.pk).source == keep


def test_admin_merge_action_asks_which_to_keep_then_merges(client):
    curator = factories.user(role=roles.CURATOR)
    client.force_login(curator)
    keep = factories.venue("New Delhi", "IND")
    duplicate = factories.venue("Delhi", "IND")
    round_ = factories.round_(venue=duplicate)
    url = reverse("admin:negotiations_venue_changelist")
    selected = [keep.pk, duplicate.pk]
    confirm = client.post(url, {"action": "merge", "_selected_action": selected})
    assert confirm.status_code == 200
    assert b"Choose which of these" in confirm.content
    assert Venue.objects.count() == 2  # nothing merged before the curator confirms
    done = client.post(url, {"action": "merge", "_selected_action": selected, "apply": "1", "keep": keep.pk})
    assert done.status_code == 302
    assert list(Venue.objects.all()) == [keep]
    assert Round.objects.get(pk=round_.pk).venue == keep


def test_source_merge_counts_what_moved_and_stamps_who_and_why_on_every_row_it_writes():
    curator = factories.user(role=roles.CURATOR)
    keep, duplicate = factories.source(), factories.source()
    round_ = factories.round_()
    both = factories.round_(round_.agreement)
    moved_citation = RoundSource.objects.create(round=round_, source=duplicate)
    kept_citation = RoundSource.objects.create(round=both, source=keep)
    removed_citation = RoundSource.objects.create(round=both, source=duplicate, conflicting=True)
    note = factories.note(round_, source=duplicate)
    duplicate_pk = duplicate.pk

    # Two citations and one note referred to the duplicate.
    assert services.source_merge(keep=keep, duplicates=[duplicate, keep], user=curator) == 3

    kept_citation.refresh_from_db()
    assert kept_citation.conflicting  # the duplicate's "conflicting" mark is not lost
    why = f"merged into source #{keep.pk}"
    written = [
        RoundSource.history.filter(id=moved_citation.pk, history_type="~").get(),
        RoundSource.history.filter(id=kept_citation.pk, history_type="~").get(),
        RoundSource.history.filter(id=removed_citation.pk, history_type="-").get(),
        ProgressNote.history.filter(id=note.pk, history_type="~").get(),
        Source.history.filter(id=duplicate_pk, history_type="-").get(),
    ]
    assert [(record.history_user, record.history_change_reason) for record in written] == [(curator, why)] * 5


def test_venue_merge_counts_every_round_it_moves_and_says_why_in_each_history_row():
    curator = factories.user(role=roles.CURATOR)
    keep, duplicate = factories.venue("New Delhi", "IND"), factories.venue("Delhi", "IND")
    duplicate_pk = duplicate.pk
    first, second = factories.round_(venue=duplicate), factories.round_(venue=duplicate)

    assert services.venue_merge(keep=keep, duplicates=[duplicate], user=curator) == 2

    why = f"merged into venue #{keep.pk}"
    written = [first.history.latest(), second.history.latest(), Venue.history.get(id=duplicate_pk, history_type="-")]
    assert [(record.history_user, record.history_change_reason) for record in written] == [(curator, why)] * 3


def test_rounds_status_set_changes_only_the_rounds_not_yet_there_one_history_row_each():
    curator = factories.user(role=roles.CURATOR)
    already = factories.round_(status=RoundStatus.POSTPONED)  # first: the rounds after it still change
    held, planned = factories.round_(status=RoundStatus.HELD), factories.round_(status=RoundStatus.PLANNED)
    versions = {r.pk: r.version for r in (held, planned, already)}
    records = {r.pk: r.history.count() for r in (held, planned, already)}

    changed = services.rounds_status_set(
        rounds=Round.objects.filter(pk__in=versions).order_by("pk"),
        status=RoundStatus.POSTPONED,
        user=curator,
        reason="talks suspended",
    )

    assert changed == 2
    for round_ in (held, planned):
        round_.refresh_from_db()
        assert (round_.status, round_.version) == (RoundStatus.POSTPONED, versions[round_.pk] + 1)
        assert round_.history.count() == records[round_.pk] + 1
        latest = round_.history.latest()
        assert (latest.status, latest.history_user, latest.history_change_reason) == (
            RoundStatus.POSTPONED,
            curator,
            "talks suspended",
        )
    already.refresh_from_db()
    assert (already.version, already.history.count()) == (versions[already.pk], records[already.pk])


def test_rounds_status_set_refuses_a_status_that_does_not_exist_and_changes_nothing():
    first, second = factories.round_(status=RoundStatus.HELD), factories.round_(status=RoundStatus.HELD)
    before = set(Round.objects.values_list("pk", "status", "version"))
    with pytest.raises(ValidationError) as refused:
        services.rounds_status_set(rounds=[first, second], status="adjourned")
    assert "status" in refused.value.message_dict
    assert set(Round.objects.values_list("pk", "status", "version")) == before


@pytest.mark.parametrize("active", [False, True], ids=["retire", "reactivate"])
def test_chapters_active_set_changes_only_the_chapters_not_yet_there_one_history_row_each(active):
    curator = factories.user(role=roles.CURATOR)
    already = factories.chapter("SPS")  # first: the chapters after it still change
    first, second = factories.chapter("ROO"), factories.chapter("TBT")
    Chapter.objects.filter(pk__in=[first.pk, second.pk]).update(is_active=not active)
    Chapter.objects.filter(pk=already.pk).update(is_active=active)
    records = {c.pk: c.history.count() for c in (first, second, already)}

    changed = services.chapters_active_set(
        chapters=Chapter.objects.order_by("pk"), active=active, user=curator, reason="catalog review"
    )

    assert changed == 2
    assert set(Chapter.objects.values_list("is_active", flat=True)) == {active}
    for chapter in (first, second):
        assert chapter.history.count() == records[chapter.pk] + 1
        latest = chapter.history.latest()
        assert (latest.is_active, latest.history_user, latest.history_change_reason) == (
            active,
            curator,
            "catalog review",
        )
    assert already.history.count() == records[already.pk]


def test_bulk_changes_without_a_reason_record_none():
    round_, chapter = factories.round_(status=RoundStatus.HELD), factories.chapter("ROO")
    assert services.rounds_status_set(rounds=[round_], status=RoundStatus.CANCELLED) == 1
    assert services.chapters_active_set(chapters=[chapter], active=False) == 1
    assert round_.history.latest().history_change_reason is None
    assert chapter.history.latest().history_change_reason is None
