"""The shipped seed data: idempotent, and the facts of seed-facts.md are there as sourced."""

import datetime as dt

import pytest
from django.core.management import call_command

from negotiations.choices import AgreementStatus, DatePrecision, PartyKind, ProgressStatus, RoundFormat, RoundStatus
from negotiations.models import (
    Agreement,
    BlocMembership,
    Chapter,
    ChapterProgress,
    Party,
    ProgressNote,
    Round,
    RoundSource,
    Source,
    StatusEvent,
)

pytestmark = pytest.mark.django_db

COUNTS = (Party, BlocMembership, Chapter, Agreement, StatusEvent, Round, ChapterProgress, ProgressNote, Source)


def test_seed_is_idempotent(seeded):
    before = {model: model.objects.count() for model in COUNTS}
    history_before = {model: model.history.count() for model in COUNTS if hasattr(model, "history")}
    call_command("seed", verbosity=0)
    assert {model: model.objects.count() for model in COUNTS} == before
    # A second run changes nothing, so it writes no audit rows either.
    assert {model: model.history.count() for model in history_before} == history_before


def test_every_iso_country_and_the_blocs_with_their_members(seeded):
    import pycountry

    assert Party.objects.filter(kind=PartyKind.COUNTRY).count() == len(pycountry.countries)
    assert Party.objects.get(code="CAN").name == "Canada"
    blocs = set(Party.objects.filter(kind=PartyKind.BLOC).values_list("code", flat=True))
    assert blocs == {"EU", "MERCOSUR", "PA", "ALADI", "ANDEAN", "ASEAN", "EFTA", "GCC"}
    pacific = Party.objects.get(code="PA")
    assert set(pacific.members.values_list("code", flat=True)) == {"CHL", "COL", "MEX", "PER"}
    uk_in_eu = BlocMembership.objects.get(bloc__code="EU", member__code="GBR")
    assert uk_in_eu.left_on == dt.date(2020, 1, 31)


def test_chapter_catalog(seeded):
    assert Chapter.objects.count() == 37
    roo = Chapter.objects.get(code="ROO")
    assert (roo.cptpp_chapter, roo.dta_area) == (3, "Rules of Origin")
    assert Chapter.objects.get(code="CRM").cptpp_chapter is None


def test_six_agreements_with_derived_statuses(seeded):
    expected = {
        "india-peru-ta": AgreementStatus.UNDER_NEGOTIATION,
        "india-chile-cepa": AgreementStatus.UNDER_NEGOTIATION,
        "india-chile-pta": AgreementStatus.IN_FORCE,
        "mexico-peru-tia": AgreementStatus.IN_FORCE,
        "mexico-peru-ace8": AgreementStatus.SUPERSEDED,
        "pacific-alliance": AgreementStatus.IN_FORCE,
    }
    # The six of seed-facts.md; fixtures/negotiations/*.json add more agreements beside them.
    assert dict(Agreement.objects.filter(slug__in=expected).values_list("slug", "current_status")) == expected
    tia = Agreement.objects.get(slug="mexico-peru-tia")
    assert tia.predecessor.slug == "mexico-peru-ace8" and tia.predecessor_relation == "supersedes"
    cepa = Agreement.objects.get(slug="india-chile-cepa")
    assert cepa.predecessor.slug == "india-chile-pta" and cepa.predecessor_relation == "builds_on"
    assert tia.status_date == dt.date(2012, 2, 1)


def test_india_peru_timeline_matches_the_sources(seeded):
    events = list(
        Agreement.objects.get(slug="india-peru-ta")
        .status_events.order_by("date", "sequence")
        .values_list("status", "date", "date_precision")
    )
    assert events == [
        ("proposed", dt.date(2012, 1, 1), DatePrecision.YEAR),
        ("launched", dt.date(2017, 1, 18), DatePrecision.DAY),
        ("under_negotiation", dt.date(2017, 8, 1), DatePrecision.MONTH),
        ("paused", dt.date(2020, 1, 1), DatePrecision.YEAR),
        ("under_negotiation", dt.date(2023, 10, 10), DatePrecision.DAY),
        ("paused", dt.date(2024, 4, 1), DatePrecision.MONTH),
        ("under_negotiation", dt.date(2025, 8, 1), DatePrecision.MONTH),
    ]


def test_india_peru_ninth_round_in_lima_with_its_seven_chapters(seeded):
    ninth = Round.objects.get(agreement__slug="india-peru-ta", number=9)
    assert (ninth.start_date, ninth.end_date, ninth.date_precision) == (
        dt.date(2025, 11, 3),
        dt.date(2025, 11, 5),
        DatePrecision.DAY,
    )
    assert (ninth.venue.city, ninth.venue.country.code) == ("Lima", "PER")
    assert set(ninth.progress.values_list("chapter__code", flat=True)) == {
        "TIG",
        "SVC",
        "ROO",
        "TBT",
        "CPTF",
        "DS",
        "CRM",
    }
    assert set(ninth.progress.values_list("status", flat=True)) == {ProgressStatus.SUBSTANTIAL_PROGRESS}
    assert ninth.notes.filter(chapter__code="CRM").exists()


