"""CSV and JSON exports: exactly the filtered rows, streamed, spreadsheet-friendly; one agreement's
full public record."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from negotiations import exports
from negotiations.choices import DatePrecision, ProgressStatus, RoundFormat, RoundKind
from negotiations.exports import split_export_format
from negotiations.interchange import writer
from tests import factories as f
from tests.test_views import SECRET, build_india_peru

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    data = build_india_peru()
    chile = f.agreement("india-chile-cepa", ("IND", "CHL"), name="India–Chile CEPA")
    data["ic3"] = f.round_(chile, 3, venue=f.venue("Santiago", "CHL"), start_date=dt.date(2025, 10, 27))
    f.progress(data["ic3"], "CRM", ProgressStatus.TEXT_EXCHANGED)
    data["virtual"] = f.round_(
        data["ip"],
        None,
        kind=RoundKind.SPECIAL,
        title="Special virtual round",
        format=RoundFormat.VIRTUAL,
        start_date=dt.date(2023, 10, 10),
        end_date=dt.date(2023, 10, 11),
    )
    return data


def body(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(response) -> list[dict]:
    text = body(response)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def page_ids(client, url: str) -> list[int]:
    """Ids of every row of a (possibly paginated) HTML list, in order."""
    ids, page = [], 1
    while True:
        response = client.get(url + ("&" if "?" in url else "?") + f"page={page}")
        assert response.status_code == 200
        ids += [obj.pk for obj in response.context["page_obj"]]
        if not response.context["page_obj"].has_next():
            return ids
        page += 1


@pytest.mark.parametrize(
    "query",
    [
        "",
        "agreement=india-peru-ta",
        "chapter=CRM",
        "chapter=CRM&chapter_status=text_exchanged",
        "host_country=PER&start_after=2024",
        "format=virtual",
        "party=IND&ordering=start_date",
        "start_before=2017-08",
    ],
)
def test_round_csv_equals_the_filtered_list_row_for_row(client, site, query):
    rows = csv_rows(client.get(f"/rounds/?{query}&format=csv"))
    assert [int(r["id"]) for r in rows] == page_ids(client, f"/rounds/?{query}")


def test_round_csv_equals_the_list_across_pages(client, site):
    for number in range(11, 51):
        f.round_(site["ip"], number, start_date=dt.date(2020, 1, 1) + dt.timedelta(days=number))
    listed = page_ids(client, "/rounds/?agreement=india-peru-ta")
    assert len(listed) == 44  # 4 + 40, on two pages
    assert [int(r["id"]) for r in csv_rows(client.get("/rounds/?agreement=india-peru-ta&format=csv"))] == listed


@pytest.mark.parametrize("query", ["", "chapter=CRM", "party=CHL", "status=under_negotiation", "ordering=-status_date"])
def test_agreement_csv_equals_the_filtered_list(client, site, query):
    rows = csv_rows(client.get(f"/agreements/?{query}&format=csv"))
    slugs = [r["slug"] for r in rows]
    response = client.get(f"/agreements/?{query}")
    assert slugs == [a.slug for a in response.context["page_obj"]]


def test_chapter_csv_equals_the_filtered_list(client, site):
    rows = csv_rows(client.get("/chapters/?agreement=india-chile-cepa&format=csv"))
    assert [r["code"] for r in rows] == ["CRM"]
    assert rows[0]["agreements"] == "2" and rows[0]["rounds"] == "2"


def test_csv_writes_partial_dates_with_their_precision(client, site):
    rows = {int(r["id"]): r for r in csv_rows(client.get("/rounds/?format=csv"))}
    round_1, round_9, round_10 = rows[site["r1"].pk], rows[site["r9"].pk], rows[site["r10"].pk]
    assert (round_1["start_date"], round_1["end_date"], round_1["date_precision"]) == ("2017-08", "", "month")
    assert (round_9["start_date"], round_9["end_date"], round_9["date_precision"]) == (
        "2025-11-03",
        "2025-11-05",
        "day",
    )
    assert round_10["status"] == "planned" and round_10["start_date"] == "2027-01"
    assert round_9["city"] == "Lima" and round_9["host_country"] == "PER"
    # Catalog order, then code (these test chapters share the default order).
    assert round_9["chapters"] == "CRM:substantial_progress;ROO:substantial_progress;TIG:substantial_progress"


def test_csv_is_utf8_with_bom_and_a_download(client, site):
    response = client.get("/agreements/?format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="agreements-')
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert "India–Peru Trade Agreement".encode() in raw


def test_agreement_status_date_keeps_its_precision(client, site):
    [row] = [r for r in csv_rows(client.get("/agreements/?format=csv")) if r["slug"] == "india-peru-ta"]
    assert (row["current_status"], row["status_date"], row["status_date_precision"]) == (
        "under_negotiation",
        "2017-08",
        "month",
    )
    assert row["parties"] == "IND;PER"


def test_json_export_has_the_same_rows_as_csv(client, site):
    query = "/rounds/?chapter=CRM"
    from_json = json.loads(body(client.get(query + "&format=json")))
    from_csv = csv_rows(client.get(query + "&format=csv"))
    assert [r["id"] for r in from_json] == [int(r["id"]) for r in from_csv]
    assert from_json[0]["agreement"] in {"india-peru-ta", "india-chile-cepa"}


def test_empty_json_export_is_an_empty_list(client, site):
    assert json.loads(body(client.get("/rounds/?q=nothing-matches-this&format=json"))) == []


@pytest.mark.parametrize("url", ["/rounds/?chapter=NOPE&format=csv", "/agreements/?status=won&format=csv"])
def test_invalid_filters_make_exports_400_with_the_message(client, site, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "Unknown" in response.content.decode()


def test_invalid_filters_make_json_exports_400_with_errors(client, site):
    response = client.get("/rounds/?start_after=someday&format=json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "Starts on or after: “someday” is not a date; use YYYY, YYYY-MM or YYYY-MM-DD."
    ]


def test_chapter_progress_export(client, site):
    rows = csv_rows(client.get("/chapters/CRM/?format=csv"))
    assert [(r["agreement"], r["round"], r["status"]) for r in rows] == [
        ("india-chile-cepa", "Round 3", "text_exchanged"),
        ("india-peru-ta", "Round 9", "substantial_progress"),
    ]
    assert rows[1]["url"].endswith(f"/rounds/{site['r9'].pk}/#chapter-CRM")
    assert client.get("/chapters/CRM/?agreement=nope&format=csv").status_code == 400


def test_export_format_is_split_from_the_round_format_filter():
    export, data = split_export_format(QueryDict("format=virtual&format=CSV&page=2"))
    assert export == "csv" and data.getlist("format") == ["virtual"]
    export, data = split_export_format(QueryDict("format=hybrid"))
    assert export is None and data.getlist("format") == ["hybrid"]


def test_exports_stream_in_chunks(client, site, monkeypatch):
    """Rows are read in chunks (prefetching per chunk), not all at once."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    response = client.get("/rounds/?format=csv")  # 5 rounds → 3 chunks
    with CaptureQueriesContext(connection) as queries:
        rows = csv_rows(response)
    assert len(rows) == 5
    progress_queries = [q for q in queries.captured_queries if "chapterprogress" in q["sql"]]
    assert len(progress_queries) == 3


