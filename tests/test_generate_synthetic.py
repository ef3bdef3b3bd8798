"""The synthetic data generator: deterministic, the promised sizes and shapes, and a clean --clear."""

from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command

from negotiations.choices import AgreementStatus, ProgressStatus, RoundFormat, Visibility
from negotiations.models import Agreement, ChapterProgress, Party, ProgressNote, Round, StatusEvent
from negotiations.synthetic import PROGRESS_LADDER, SyntheticCounts
from tests import factories

XS = 0.002  # 2 agreements, 40 rounds, 400 progress rows, 1,000 notes


def generate(seed=7, factor=XS, **options):
    call_command("generate_synthetic", factor=factor, seed=seed, verbosity=0, **options)


def snapshot():
    """Everything the generator decides, without ids and timestamps."""
    agreements = list(
        Agreement.objects.order_by("slug").values_list("slug", "name", "kind", "current_status", "status_date")
    )
    parties = list(
        Agreement.objects.order_by("slug", "agreement_parties__party__code").values_list(
            "slug", "agreement_parties__party__code"
        )
    )
    events = list(
        StatusEvent.objects.order_by("agreement__slug", "date").values_list(
            "agreement__slug", "status", "date", "date_precision", "planned"
        )
    )
    rounds = list(
        Round.objects.order_by("agreement__slug", "start_date", "id").values_list(
            "agreement__slug", "number", "kind", "venue__city", "format", "start_date", "end_date", "status"
        )
    )
    progress = list(
        ChapterProgress.objects.order_by("round__agreement__slug", "round__start_date", "chapter__code").values_list(
            "round__agreement__slug", "round__start_date", "chapter__code", "status"
        )
    )
    notes = list(
        ProgressNote.objects.order_by("id").values_list("round__start_date", "chapter__code", "visibility", "text")
    )
    return agreements, parties, events, rounds, progress, notes


@pytest.mark.django_db
def test_same_seed_gives_same_data_and_another_seed_does_not():
    generate(seed=7)
    first = snapshot()
    generate(seed=7, clear=True)
    assert snapshot() == first
    generate(seed=8, clear=True)
    assert snapshot() != first


@pytest.mark.django_db
def test_sizes_are_exact_fractions_of_scale_l():
    generate()
    expected = SyntheticCounts.for_factor(XS)
    assert (expected.agreements, expected.rounds, expected.progress, expected.notes) == (2, 40, 400, 1000)
    assert Agreement.objects.filter(slug__startswith="synthetic-").count() == 2
    assert Round.objects.count() == 40
    assert ChapterProgress.objects.count() == 400
    assert ProgressNote.objects.count() == 1000


def test_scale_s_is_a_hundredth_of_l():
    assert SyntheticCounts.for_factor(0.01) == SyntheticCounts(agreements=10, rounds=200, progress=2_000, notes=5_000)
    assert SyntheticCounts.for_factor(1.0) == SyntheticCounts(
        agreements=1_000, rounds=20_000, progress=200_000, notes=500_000
    )


@pytest.mark.django_db
def test_parties_are_iso_countries_and_hosts_take_turns():
    generate(factor=0.005)  # 5 agreements: enough for a three- or four-party one to be unlikely to matter
    assert Party.objects.filter(code="PER", alpha_2="PE").exists()
    assert Party.objects.count() >= 249
    for agreement in Agreement.objects.prefetch_related("parties"):
        codes = [party.code for party in agreement.parties.all()]
        assert len(codes) >= 2
        hosts = list(
            agreement.rounds.filter(format=RoundFormat.IN_PERSON)
            .order_by("start_date")
            .values_list("venue__country__code", flat=True)
        )
        assert set(hosts) <= set(codes)
        if len(hosts) >= 4:
            assert len(set(hosts)) >= 2


@pytest.mark.django_db
def test_chapter_statuses_only_move_forward_except_through_parked():
    generate()
    timelines = defaultdict(list)
    for agreement_id, chapter_id, status in ChapterProgress.objects.order_by(
        "round__start_date", "round__id"
    ).values_list("round__agreement_id", "chapter_id", "status"):
        timelines[agreement_id, chapter_id].append(status)
    advanced = False
    for statuses in timelines.values():
        positions = [PROGRESS_LADDER.index(status) for status in statuses if status != ProgressStatus.PARKED]
        assert positions == sorted(positions) or ProgressStatus.PARKED in statuses
        advanced = advanced or len(set(positions)) > 1
    assert advanced


@pytest.mark.django_db
def test_notes_have_realistic_length_and_a_confidential_share():
    generate()
    lengths = [len(text) for text in ProgressNote.objects.values_list("text", flat=True)]
    assert min(lengths) >= 150 and max(lengths) <= 800
    confidential = ProgressNote.objects.filter(visibility=Visibility.CONFIDENTIAL).count()
    assert 0.08 <= confidential / len(lengths) <= 0.22


@pytest.mark.django_db
def test_current_status_is_recomputed_from_the_timeline_without_audit_rows():
    generate()
    for agreement in Agreement.objects.all():
        latest = agreement.status_events.filter(planned=False).order_by("-date", "-sequence").first()
        assert agreement.current_status == latest.status
        assert agreement.status_events.filter(status=AgreementStatus.LAUNCHED).exists()
    assert Agreement.history.count() == 0
    assert ProgressNote.history.count() == 0


@pytest.mark.django_db
def test_clear_removes_only_synthetic_rows_and_a_second_run_needs_it():
    real = factories.agreement(slug="india-peru")
    factories.note(factories.round_(real))
    generate()
    with pytest.raises(CommandError):
        generate()
    call_command("generate_synthetic", clear=True, verbosity=0)
    assert list(Agreement.objects.values_list("slug", flat=True)) == ["india-peru"]
    assert ProgressNote.objects.count() == 1
