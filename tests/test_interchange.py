"""The spreadsheet importer and exporter (negotiations.interchange): all or nothing, row-level
errors, natural-key upserts, audit trail, status recompute, 10,000 rows, and the round trip."""

import datetime as dt
import json
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError

from negotiations import roles, services
from negotiations.choices import (
    AgreementRelation,
    AgreementStatus,
    DatePrecision,
    ProgressStatus,
    RoundFormat,
    RoundKind,
    RoundStatus,
    Visibility,
)
from negotiations.interchange import writer
from negotiations.interchange.columns import KINDS
from negotiations.interchange.importer import run_import
from negotiations.interchange.reader import csv_lines
from negotiations.models import (
    Agreement,
    AgreementSource,
    ChapterProgress,
    ProgressNote,
    Round,
    RoundSource,
    StatusEvent,
    Venue,
)
from tests import factories as f

ROUNDS_HEADER = "agreement,number,kind,title,city,country,format,start_date,end_date,status,summary,source_url"


def run(kind, text, name=None, **kwargs):
    name = name or f"{kind}.csv"
    return run_import(kind=kind, data=text.encode(), filename=name, **kwargs)


def errors_of(report):
    return [(e.line, e.column) for e in report.errors]


@pytest.fixture
def base(db):
    agreement = f.agreement(slug="india-peru", parties=("IND", "PER"))
    for code in ("ROO", "TIG", "SVC"):
        f.chapter(code)
    return agreement


# --- Rounds ---------------------------------------------------------------------------------


def test_rounds_import_with_partial_dates_venues_and_sources(base):
    user = f.user(role=roles.CURATOR)
    report = run(
        "rounds",
        f"""{ROUNDS_HEADER}
india-peru,1,numbered,,New Delhi,IND,in_person,2017-08,,held,First round,https://example.org/a
india-peru,9,,,Lima,PER,,2025-11-03,2025-11-05,held,Ninth,https://example.org/b;https://example.org/c
india-peru,,special,Special virtual round,,,virtual,2023,,held,,
""",
        user=user,
    )
    assert report.ok and report.written, report.errors
    assert (report.created, report.updated) == (3, 0)
    first = Round.objects.get(number=1)
    assert (first.start_date, first.date_precision, first.venue.city) == (
        dt.date(2017, 8, 1),
        DatePrecision.MONTH,
        "New Delhi",
    )
    ninth = Round.objects.get(number=9)
    assert (ninth.kind, ninth.format, ninth.end_date) == (
        RoundKind.NUMBERED,
        RoundFormat.IN_PERSON,
        dt.date(2025, 11, 5),
    )
    assert RoundSource.objects.filter(round=ninth).count() == 2
    special = Round.objects.get(number__isnull=True)
    assert (special.title, special.date_precision, special.venue) == ("Special virtual round", DatePrecision.YEAR, None)
    record = ninth.history.first()
    assert (record.history_user, record.history_change_reason) == (user, "import rounds.csv")


def test_rounds_import_upserts_by_natural_key_and_is_idempotent(base):
    f.round_(base, number=1, summary="old", start_date=dt.date(2017, 8, 1), end_date=None)
    text = f"{ROUNDS_HEADER}\nindia-peru,1,numbered,,,,in_person,2017-08,,held,new,\n"
    report = run("rounds", text)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    round_obj = Round.objects.get(number=1)
    assert (round_obj.summary, round_obj.version) == ("new", 2)
    history = round_obj.history.count()
    again = run("rounds", text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Round.objects.get(number=1).history.count() == history


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("nope,2,numbered,,,,in_person,2017,,held,,", "agreement", "Unknown agreement"),
        ("india-peru,2,numbered,,,,in_person,2017-13,,held,,", "start_date", "not a valid calendar date"),
        ("india-peru,2,numbered,,,,in_person,Aug 2017,,held,,", "start_date", "is not a date"),
        ("india-peru,2,numbered,,,,in_person,2017-08-05,2017-08-01,held,,", "end_date", "before the start"),
        ("india-peru,2,numbered,,,,in_person,,2017-08-01,held,,", "end_date", "needs a start date"),
        ("india-peru,2,numbered,,,,in_person,2017,,happened,,", "status", "Unknown round status"),
        ("india-peru,2,weekly,,,,in_person,2017,,held,,", "kind", "Unknown round kind"),
        ("india-peru,2,numbered,,Lima,XXX,in_person,2017,,held,,", "country", "Unknown country"),
        ("india-peru,2,numbered,,Lima,PER,virtual,2017,,held,,", "format", "virtual round has no venue"),
        ("india-peru,-2,numbered,,,,in_person,2017,,held,,", "number", "not a round number"),
        ("india-peru,2,numbered,,,,in_person,2017,,held,,not a url", "source_url", "not a URL"),
        ("india-peru,2,numbered,,,,in_person,1800,,held,,", "start_date", ""),
        ("india-peru,2,numbered", "", "cells, expected"),
    ],
)
def test_a_bad_round_row_is_reported_at_its_line_and_nothing_is_written(base, row, column, reason):
    f.party("PER")
    first, last = "india-peru,1,numbered,,,,in_person,2017,,held,,", "india-peru,3,numbered,,,,in_person,2018,,held,,"
    text = f"{ROUNDS_HEADER}\n{first}\n{row}\n{last}\n"
    report = run("rounds", text)
    assert errors_of(report) == [(3, column)], report.errors
    assert reason in report.errors[0].message
    assert not report.written
    assert Round.objects.count() == 0


