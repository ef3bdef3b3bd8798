"""The bulk fast path's shared machinery (negotiations/services/bulk.py): sources found or
created by URL, citations added once, new rows told from changed ones, and validated rows
inserted straight through the driver with their audit trail."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from negotiations.choices import AgreementStatus, DatePrecision, ProgressStatus
from negotiations.models import ChapterProgress, Round, RoundSource, Source, StatusEvent
from negotiations.services import bulk
from tests import factories as f

pytestmark = pytest.mark.django_db

A, B = "https://example.org/a", "https://example.org/b"


def test_sources_for_urls_reuses_the_oldest_source_of_a_url_and_creates_each_missing_one_once():
    ana = f.user("ana")
    oldest = f.source(url=A, title="Z: entered first")
    f.source(url=A, title="A: entered later")
    found = bulk.sources_for_urls(urls=[A, "", B, B], user=ana, reason="import rounds.csv")
    new = Source.objects.get(url=B)
    assert found == {A: oldest, B: new}
    assert new.title == B
    record = new.history.get()
    assert (record.history_user, record.history_change_reason) == (ana, "import rounds.csv")
    unexplained = bulk.sources_for_urls(urls=["https://example.org/c"])["https://example.org/c"]
    assert not unexplained.history.get().history_change_reason


def test_citations_bulk_add_adds_only_the_missing_citations_each_recorded_with_who_and_why():
    ana = f.user("ana")
    first, second = f.round_(number=1), f.round_(number=2)
    cited, fresh = f.source(), f.source()
    earlier = RoundSource.objects.create(round=first, source=cited)
    pairs = [(first.pk, cited), (first.pk, fresh), (second.pk, fresh), (second.pk, fresh)]
    bulk.citations_bulk_add(RoundSource, "round", pairs, user=ana, reason="import rounds.csv")
    assert set(RoundSource.objects.values_list("round_id", "source_id")) == {
        (first.pk, cited.pk),
        (first.pk, fresh.pk),
        (second.pk, fresh.pk),
    }
    assert RoundSource.objects.filter(pk=earlier.pk).exists()
    added = RoundSource.history.exclude(id=earlier.pk)
    assert [(r.history_user, r.history_change_reason) for r in added] == [(ana, "import rounds.csv")] * 2


def test_split_changes_tells_new_changed_and_unchanged_rows_apart():
    stored_same, stored_old = f.round_(number=1, summary="same"), f.round_(number=2, summary="old")
    stored_also_same = f.round_(number=4, summary="same")
    same = Round(agreement=stored_same.agreement, number=1, summary="same")
    also_same = Round(agreement=stored_also_same.agreement, number=4, summary="same")
    changed = Round(agreement=stored_old.agreement, number=2, summary="new", venue=f.venue())
    brand_new = Round(number=3, summary="new")
    existing = {1: stored_same, 2: stored_old, 4: stored_also_same}
    fields = ["summary", "venue"]
    given = [(3, brand_new), (1, same), (4, also_same), (2, changed)]
    new, changed_rows, unchanged = bulk.split_changes(given, existing, fields)
    assert (new, changed_rows, unchanged) == ([brand_new], [stored_old], 2)
    # The changed values are copied onto the stored instance, whose version moves on.
    assert (stored_old.summary, stored_old.venue_id, stored_old.version) == ("new", changed.venue_id, 2)
    assert (stored_same.summary, stored_same.version) == ("same", 1)
    assert (same.pk, changed.pk, brand_new.pk) == (stored_same.pk, stored_old.pk, None)


def test_rows_inserted_straight_through_the_driver_keep_their_dates_and_times():
    ana = f.user("ana")
    agreement = f.agreement()
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    event = StatusEvent(
        agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2024, 2, 29), date_precision="month"
    )
    bulk.bulk_write(
        StatusEvent,
        [event],
        [],
        [],
        user=ana,
        reason="import",
        fast=(lambda *key: key, ["agreement_id", "date", "status"], {"agreement_id__in": [agreement.pk]}),
    )
    stored = StatusEvent.objects.get()
    assert (event.pk, stored.date, stored.date_precision) == (stored.pk, dt.date(2024, 2, 29), DatePrecision.MONTH)
    bulk.created_history_insert(StatusEvent, [stored.__dict__], when=when, user=AnonymousUser(), reason="")
    # Stored as the database's own lookups expect them: found by an exact match.
    assert StatusEvent.history.filter(history_date=when).count() == 1
    assert StatusEvent.objects.filter(date=dt.date(2024, 2, 29)).count() == 1
    records = StatusEvent.history.order_by("history_id")
    assert [(r.history_date, r.history_user, r.history_change_reason, r.history_type) for r in records][1:] == [
        (when, None, None, "+")
    ]
    assert records[0].history_user == ana and records[0].date == dt.date(2024, 2, 29)


def test_fast_created_rows_get_their_ids_timestamps_and_a_created_record_each():
    ana = f.user("ana")
    agreement = f.agreement()
    earlier = f.round_(agreement, number=9, summary="Logged before")
    rounds = [Round(agreement=agreement, number=n, summary=f"Round {n}") for n in (1, 2, 3)]
    key = (lambda agreement_id, number: (agreement_id, number), ["agreement_id", "number"], {"agreement": agreement})
    bulk.bulk_write(Round, rounds, [], [], user=ana, reason="import rounds.csv", fast=key)
    stored = {r.pk: r for r in Round.objects.exclude(pk=earlier.pk)}
    assert [stored[r.pk].summary for r in rounds] == ["Round 1", "Round 2", "Round 3"]
    assert all(not r._state.adding for r in rounds)
    assert all(r.created_at is not None and r.created_at == r.updated_at for r in stored.values())
    records = Round.history.exclude(id=earlier.pk)
    assert {(r.id, r.summary, r.history_type, r.history_user, r.history_change_reason) for r in records} == {
        (r.pk, r.summary, "+", ana, "import rounds.csv") for r in rounds
    }
    created = stored[rounds[0].pk].created_at
    assert {r.history_date for r in records} == {created}
    assert Round.objects.filter(created_at=created).count() == Round.history.filter(history_date=created).count() == 3


@pytest.mark.parametrize("fast", [False, True], ids=["bulk_create", "fast"])
def test_bulk_write_creates_and_updates_with_a_new_version_and_time_each_recorded(fast):
    ana = f.user("ana")
    round_ = f.round_(number=1)
    chapters = [f.chapter(code) for code in ("ROO", "TIG")]
    old = ChapterProgress.objects.create(round=round_, chapter=chapters[0], status=ProgressStatus.UNDER_NEGOTIATION)
    before = old.updated_at
    old.status, old.version = ProgressStatus.CLOSED, 2
    new = ChapterProgress(round=round_, chapter=chapters[1], status=ProgressStatus.CONVERGENCE)
    key = (lambda *k: k, ["round_id", "chapter_id"], {"round_id__in": [round_.pk]}) if fast else None
    bulk.bulk_write(ChapterProgress, [new], [old], ["status", "note"], user=ana, reason="import", fast=key)
    stored = {p.chapter_id: p for p in ChapterProgress.objects.all()}
    assert (stored[chapters[0].pk].status, stored[chapters[0].pk].version) == (ProgressStatus.CLOSED, 2)
    assert stored[chapters[0].pk].updated_at > before
    assert (stored[chapters[1].pk].status, stored[chapters[1].pk].version) == (ProgressStatus.CONVERGENCE, 1)
    records = ChapterProgress.history.filter(history_change_reason="import")
    assert {(r.chapter_id, r.status, r.history_type, r.history_user) for r in records} == {
        (chapters[0].pk, ProgressStatus.CLOSED, "~", ana),
        (chapters[1].pk, ProgressStatus.CONVERGENCE, "+", ana),
    }
