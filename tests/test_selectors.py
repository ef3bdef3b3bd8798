"""Careful reads: round order, the timeline, the matrix, round and chapter pages."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from negotiations.choices import (
    AGREEMENT_STATUS_STAGE,
    AgreementStatus,
    DatePrecision,
    ProgressStatus,
    RoundKind,
    RoundStatus,
    Visibility,
)
from negotiations.models import ChapterProgress
from negotiations.search import using_postgres
from negotiations.selectors import (
    agreement_matrix,
    agreement_page,
    agreement_timeline,
    chapter_agreements,
    chapter_negotiations,
    chapter_notes,
    home_page,
    round_detail_queryset,
    round_page,
    rounds_in_order,
    stage_meter,
)
from negotiations.services import status_event_record
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():
    return f.agreement("india-peru-ta")


def test_undated_numbered_round_goes_after_the_previous_number(agreement):
    r7 = f.round_(agreement, 7, start_date=dt.date(2024, 4, 8), end_date=None)
    r9 = f.round_(agreement, 9, start_date=dt.date(2025, 11, 3), end_date=None)
    r8 = f.round_(agreement, 8, start_date=None, end_date=None)
    special = f.round_(agreement, None, kind=RoundKind.SPECIAL, start_date=dt.date(2023, 10, 10), end_date=None)
    unknown = f.round_(agreement, None, kind=RoundKind.INTERSESSIONAL, start_date=None, end_date=None)
    assert rounds_in_order([unknown, r9, r8, special, r7]) == [special, r7, r8, r9, unknown]


def test_timeline_is_newest_first_with_same_day_events_in_reverse_sequence(agreement):
    day = dt.date(2025, 11, 5)
    first = status_event_record(agreement=agreement, status=AgreementStatus.LAUNCHED, date=day)
    second = status_event_record(agreement=agreement, status=AgreementStatus.UNDER_NEGOTIATION, date=day)
    older = status_event_record(agreement=agreement, status=AgreementStatus.PROPOSED, date=dt.date(2012, 1, 1))
    round_9 = f.round_(agreement, 9, start_date=dt.date(2025, 11, 3), end_date=day)
    undated = f.round_(agreement, 8, start_date=None, end_date=None)
    entries = agreement_timeline(agreement=agreement)
    # Round 8, date unknown, stands next to round 9 (no earlier round is dated), not below 2012.
    assert [e.obj for e in entries] == [second, first, round_9, undated, older]


def test_timeline_lists_an_undated_round_between_its_neighbours_by_number(agreement):
    older = status_event_record(agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2012, 1, 1))
    r7 = f.round_(agreement, 7, start_date=dt.date(2024, 4, 8), end_date=dt.date(2024, 4, 12))
    during_7 = status_event_record(agreement=agreement, status=AgreementStatus.PAUSED, date=dt.date(2024, 4, 8))
    r8 = f.round_(agreement, 8, start_date=None, end_date=None)
    r9 = f.round_(agreement, 9, start_date=dt.date(2025, 11, 3), end_date=None)
    entries = agreement_timeline(agreement=agreement)
    # Round 8 came after round 7 ended, so after what happened while round 7 met.
    assert [e.obj for e in entries] == [r9, r8, during_7, r7, older]
    assert entries[1].date is None  # listed as "date unknown", not given its neighbour's date


def test_agreement_summary_gives_latest_and_next_round_chapters_by_status_and_last_change(agreement):
    today = timezone.localdate()
    lima = f.venue("Lima", "PER")
    r1 = f.round_(agreement, 1, start_date=dt.date(2024, 4, 8), end_date=None)
    r2 = f.round_(agreement, 2, venue=lima, start_date=dt.date(2025, 11, 3), end_date=None)
    f.round_(agreement, 3, status=RoundStatus.PLANNED, start_date=dt.date(2025, 12, 1), end_date=None)  # overdue
    r4 = f.round_(agreement, 4, status=RoundStatus.PLANNED, start_date=today + dt.timedelta(days=30), end_date=None)
    f.round_(agreement, 5, status=RoundStatus.PLANNED, start_date=today + dt.timedelta(days=90), end_date=None)
    f.progress(r1, "TIG", ProgressStatus.TEXT_EXCHANGED)
    f.progress(r2, "TIG", ProgressStatus.CONVERGENCE)  # the latest status is the one counted
    f.progress(r1, "ROO", ProgressStatus.TEXT_EXCHANGED)
    f.progress(r1, "CRM", ProgressStatus.TEXT_EXCHANGED)
    page = agreement_page(agreement=agreement)
    summary = page["summary"]
    assert summary.latest_round == r2 and summary.next_round == r4
    counts = {status: n for status, _label, n in summary.chapters_by_status}
    assert counts == {ProgressStatus.TEXT_EXCHANGED: 2, ProgressStatus.CONVERGENCE: 1}
    assert summary.last_changed == ChapterProgress.history.latest("history_date").history_date  # the last write
    assert summary.last_changed > timezone.now() - dt.timedelta(minutes=5)


def test_a_year_or_month_event_follows_the_dated_events_inside_its_period(agreement):
    # India–Chile PTA: the framework was signed on 20 Jan 2005 and "2005: under negotiation"
    # followed it; stored as 1 Jan 2005, the year event must still come after the signing.
    signed = status_event_record(
        agreement=agreement, status=AgreementStatus.FRAMEWORK_SIGNED, date=dt.date(2005, 1, 20)
    )
    talks = status_event_record(
        agreement=agreement,
        status=AgreementStatus.UNDER_NEGOTIATION,
        date=dt.date(2005, 1, 1),
        date_precision=DatePrecision.YEAR,
    )
    in_month = status_event_record(
        agreement=agreement, status=AgreementStatus.PAUSED, date=dt.date(2006, 3, 1), date_precision=DatePrecision.MONTH
    )
    dated_later_that_month = status_event_record(
        agreement=agreement, status=AgreementStatus.SIGNED, date=dt.date(2006, 3, 8)
    )
    events = [e.obj for e in agreement_timeline(agreement=agreement) if e.is_status]
    assert events == [in_month, dated_later_that_month, talks, signed]  # newest first
    agreement.refresh_from_db()
    # The current status is the last event in that order, not the latest stored date.
    assert (agreement.current_status, agreement.status_date) == (AgreementStatus.PAUSED, dt.date(2006, 3, 1))


def test_timeline_marks_planned_and_approximate_entries(agreement):
    planned = status_event_record(
        agreement=agreement,
        status=AgreementStatus.SIGNED,
        date=dt.date(2027, 3, 1),
        date_precision=DatePrecision.MONTH,
        planned=True,
    )
    round_10 = f.round_(
        agreement,
        10,
        status=RoundStatus.PLANNED,
        start_date=dt.date(2027, 1, 1),
        end_date=None,
        date_precision=DatePrecision.MONTH,
    )
    entries = {e.obj: e for e in agreement_timeline(agreement=agreement)}
    assert entries[planned].planned and entries[planned].approximate
    assert entries[round_10].planned and entries[round_10].span_end == dt.date(2027, 1, 31)
    assert entries[planned].date_display == "Mar 2027"


def test_matrix_rows_are_chapters_columns_rounds_in_order(agreement, django_assert_num_queries):
    r1 = f.round_(agreement, 1, start_date=dt.date(2017, 8, 1), end_date=None)
    r2 = f.round_(agreement, 2, start_date=dt.date(2018, 3, 1), end_date=None)
    r3 = f.round_(agreement, 3, start_date=dt.date(2018, 12, 3), end_date=None)
    f.chapter("TIG", order=2)
    f.chapter("CRM", order=40)
    f.progress(r3, "CRM", ProgressStatus.CLOSED)
    f.progress(r1, "TIG", ProgressStatus.TEXT_EXCHANGED)
    f.progress(r3, "TIG", ProgressStatus.CONVERGENCE)
    rounds = rounds_in_order([r3, r2, r1])
    with django_assert_num_queries(2):  # the progress rows, then their chapters once each
        matrix = agreement_matrix(agreement=agreement, rounds=rounds)
        [(tig, tig_cells), (crm, crm_cells)] = matrix.rows
        labels = [c.round.label for c in tig_cells if c]  # no query per cell
    assert matrix.rounds == [r1, r3] and matrix.skipped == [r2]
    assert (tig.code, crm.code) == ("TIG", "CRM")
    assert [c.status if c else None for c in tig_cells] == ["text_exchanged", "convergence"]
    assert [c.status if c else None for c in crm_cells] == [None, "closed"]
    assert labels == ["Round 1", "Round 3"]


def test_stage_meter_follows_the_status_stage():
    meter = stage_meter(AgreementStatus.PAUSED)
    assert meter.current == AGREEMENT_STATUS_STAGE[AgreementStatus.PAUSED] == 3
    assert [s["reached"] for s in meter.stages] == [True, True, True, False, False, False, False]
    assert stage_meter(AgreementStatus.SUPERSEDED).ended
    assert stage_meter("").current == 0


def test_round_page_groups_visible_notes_by_chapter_and_finds_neighbours(agreement):
    r1 = f.round_(agreement, 1, start_date=dt.date(2017, 8, 1), end_date=None)
    r2 = f.round_(agreement, 2, start_date=dt.date(2018, 3, 1), end_date=None)
    r3 = f.round_(agreement, 3, start_date=dt.date(2018, 12, 3), end_date=None)
    f.progress(r2, "ROO")
    on_roo = f.note(r2, "on ROO", chapter_code="ROO")
    on_sps = f.note(r2, "on SPS, no progress row", chapter_code="SPS")
    general = f.note(r2, "general")
    f.note(r2, "secret", visibility=Visibility.CONFIDENTIAL, chapter_code="ROO")
    data = round_page(round_obj=round_detail_queryset().get(pk=r2.pk), user=AnonymousUser())
    assert [(c["chapter"].code, c["notes"]) for c in data["chapters"]] == [("ROO", [on_roo]), ("SPS", [on_sps])]
    assert data["general_notes"] == [general]
    assert (data["previous"], data["next"], data["position"], data["count"]) == (r1, r3, 2, 3)


def test_chapter_page_lists_each_negotiation_with_the_chapter_timeline(agreement):
    other = f.agreement("india-chile-cepa", ("IND", "CHL"))
    a1 = f.round_(agreement, 1, start_date=dt.date(2024, 2, 12), end_date=None)
    a2 = f.round_(agreement, 2, start_date=dt.date(2025, 11, 3), end_date=None)
    b1 = f.round_(other, 1, start_date=dt.date(2025, 10, 27), end_date=None)
    f.progress(a2, "CRM", ProgressStatus.SUBSTANTIAL_PROGRESS)
    f.progress(a1, "CRM", ProgressStatus.TEXT_EXCHANGED)
    f.progress(b1, "CRM", ProgressStatus.TEXT_EXCHANGED)
    f.note(a2, "secret", visibility=Visibility.CONFIDENTIAL, chapter_code="CRM")
    public = f.note(a2, "public", chapter_code="CRM")
    crm = f.chapter("CRM")
    agreements = list(chapter_agreements(chapter=crm))
    assert agreements == [agreement, other]  # latest discussion first
    negotiations = chapter_negotiations(chapter=crm, agreements=agreements)
    assert [p.round for p in negotiations[0]["steps"]] == [a1, a2]
    assert negotiations[0]["latest"].status == ProgressStatus.SUBSTANTIAL_PROGRESS
    assert negotiations[1]["latest"].round == b1
    assert list(chapter_notes(chapter=crm, user=AnonymousUser())) == [public]


def test_chapter_agreements_walk_rounds_newest_first_in_chunks(monkeypatch, django_assert_max_num_queries):
    import negotiations.selectors as selectors

    monkeypatch.setattr(selectors, "WALK_CHUNK", 3)  # several reads, each larger than the last
    crm = f.chapter("CRM")
    expected = []
    for index in range(7):
        other = f.agreement(f"agreement-w{index}", name=f"W{index}")
        for number in (1, 2):  # two rounds each: the walk must not list an agreement twice
            day = dt.date(2020 + index, number, 1)
            f.progress(f.round_(other, number, start_date=day, end_date=None), "CRM")
        expected.insert(0, other)
    undated = f.agreement("agreement-undated", name="Undated")
    f.progress(f.round_(undated, 1, start_date=None, end_date=None), "CRM")
    f.progress(f.round_(f.agreement("agreement-other-chapter"), 1), "TIG")  # not on this chapter
    expected.append(undated)  # all its rounds undated: last

    pages = [chapter_agreements(chapter=crm, page=number, per_page=3) for number in (1, 2, 3)]
    assert [list(page) for page in pages] == [expected[0:3], expected[3:6], expected[6:8]]
    assert [(p.has_previous, p.has_next) for p in pages] == [(False, True), (True, True), (True, False)]
    assert pages[1].previous_page_number == 1 and pages[1].next_page_number == 3
    with django_assert_max_num_queries(3):  # chunks of 3 then 12 rounds, then the agreements
        chapter_agreements(chapter=crm, page=1, per_page=3)
    assert list(chapter_agreements(chapter=crm, page=9, per_page=3)) == []


def test_chapter_negotiations_show_the_latest_steps_and_count_the_earlier(agreement):
    from negotiations.selectors import CHAPTER_STEPS_SHOWN

    crm = f.chapter("CRM")
    rounds = [f.round_(agreement, n, start_date=dt.date(2015 + n, 1, 1), end_date=None) for n in range(1, 12)]
    for item in rounds:
        f.progress(item, "CRM")
    (negotiation,) = chapter_negotiations(chapter=crm, agreements=[agreement])
    assert [p.round for p in negotiation["steps"]] == rounds[-CHAPTER_STEPS_SHOWN:]
    assert negotiation["earlier"] == 11 - CHAPTER_STEPS_SHOWN and negotiation["count"] == 11
    assert negotiation["latest"].round == rounds[-1]


@pytest.mark.skipif(
    not using_postgres(),
    reason="the newest-first index exists on PostgreSQL only (SQLite cannot index NULLS LAST); CI runs this",
)
def test_rounds_of_a_chapter_newest_first_walk_the_index(agreement):
    """The round list filtered by chapter and the chapter page's walk read rounds through
    ``round_newest_first`` (migration 0007) rather than sorting every match."""
    from django.db import connection
    from django.db.models import F

    from negotiations.models import ChapterProgress, Round
    from negotiations.selectors import NEWEST_FIRST

    crm = f.chapter("CRM")
    rounds = Round.objects.filter(pk__in=ChapterProgress.objects.filter(chapter=crm).values("round"))
    queries = [
        rounds.order_by(*NEWEST_FIRST)[:25],
        rounds.order_by(F("start_date").desc(nulls_last=True), "-number", "-pk")[:25],
    ]
    for queryset in queries:
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = off")  # a usable index must then be used
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "round_newest_first" in plan, plan


def test_chapter_negotiations_take_one_query_for_a_page(agreement, django_assert_num_queries):
    f.chapter("CRM")
    for index in range(5):
        other = f.agreement(f"agreement-x{index}")
        f.progress(f.round_(other, 1), "CRM")
    crm = f.chapter("CRM")
    agreements = list(chapter_agreements(chapter=crm))
    with django_assert_num_queries(1):
        negotiations = chapter_negotiations(chapter=crm, agreements=agreements)
        names = [n["latest"].round.agreement.name for n in negotiations]
    assert len(names) == 5


def test_chapter_stats_count_rounds_and_agreements_and_are_cached(agreement, django_assert_num_queries):
    from negotiations.selectors import attach_chapter_stats, chapter_stats

    other = f.agreement("india-chile-cepa", ("IND", "CHL"))
    for item, codes in [
        (f.round_(agreement, 1), ["CRM", "TIG"]),
        (f.round_(agreement, 2), ["CRM"]),
        (f.round_(other, 1), ["CRM"]),
    ]:
        for code in codes:
            f.progress(item, code)
    crm, tig, ecom = f.chapter("CRM"), f.chapter("TIG"), f.chapter("ECOM")
    stats = chapter_stats()
    assert stats[crm.pk] == (3, 2) and stats[tig.pk] == (1, 1) and ecom.pk not in stats
    with django_assert_num_queries(1):  # cached: only the data version is read
        attach_chapter_stats(chapters := [crm, tig, ecom])
    assert [(c.round_count, c.agreement_count) for c in chapters] == [(3, 2), (1, 1), (0, 0)]
    f.progress(f.round_(other, 2), "TIG")  # a write moves the data version on: counted at once
    attach_chapter_stats(chapters := [crm, tig, ecom])
    assert [(c.round_count, c.agreement_count) for c in chapters] == [(3, 2), (2, 2), (0, 0)]


def test_home_page_lists_the_latest_negotiations_and_links_to_all(settings):
    from negotiations.selectors import HOME_NEGOTIATIONS

    for index in range(HOME_NEGOTIATIONS + 3):
        item = f.agreement(f"agreement-n{index:02d}", name=f"N{index:02d}")
        status_event_record(
            agreement=item, status=AgreementStatus.UNDER_NEGOTIATION, date=dt.date(2020, 1, 1) + dt.timedelta(index)
        )
    data = home_page()
    assert [a.name for a in data["negotiating"]][:2] == [
        f"N{HOME_NEGOTIATIONS + 2:02d}",
        f"N{HOME_NEGOTIATIONS + 1:02d}",
    ]
    assert len(data["negotiating"]) == HOME_NEGOTIATIONS and data["negotiating_total"] == HOME_NEGOTIATIONS + 3


def test_home_page_counts_and_rounds(agreement):
    today = dt.date.today()
    held = f.round_(agreement, 1, start_date=today - dt.timedelta(days=30), end_date=None)
    planned = f.round_(
        agreement,
        2,
        status=RoundStatus.PLANNED,
        start_date=today.replace(day=1),
        end_date=None,
        date_precision=DatePrecision.MONTH,
    )
    f.note(held, "public")
    f.note(held, "secret", visibility=Visibility.CONFIDENTIAL)
    data = home_page()
    assert data["counts"]["rounds"] == 2 and data["counts"]["notes"] == 1
    assert data["upcoming"] == [planned] and data["recent"] == [held]