def test_every_bad_row_is_reported_not_only_the_first(base):
    text = f"""{ROUNDS_HEADER}
nope,1,numbered,,,,in_person,2017,,held,,
india-peru,2,numbered,,,,in_person,2017-99,,held,,
india-peru,3,numbered,,,,in_person,2017,,held,,
india-peru,3,numbered,,,,in_person,2018,,held,,
"""
    report = run("rounds", text)
    assert errors_of(report) == [(2, "agreement"), (3, "start_date"), (5, "number")]
    assert "line 4" in report.errors[2].message  # the duplicate names the first occurrence
    assert Round.objects.count() == 0


def test_line_numbers_count_physical_lines_of_quoted_multiline_cells(base):
    multiline = 'india-peru,1,numbered,,,,in_person,2017,,held,"two\nlines",'
    text = f"{ROUNDS_HEADER}\n{multiline}\nnope,2,numbered,,,,in_person,2017,,held,,\n"
    assert errors_of(run("rounds", text)) == [(4, "agreement")]


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        (ROUNDS_HEADER.replace("start_date", "start"), ["start", "start_date"]),
        (ROUNDS_HEADER.replace(",source_url", ""), ["source_url"]),
        (ROUNDS_HEADER + ",status", ["status"]),
        ("", [""]),
    ],
)
def test_a_wrong_header_is_reported_on_line_1(base, header, columns):
    report = run("rounds", f"{header}\nindia-peru,1,numbered,,,,in_person,2017,,held,,\n" if header else "")
    assert sorted(e.column for e in report.errors) == sorted(columns)
    assert {e.line for e in report.errors} == {1}
    assert Round.objects.count() == 0


def test_dry_run_validates_and_writes_nothing(base):
    f.round_(base, number=1)
    report = run(
        "rounds", f"{ROUNDS_HEADER}\nindia-peru,1,,,,,,2017,,held,,\nindia-peru,2,,,,,,2018,,held,,\n", dry_run=True
    )
    assert report.ok and not report.written
    assert (report.created, report.updated) == (1, 1)
    assert Round.objects.count() == 1
    assert "Dry run" in report.summary()


@pytest.mark.parametrize(
    ("kind", "lines"),
    [
        ("rounds", [ROUNDS_HEADER, "india-peru,4,,,Lima,PER,,2019-05,,held,,"]),
        ("status-events", ["agreement,status,date,planned,note,source_url", "india-peru,launched,2019-03-01,false,,"]),
    ],
)
def test_a_bulk_import_moves_the_data_version_on_like_every_writer(base, kind, lines):
    """The bulk fast path writes rows past the ORM (COPY on PostgreSQL), but each bulk write
    starts with a statement the connection sees, so cached pages and ETags move on."""
    from negotiations import data_version

    f.round_(base, number=3)
    before = data_version.read().number
    assert run(kind, "\n".join(lines) + "\n").written
    assert data_version.read().number > before


