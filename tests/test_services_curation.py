"""Merging duplicate venues and sources keeps every reference and the history."""

import pytest
from django.urls import reverse

from negotiations import roles, services
from negotiations.models import AgreementSource, ProgressNote, Round, RoundSource, Source, Venue
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
