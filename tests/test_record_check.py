"""manage.py check_record: the shipped seed keeps the record's rules; each rule catches its breach."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from negotiations import services
from negotiations.choices import AgreementStatus, DatePrecision, PartyKind, RoundStatus
from negotiations.models import Agreement, RoundSource, StatusEvent
from negotiations.record_check import record_problems
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 24)


@pytest.fixture
def clean():
    """One agreement that keeps every rule: a cited event, a cited round with a chapter row."""
    agreement = factories.agreement(slug="clean")
    services.status_event_record(
        agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2024, 5, 2), sources=[factories.source()]
    )
    round_ = factories.round_(agreement, start_date=dt.date(2025, 3, 3), end_date=dt.date(2025, 3, 5))
    RoundSource.objects.create(round=round_, source=factories.source())
    factories.progress(round_, "ROO", status="discussed")
    return agreement


def rules(today=TODAY):
    return sorted({problem.rule for problem in record_problems(today=today)})


def test_the_shipped_seed_keeps_every_rule(seeded):
    assert record_problems() == []
    call_command("check_record", verbosity=0)  # does not raise


def test_clean_data_has_no_problem(clean):
    assert rules() == []


def test_an_event_cited_only_by_a_conflicting_source_is_uncited(clean):
    event = StatusEvent.objects.get(agreement=clean)
    event.citations.update(conflicting=True)
    assert rules() == ["uncited-event"]


def test_a_round_without_citation(clean):
    RoundSource.objects.filter(round__agreement=clean).delete()
    # Its chapter row rests on the round's sources, so it is reported too.
    assert rules() == ["uncited-chapter", "uncited-round"]


def test_a_source_without_url_or_note(clean):
    factories.source(url="", note="  ")
    assert rules() == ["source-unlinkable"]
    factories.source(url="", note="No public copy was found.")
    assert rules() == ["source-unlinkable"]  # the explained one is fine; the first still counts


def test_a_held_round_in_the_future(clean):
    factories.round_(clean, start_date=dt.date(2026, 12, 1), end_date=None, status=RoundStatus.HELD)
    RoundSource.objects.create(round=clean.rounds.get(number=2), source=factories.source())
    assert rules() == ["held-in-future"]


def test_a_planned_round_in_the_past_needs_a_note(clean):
    round_ = factories.round_(
        clean, start_date=dt.date(2026, 10, 1), end_date=None, date_precision=DatePrecision.MONTH, status="planned"
    )
    RoundSource.objects.create(round=round_, source=factories.source())
    assert rules() == ["planned-in-past"]
    # A month-precision date has not passed while its month lasts.
    assert rules(today=dt.date(2026, 10, 31)) == []
    round_.dates_note = "No report that it met was found."
    round_.save()
    assert rules() == []


def test_an_unknown_party(clean):
    factories.party("XXX", kind=PartyKind.COUNTRY)
    assert rules() == ["unknown-party"]


def test_an_agreement_with_one_party(clean):
    lonely = factories.agreement(slug="lonely", parties=("PER",))
    services.status_event_record(
        agreement=lonely, status="proposed", date=dt.date(2020, 1, 1), sources=[factories.source()]
    )
    assert rules() == ["unknown-party"]


def test_a_current_status_left_behind_by_a_raw_edit(clean):
    Agreement.objects.filter(pk=clean.pk).update(current_status=AgreementStatus.IN_FORCE)
    assert rules() == ["timeline-order"]


def test_a_year_event_after_a_dated_one_in_its_year_sets_the_current_status(clean):
    # "2024: under negotiation" comes after "2 May 2024: launched" on the timeline, so it is
    # the current status; a status derived by date alone (1 Jan 2024) would be the launch.
    services.status_event_record(
        agreement=clean,
        status=AgreementStatus.UNDER_NEGOTIATION,
        date=dt.date(2024, 1, 1),
        date_precision=DatePrecision.YEAR,
        sources=[factories.source()],
    )
    clean.refresh_from_db()
    assert clean.current_status == AgreementStatus.UNDER_NEGOTIATION
    assert rules() == []
    Agreement.objects.filter(pk=clean.pk).update(
        current_status=AgreementStatus.LAUNCHED, status_date=dt.date(2024, 5, 2)
    )
    assert rules() == ["timeline-order"]


def test_the_command_lists_problems_and_exits_non_zero(clean, capsys):
    factories.source(url="", note="", title="An unexplained source")
    with pytest.raises(CommandError, match="1 place"):
        call_command("check_record")
    out = capsys.readouterr().out
    assert "source-unlinkable" in out and "An unexplained source" in out
