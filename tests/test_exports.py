"""CSV and JSON exports: exactly the filtered rows, streamed, spreadsheet-friendly; one agreement's
full public record."""

import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.http import QueryDict, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext

from negotiations import exports
from negotiations.choices import DatePrecision, ProgressStatus, RoundFormat, RoundKind
from negotiations.exports import split_export_format
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