def test_india_peru_tenth_round_is_planned_in_new_delhi_to_the_month(seeded):
    tenth = Round.objects.get(agreement__slug="india-peru-ta", number=10)
    assert tenth.status == RoundStatus.PLANNED
    assert (tenth.start_date, tenth.date_precision) == (dt.date(2026, 1, 1), DatePrecision.MONTH)
    assert tenth.venue.city == "New Delhi"


def test_unknowns_stay_blank_and_conflicts_keep_both_sources(seeded):
    second = Round.objects.get(agreement__slug="india-chile-cepa", number=2)
    assert second.start_date is None and second.venue is None
    first = Round.objects.get(agreement__slug="india-peru-ta", number=1)
    assert (first.venue.city, first.date_precision) == ("New Delhi", DatePrecision.MONTH)
    conflicting = RoundSource.objects.get(round=first, conflicting=True)
    assert "Lima" in conflicting.note
    assert RoundSource.objects.filter(round=first, conflicting=False).count() == 2
    cepa_first = Round.objects.get(agreement__slug="india-chile-cepa", number=1)
    assert "Santiago" in RoundSource.objects.get(round=cepa_first, conflicting=True).note


def test_special_virtual_round_has_no_number_and_no_venue(seeded):
    special = Round.objects.get(agreement__slug="india-peru-ta", kind="special")
    assert special.number is None and special.venue is None
    assert special.format == RoundFormat.VIRTUAL
    assert "Vipul Bansal" in special.chief_negotiators


def test_india_chile_cepa_third_round_chapters(seeded):
    third = Round.objects.get(agreement__slug="india-chile-cepa", number=3)
    assert third.venue.city == "Santiago"
    assert set(third.progress.values_list("chapter__code", flat=True)) == {
        "TIG", "SVC", "INV", "ROO", "IPR", "TBT", "SPS", "COOP", "CRM",
    }  # fmt: skip


def test_every_round_and_event_of_the_seed_has_a_source_or_a_note(seeded):
    for event in StatusEvent.objects.all():
        assert event.citations.exists(), event
    for round_ in Round.objects.all():
        assert round_.citations.exists() or round_.dates_note or round_.summary, round_


def _record_snapshot():
    """The six first agreements' record without database ids: what a reader sees."""
    slugs = [
        "india-peru-ta",
        "india-chile-pta",
        "india-chile-cepa",
        "mexico-peru-ace8",
        "mexico-peru-tia",
        "pacific-alliance",
    ]
    events = set(
        StatusEvent.objects.filter(agreement__slug__in=slugs).values_list(
            "agreement__slug", "status", "date", "date_precision", "sequence", "note"
        )
    )
    rounds = set(
        Round.objects.filter(agreement__slug__in=slugs).values_list(
            "agreement__slug", "number", "title", "start_date", "date_precision", "status", "format", "venue__city"
        )
    )
    rows = set(
        ChapterProgress.objects.filter(round__agreement__slug__in=slugs).values_list(
            "round__agreement__slug", "round__number", "round__title", "chapter__code", "status", "note"
        )
    )
    citations = set()
    for model, owner in ((StatusEvent, "citations"), (Round, "citations"), (Agreement, "citations")):
        prefix = "" if model is Agreement else "agreement__"
        citations |= {
            (model.__name__, *row)
            for row in model.objects.filter(**{f"{prefix}slug__in": slugs}).values_list(
                f"{prefix}slug", f"{owner}__source__title", f"{owner}__source__url", f"{owner}__conflicting"
            )
        }
    return events, rounds, rows, citations, Source.objects.count()


def test_a_database_seeded_before_the_corrections_ends_as_a_fresh_one(db):
    """Reseeding a database loaded from the first seed retracts the replaced events, updates
    sources in place (no duplicates) and drops citations the corrections removed."""
    from pathlib import Path

    from negotiations import seeding

    first_seed = Path(__file__).parent / "data" / "negotiations_first_seed.json"
    seeding.seed_countries()
    seeding.seed_blocs()
    seeding.seed_chapters()
    seeding.seed_negotiations([first_seed])
    assert StatusEvent.objects.filter(agreement__slug="india-peru-ta", date=dt.date(2019, 12, 1)).exists()
    current = [seeding.FIXTURES / "negotiations.json"]
    seeding.seed_negotiations(current)
    upgraded = _record_snapshot()
    assert not StatusEvent.objects.filter(agreement__slug="india-peru-ta", date=dt.date(2019, 12, 1)).exists()

    Agreement.objects.filter(predecessor__isnull=False).delete()  # successors first: PROTECT
    Agreement.objects.all().delete()
    Source.objects.all().delete()
    seeding.seed_negotiations(current)
    assert _record_snapshot() == upgraded