def test_a_database_failure_while_writing_rolls_back_everything(base, monkeypatch):
    def fail(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(services.bulk, "citations_bulk_add", fail)
    report = run("rounds", f"{ROUNDS_HEADER}\nindia-peru,1,,,Lima,PER,,2017,,held,,https://example.org/x\n")
    assert not report.written and "disk full" in str(report.errors[0])
    assert (Round.objects.count(), Venue.objects.count()) == (0, 0)


def test_wrong_file_type_and_encoding(base):
    assert "csv or .json" in str(run("rounds", "x", name="rounds.xlsx").errors[0])
    report = run_import(kind="rounds", data=b"\xff\xfe\x00bad", filename="r.csv")
    assert "UTF-8" in str(report.errors[0])


def test_ten_thousand_rounds_import_in_one_transaction(base, django_assert_max_num_queries):
    # Round numbers run to 999: 20 agreements of 500 rounds.
    agreements = [f.agreement(slug=f"bulk-{i}", parties=("PER",)) for i in range(20)]
    f.party("CHL")
    lines = [ROUNDS_HEADER]
    for i in range(10_000):
        slug = agreements[i % 20].slug
        city, country = ("Lima", "PER") if i % 2 else ("Santiago", "CHL")
        lines.append(f"{slug},{i // 20 + 1},numbered,,{city},{country},in_person,2020-03-0{i % 9 + 1},,held,Round {i},")
    data = "\n".join(lines) + "\n"
    started = time.perf_counter()
    # Bulk writes in batches, not queries per row (SQLite caps the parameters of one query, so
    # batches are small there: about 400 queries for 10,000 rows).
    with django_assert_max_num_queries(1000):
        report = run("rounds", data)
    seconds = time.perf_counter() - started
    assert report.ok and report.created == 10_000, report.errors[:3]
    assert Round.objects.count() == 10_000
    assert Round.history.model.objects.filter(history_change_reason="import rounds.csv").count() == 10_000
    print(f"\n10,000 rounds imported in {seconds:.2f} s ({10_000 / seconds:,.0f} rows/s)")


# --- Status events ------------------------------------------------------------------------


def test_status_events_import_recomputes_the_current_status(base):
    report = run(
        "status-events",
        """agreement,status,date,planned,note,source_url
india-peru,proposed,2012,false,,
india-peru,launched,2017-01-18,,,https://example.org/launch
india-peru,signed,2030-03,true,expected,
""",
    )
    assert report.ok, report.errors
    base.refresh_from_db()
    assert (base.current_status, base.status_date, base.status_date_precision) == (
        AgreementStatus.LAUNCHED,
        dt.date(2017, 1, 18),
        DatePrecision.DAY,
    )
    assert StatusEvent.objects.get(status=AgreementStatus.PROPOSED).date_precision == DatePrecision.YEAR


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("india-peru,in_talks,2017,false,,", "status"),
        ("india-peru,launched,,false,,", "date"),
        ("india-peru,launched,2017,maybe,,", "planned"),
        ("unknown,launched,2017,false,,", "agreement"),
        ("india-peru,proposed,2012,false,again,", "date"),
    ],
)
def test_bad_status_event_rows(base, row, column):
    text = f"agreement,status,date,planned,note,source_url\nindia-peru,proposed,2012,false,,\n{row}\n"
    report = run("status-events", text)
    assert errors_of(report) == [(3, column)]
    assert StatusEvent.objects.count() == 0
    base.refresh_from_db()
    assert base.current_status == ""


# --- Agreements -------------------------------------------------------------------------------


def test_agreements_import_parties_and_a_predecessor_later_in_the_file(db):
    f.party("MEX")
    f.party("PER")
    report = run(
        "agreements",
        """slug,name,short_name,kind,parties,summary,source_url,predecessor,predecessor_relation
mexico-peru-tia,Mexico–Peru Trade Integration Agreement,TIA,tia,MEX;per,,https://example.org/tia,mexico-peru-ace8,supersedes
mexico-peru-ace8,ACE 8,ACE 8,ace,MEX;PER,,,,
""",
    )
    assert report.ok, report.errors
    tia = Agreement.objects.get(slug="mexico-peru-tia")
    assert tia.predecessor.slug == "mexico-peru-ace8"
    assert tia.predecessor_relation == AgreementRelation.SUPERSEDES
    assert sorted(tia.parties.values_list("code", flat=True)) == ["MEX", "PER"]
    assert AgreementSource.objects.filter(agreement=tia).count() == 1


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("x,X,,fta,XXX,,", "parties"),
        ("x,X,,treaty,PER,,", "kind"),
        ("x,,,fta,PER,,", "name"),
        ("Not a slug!,X,,fta,PER,,", "slug"),
    ],
)
def test_bad_agreement_rows(db, row, column):
    f.party("PER")
    report = run("agreements", f"slug,name,short_name,kind,parties,summary,source_url\n{row}\n")
    assert errors_of(report) == [(2, column)]
    assert Agreement.objects.count() == 0


def test_predecessor_cycles_are_refused(db):
    report = run(
        "agreements",
        """slug,name,short_name,kind,parties,summary,source_url,predecessor,predecessor_relation
a,A,,fta,,,,b,builds_on
b,B,,fta,,,,a,builds_on
""",
    )
    assert report.errors and report.errors[0].column == "predecessor"
    assert Agreement.objects.count() == 0