def test_agreement_export_json_is_the_full_public_record(client, site):
    response = client.get("/agreements/india-peru-ta/export.json")
    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    record = response.json()
    assert record["slug"] == "india-peru-ta"
    assert [p["code"] for p in record["parties"]] == ["IND", "PER"]
    assert [e["status"] for e in record["status_events"]] == ["proposed", "launched", "under_negotiation", "signed"]
    assert record["status_events"][0]["date"] == "2012" and record["status_events"][-1]["planned"] is True
    labels = [r["label"] for r in record["rounds"]]
    assert labels == ["Round 1", "Special virtual round", "Round 9", "Round 10"]
    round_1 = record["rounds"][0]
    assert round_1["start_date"] == "2017-08" and round_1["date_precision"] == DatePrecision.MONTH
    assert {s["conflicting"] for s in round_1["sources"]} == {True, False}
    round_9 = record["rounds"][2]
    assert [n["text"] for n in round_9["notes"]] == ["Both sides exchanged offers on critical minerals."]
    assert {c["code"] for c in round_9["chapters"]} == {"TIG", "ROO", "CRM"}


def test_agreement_export_404(client, db):
    assert client.get("/agreements/nope/export.json").status_code == 404


# --- Output unchanged by the faster streaming; pieces; queries per chunk ---------------------------


class _Echo:
    def write(self, value):
        return value