# --- Chapter progress -----------------------------------------------------------------------


def test_chapter_progress_import_with_a_confidential_note(base):
    round_obj = f.round_(base, number=9)
    f.round_(base, number=None, kind=RoundKind.SPECIAL, title="Special round")
    report = run(
        "chapter-progress",
        """agreement,round_number,chapter,status,note,visibility
india-peru,9,ROO,substantial_progress,Public view,public
india-peru,9,ROO,,Internal view,confidential
india-peru,Special round,tig,closed,,
""",
    )
    assert report.ok, report.errors
    progress = ChapterProgress.objects.get(round=round_obj, chapter__code="ROO")
    assert (progress.status, progress.note) == (ProgressStatus.SUBSTANTIAL_PROGRESS, "Public view")
    note = ProgressNote.objects.get()
    assert (note.text, note.visibility, note.chapter.code) == ("Internal view", Visibility.CONFIDENTIAL, "ROO")
    assert ChapterProgress.objects.get(round__title="Special round").status == ProgressStatus.CLOSED
    # Importing again adds no second copy of the note.
    assert run(
        "chapter-progress",
        "agreement,round_number,chapter,status,note,visibility\nindia-peru,9,ROO,,Internal view,confidential\n",
    ).ok
    assert ProgressNote.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("india-peru,9,XYZ,closed,,public", "chapter"),
        ("india-peru,10,ROO,closed,,public", "round_number"),
        ("india-peru,9,ROO,finished,,public", "status"),
        ("india-peru,9,ROO,closed,,secret", "visibility"),
        ("india-peru,9,TIG,closed,,public", "chapter"),
        ("india-peru,9,ROO,,,confidential", "note"),
    ],
)
def test_bad_chapter_progress_rows(base, row, column):
    f.round_(base, number=9)
    text = f"agreement,round_number,chapter,status,note,visibility\nindia-peru,9,TIG,closed,,public\n{row}\n"
    report = run("chapter-progress", text)
    assert errors_of(report) == [(3, column)]
    assert ChapterProgress.objects.count() == 0


def test_json_import_takes_real_booleans_and_lists(base):
    data = json.dumps(
        [
            {
                "agreement": "india-peru",
                "status": "launched",
                "date": "2017-01-18",
                "planned": False,
                "note": None,
                "source_url": ["https://example.org/a", "https://example.org/b"],
            },
            {
                "agreement": "india-peru",
                "status": "bogus",
                "date": "2017",
                "planned": True,
                "note": "",
                "source_url": "",
            },
        ]
    )
    report = run_import(kind="status-events", data=data.encode(), filename="events.json")
    assert errors_of(report) == [(2, "status")]  # for JSON, the "line" is the record's position
    assert StatusEvent.objects.count() == 0


# --- Export → import round trip -------------------------------------------------------------


def _rich_data():
    curator = f.user(role=roles.CURATOR)
    ace = f.agreement(slug="mexico-peru-ace8", name="ACE 8", parties=("MEX", "PER"), kind="ace")
    tia = f.agreement(
        slug="mexico-peru-tia",
        name="Mexico–Peru TIA",
        short_name="TIA",
        parties=("MEX", "PER"),
        kind="tia",
        predecessor=ace,
        predecessor_relation=AgreementRelation.SUPERSEDES,
        summary='Quotes "and", commas,\nand a second line.',
    )
    services.citations_set(owner=tia, sources=[f.source(url="https://example.org/tia")])
    for agreement, status, date, precision, planned in [
        (ace, AgreementStatus.IN_FORCE, dt.date(1987, 1, 1), DatePrecision.YEAR, False),
        (ace, AgreementStatus.SUPERSEDED, dt.date(2012, 2, 1), DatePrecision.DAY, False),
        (tia, AgreementStatus.SIGNED, dt.date(2011, 4, 6), DatePrecision.DAY, False),
        (tia, AgreementStatus.IN_FORCE, dt.date(2012, 2, 1), DatePrecision.DAY, False),
        (tia, AgreementStatus.CONCLUDED, dt.date(2011, 3, 1), DatePrecision.MONTH, False),
        (tia, AgreementStatus.PAUSED, dt.date(2030, 1, 1), DatePrecision.YEAR, True),
    ]:
        services.status_event_record(
            agreement=agreement, status=status, date=date, date_precision=precision, planned=planned, note="n"
        )
    r1 = f.round_(
        tia,
        number=1,
        venue=f.venue("Lima", "PER", place="Torre Tagle"),
        venue_note="per press",
        chief_negotiators="A; B",
        dates_note="inferred",
    )
    services.citations_set(
        owner=r1, sources=[f.source(url="https://example.org/r1"), f.source(url="https://example.org/r1b")]
    )
    r2 = f.round_(
        tia,
        number=2,
        start_date=dt.date(2011, 8, 1),
        end_date=dt.date(2011, 9, 1),
        date_precision=DatePrecision.MONTH,
        status=RoundStatus.PLANNED,
    )
    f.round_(
        tia,
        number=None,
        kind=RoundKind.MINISTERIAL,
        title="Ministerial",
        format=RoundFormat.VIRTUAL,
        start_date=None,
        end_date=None,
    )
    f.progress(r1, "ROO", status=ProgressStatus.CLOSED, note="done")
    f.progress(r1, "TIG")
    f.progress(r2, "ROO", status=ProgressStatus.PARKED)
    f.note(r1, "internal, with a comma", visibility=Visibility.CONFIDENTIAL, chapter_code="ROO")
    f.note(r2, "internal 2", visibility=Visibility.CONFIDENTIAL, chapter_code="SVC")
    return curator


def _export_all(user, fmt):
    encode = writer.csv_table if fmt == "csv" else writer.json_records
    return {kind: "".join(encode(writer.export_table(kind, user=user))) for kind in KINDS}


def _wipe():
    Agreement.objects.update(predecessor=None, predecessor_relation="")
    ProgressNote.objects.all().delete()
    Agreement.objects.all().delete()
    Venue.objects.all().delete()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_then_import_into_an_empty_tracker_reproduces_the_records(db, fmt):
    curator = _rich_data()
    before = _export_all(curator, fmt)
    statuses = dict(Agreement.objects.values_list("slug", "current_status"))
    _wipe()
    assert Round.objects.count() == 0
    for kind in KINDS:
        report = run_import(kind=kind, data=before[kind].encode(), filename=f"{kind}.{fmt}", user=curator)
        assert report.ok and report.written, (kind, report.errors)
    assert _export_all(curator, fmt) == before
    assert dict(Agreement.objects.values_list("slug", "current_status")) == statuses
    assert ProgressNote.objects.filter(visibility=Visibility.CONFIDENTIAL).count() == 2


def test_export_gives_confidential_rows_only_to_those_allowed(db):
    curator = _rich_data()
    public = _export_all(AnonymousUser(), "csv")["chapter-progress"]
    assert "internal" not in public
    assert "internal, with a comma" in _export_all(curator, "csv")["chapter-progress"]
    official = f.user(role=roles.OFFICIAL)
    assert "internal" not in _export_all(official, "csv")["chapter-progress"]
    Agreement.objects.get(slug="mexico-peru-tia").editors.add(official)
    assert "internal 2" in _export_all(official, "csv")["chapter-progress"]


@pytest.mark.parametrize(
    "value",
    ["=SUM(A1)", "+51 1", "-5", "-x", "@x", "\tx", "\rx", "'x", "''=x", " x ", "a,b", 'say "hi"', "line\r\nbreak", ""],
)
def test_what_the_csv_writer_writes_the_csv_reader_gives_back(value):
    """csv_pieces and csv_lines are the tracker's one CSV writer and one reader: whatever the
    writer does to a cell (quoting, making it safe for spreadsheets), the reader undoes, so
    every file the tracker writes (a backup, an export) reads back as the values written."""
    text = "".join(writer.csv_pieces(["column"], [[value], ["next"]]))
    assert [cells for _line, cells in csv_lines(text)] == [["column"], [value], ["next"]]


def test_a_confidential_note_keeps_its_language_through_import_and_export(db):
    """The optional note_language column: the note is stored with it and written back with it."""
    ip = f.agreement("india-peru", ("IND", "PER"))
    f.round_(ip, 9)
    f.chapter("ROO")
    text = (
        "agreement,round_number,chapter,status,note,visibility,note_language\n"
        "india-peru,9,ROO,,Posición interna,confidential,es\n"
        "india-peru,9,ROO,,Internal view,confidential,\n"
    )
    report = run("chapter-progress", text)
    assert report.ok, report.errors
    assert dict(ProgressNote.objects.values_list("text", "language")) == {
        "Posición interna": "es",
        "Internal view": "en",
    }
    curator = f.user("curator-lang", role=roles.CURATOR)
    rows = list(writer.export_table("chapter-progress", user=curator))
    assert rows[0][-1] == "note_language"
    assert ["india-peru", "9", "ROO", "", "Posición interna", "confidential", "es"] in rows
    bad = run("chapter-progress", text.replace(",es\n", ",fr\n"))
    assert (2, "note_language") in errors_of(bad)