def legacy_round_csv(rounds, request) -> str:
    """The round CSV as it was written before URL templates and batched writes: every column
    from the model, ``reverse()`` per row, one ``writerow`` per piece."""
    from negotiations.models import ChapterProgress

    def chapters(r):
        progress = ChapterProgress.objects.filter(round=r).order_by("chapter__order", "chapter__code")
        return ";".join(f"{p.chapter.code}:{p.status}" for p in progress)

    def iso(value, precision):
        return exports.format_partial_date_iso(value, precision) if value else ""

    columns = [
        ("id", lambda r: r.pk),
        ("agreement", lambda r: r.agreement.slug),
        ("agreement_name", lambda r: str(r.agreement)),
        ("number", lambda r: r.number if r.number is not None else ""),
        ("label", lambda r: str(r.label)),
        ("kind", lambda r: r.kind),
        ("status", lambda r: r.status),
        ("format", lambda r: r.format),
        ("start_date", lambda r: iso(r.start_date, r.date_precision)),
        ("end_date", lambda r: iso(r.end_date, r.date_precision)),
        ("date_precision", lambda r: r.date_precision if r.start_date else ""),
        ("dates_note", lambda r: r.dates_note),
        ("city", lambda r: r.venue.city if r.venue_id else ""),
        ("host_country", lambda r: r.venue.country.code if r.venue_id else ""),
        ("place", lambda r: r.venue.place if r.venue_id else ""),
        ("venue_note", lambda r: r.venue_note),
        ("chapters", chapters),
        ("url", lambda r: request.build_absolute_uri(r.get_absolute_url())),
    ]
    writer = csv.writer(_Echo())
    return "\ufeff" + "".join(
        [writer.writerow([name for name, _ in columns])]
        + [writer.writerow([value(r) for _, value in columns]) for r in rounds]
    )


@pytest.mark.parametrize(
    "query", ["", "agreement=india-peru-ta", "chapter=CRM", "format=virtual", "ordering=start_date"]
)
def test_round_csv_is_byte_for_byte_what_it_was(client, rf, site, query):
    from negotiations.models import Round

    f.round_(
        site["ip"],
        None,
        kind=RoundKind.SPECIAL,
        title='Odd, "quoted"\nmeeting – Perú',
        dates_note="a, b",
        venue=f.venue("São Paulo", "BRA", place="Hall\r\n2"),
        venue_note="café",
    )
    response = client.get(f"/rounds/?{query}&format=csv")
    ids = page_ids(client, f"/rounds/?{query}")
    rounds = [Round.objects.select_related("agreement", "venue__country").get(pk=pk) for pk in ids]
    assert len(rounds) >= 1
    assert body(response) == legacy_round_csv(rounds, rf.get("/"))


def test_progress_csv_urls_are_the_rounds_urls(client, site):
    rows = csv_rows(client.get("/chapters/CRM/?format=csv"))
    assert rows[0]["url"] == "http://testserver" + site["ic3"].get_absolute_url() + "#chapter-CRM"


def test_round_exports_stream_in_pieces_with_one_query_per_chunk(
    client, db, monkeypatch, django_assert_max_num_queries
):
    from negotiations.models import Round

    monkeypatch.setattr(exports, "CHUNK_SIZE", 10)
    monkeypatch.setattr(writer, "BATCH_ROWS", 25)
    agreement = f.agreement()

    def export(n, export_format="csv"):
        Round.objects.all().delete()
        for number in range(1, n + 1):
            r = f.round_(agreement, number, venue=f.venue(), start_date=dt.date(2020, 1, 1))
            f.progress(r, "ROO")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/rounds/?format={export_format}")
            assert isinstance(response, StreamingHttpResponse)
            pieces = list(response.streaming_content)
        return pieces, len(queries.captured_queries)

    small_pieces, small_queries = export(30)
    large_pieces, large_queries = export(300)
    assert len(small_pieces) == 2 + 2 and len(large_pieces) == 2 + 12  # BOM, header, then 25 rows a piece
    assert len(csv_rows_of(b"".join(large_pieces))) == 300
    assert large_queries - small_queries == (300 - 30) // 10  # one more query per extra chunk, no more
    cache.clear()  # the export just streamed is kept (a small anonymous export): render it again
    with django_assert_max_num_queries(small_queries + 300 // 10):
        b"".join(client.get("/rounds/?format=csv").streaming_content)
    json_pieces, json_queries = export(300, "json")
    assert len(json.loads(b"".join(json_pieces))) == 300 and len(json_pieces) == 2 + 12
    assert json_queries == large_queries


def csv_rows_of(raw: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
