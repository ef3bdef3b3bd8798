"""The API's behaviour beyond permissions: pagination, ordering, nesting, derived status, CSV,
validation, token auth, audit trail, query counts, throttling, schema and docs."""

import csv
import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from negotiations import roles, services
from negotiations.choices import AgreementStatus, DatePrecision, ProgressStatus, RoundFormat, Visibility
from negotiations.interchange import columns
from negotiations.models import Agreement, Round, Venue
from tests import factories as f


@pytest.fixture(autouse=True)
def _fast(settings):
    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def curator_user(db):
    return f.user(role=roles.CURATOR)


@pytest.fixture
def curator(curator_user):
    client = APIClient()
    client.force_authenticate(curator_user)
    return client


@pytest.fixture
def anon(db):
    return APIClient()


def content(response) -> str:
    return b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()


# --- Lists ----------------------------------------------------------------------------------


def test_lists_are_paginated_with_a_page_size_limit(anon):
    agreement = f.agreement()
    for number in range(1, 61):
        f.round_(agreement, number=number)
    first = anon.get("/api/rounds/").json()
    assert first["count"] == 60 and len(first["results"]) == 50 and first["next"]
    assert len(anon.get(first["next"]).json()["results"]) == 10
    assert len(anon.get("/api/rounds/?page_size=20").json()["results"]) == 20
    assert len(anon.get("/api/rounds/?page_size=100000").json()["results"]) == 60  # capped at 500
    assert anon.get("/api/rounds/?page=9").status_code == 404


@pytest.fixture
def rounds_501(db):
    agreement = f.agreement(slug="many")
    Round.objects.bulk_create(
        Round(agreement=agreement, number=n, start_date=dt.date(2020, 1, 1) + dt.timedelta(days=n), status="held")
        for n in range(1, 502)
    )


@pytest.mark.parametrize(
    "page_size, rows",
    [("", 50), ("1", 1), ("499", 499), ("500", 500), ("501", 500), ("0", 50), ("-1", 50), ("abc", 50), ("1.5", 50)],
)
def test_page_size_default_maximum_and_unusable_values(anon, rounds_501, page_size, rows):
    """50 by default, at most 500; a value that is not a positive whole number means the default."""
    response = anon.get(f"/api/rounds/?page_size={page_size}")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 501 and len(body["results"]) == rows


@pytest.mark.parametrize(
    "page, status, rows",
    [("1", 200, 50), ("11", 200, 1), ("12", 404, None), ("0", 404, None), ("-1", 404, None), ("abc", 404, None)],
)
def test_page_number_first_last_and_out_of_range(anon, rounds_501, page, status, rows):
    response = anon.get(f"/api/rounds/?page={page}")
    assert response.status_code == status
    if rows is None:
        assert response.json()["detail"] == "Invalid page."
    else:
        assert len(response.json()["results"]) == rows


def test_the_last_page_of_the_largest_size_holds_the_rest(anon, rounds_501):
    first = anon.get("/api/rounds/?page_size=500&ordering=number").json()
    last = anon.get("/api/rounds/?page_size=500&page=2&ordering=number").json()
    assert first["next"] and not last["next"]
    assert [row["number"] for row in last["results"]] == [501]


def test_ordering_uses_the_sites_parameter(anon):
    agreement = f.agreement()
    f.round_(agreement, number=1, start_date=dt.date(2020, 1, 1), end_date=None)
    f.round_(agreement, number=2, start_date=dt.date(2024, 1, 1), end_date=None)
    f.round_(agreement, number=3, start_date=None, end_date=None)
    numbers = lambda query: [r["number"] for r in anon.get(f"/api/rounds/{query}").json()["results"]]  # noqa: E731
    assert numbers("") == [2, 1, 3]  # the site's default: newest first, undated last
    assert numbers("?ordering=start_date") == [1, 2, 3]
    assert numbers("?ordering=-number") == [3, 2, 1]
    assert anon.get("/api/rounds/?ordering=venue").status_code == 400


def test_format_values_other_than_csv_and_json_stay_filters(anon):
    agreement = f.agreement()
    f.round_(agreement, number=1, format=RoundFormat.VIRTUAL)
    f.round_(agreement, number=2, format=RoundFormat.IN_PERSON)
    virtual = anon.get("/api/rounds/?format=virtual").json()
    assert [r["number"] for r in virtual["results"]] == [1]
    assert virtual["results"][0]["url"].endswith(f"/api/rounds/{Round.objects.get(number=1).pk}/")
    bad = anon.get("/api/rounds/?format=pdf")
    assert bad.status_code == 400
    assert "pdf" in bad.json()["format"][0]


def test_invalid_filter_is_400_with_the_sites_message(anon):
    response = anon.get("/api/rounds/?chapter=XYZ&start_after=2025-13")
    assert response.status_code == 400
    assert response.json()["chapter"] == ["Unknown chapter code “XYZ”."]
    assert "start_after" in response.json()


def test_csv_list_streams_every_matching_row_in_the_import_format(anon):
    agreement = f.agreement(slug="alpha")
    for number in range(1, 61):
        f.round_(agreement, number=number, venue=f.venue())
    f.round_(f.agreement(slug="beta"), number=1)
    response = anon.get("/api/rounds/?agreement=alpha&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(content(response))))
    assert len(rows) == 60  # not paginated, and filtered
    assert list(rows[0]) == columns.file_columns(columns.ROUNDS)
    assert {row["agreement"] for row in rows} == {"alpha"}
    assert rows[0]["city"] == "Lima" and rows[0]["country"] == "PER"


def test_csv_of_a_list_without_an_import_kind_has_the_serializer_fields(anon):
    f.party("BOL")
    rows = list(csv.DictReader(io.StringIO(content(anon.get("/api/parties/?format=csv")))))
    assert rows[0]["code"] == "BOL"
    assert "members" in rows[0]


def test_csv_of_an_invalid_filter_is_400(anon):
    response = anon.get("/api/rounds/?chapter=XYZ&format=csv")
    assert response.status_code == 400
    assert "Unknown chapter code" in content(response)


def test_list_query_count_does_not_grow_with_rows(anon):
    def count_for(n):
        Agreement.objects.all().delete()
        agreement = f.agreement()
        for number in range(1, n + 1):
            r = f.round_(agreement, number=number, venue=f.venue())
            f.progress(r, "ROO")
            f.progress(r, "TIG")
        with CaptureQueriesContext(connection) as queries:
            assert anon.get("/api/rounds/").status_code == 200
        return len(queries)

    assert count_for(3) == count_for(30)


# --- Details -----------------------------------------------------------------------------


def test_the_round_list_nests_the_same_chapters_and_sources_as_each_rounds_detail(anon):
    """The list reads a page's nested rows as plain rows, the detail through model objects."""
    from negotiations.models import RoundSource

    f.chapter("TIG", order=20)
    f.chapter("ROO", order=10)
    agreement = f.agreement()
    first, second, bare = (f.round_(agreement, number=n) for n in (1, 2, 3))
    f.progress(first, "TIG", note="Tariff lines")
    f.progress(first, "ROO", status=ProgressStatus.CLOSED)
    f.progress(second, "ROO")
    RoundSource.objects.create(round=first, source=f.source(), note="p. 4", conflicting=True)
    RoundSource.objects.create(round=first, source=f.source(url="", publisher=""))
    RoundSource.objects.create(round=second, source=f.source())
    listed = {row["id"]: row for row in anon.get("/api/rounds/").json()["results"]}
    assert [c["chapter"] for c in listed[first.pk]["chapters"]] == ["ROO", "TIG"]
    assert listed[bare.pk]["chapters"] == listed[bare.pk]["sources"] == []
    for round_obj in (first, second, bare):
        detail = anon.get(f"/api/rounds/{round_obj.pk}/").json()
        assert listed[round_obj.pk]["chapters"] == detail["chapters"]
        assert sorted(listed[round_obj.pk]["sources"], key=str) == sorted(detail["sources"], key=str)
        assert listed[round_obj.pk] == {key: detail[key] for key in listed[round_obj.pk]}


def test_round_detail_nests_chapters_and_the_notes_you_may_read(anon, curator):
    r = f.round_(f.agreement())
    f.chapter("TIG", order=20)
    f.chapter("ROO", order=10)
    f.progress(r, "TIG")
    f.progress(r, "ROO", status=ProgressStatus.CLOSED)
    f.note(r, "public", chapter_code="ROO")
    f.note(r, "internal", visibility=Visibility.CONFIDENTIAL)
    public = anon.get(f"/api/rounds/{r.pk}/").json()
    assert [c["chapter"] for c in public["chapters"]] == ["ROO", "TIG"]  # catalog order
    assert {c["chapter"]: c["status"] for c in public["chapters"]}["ROO"] == ProgressStatus.CLOSED
    assert [n["text"] for n in public["notes"]] == ["public"]
    assert public["notes"][0]["chapter"] == "ROO"
    assert [n["text"] for n in curator.get(f"/api/rounds/{r.pk}/").json()["notes"]] == ["public", "internal"]
    assert "notes" not in anon.get("/api/rounds/").json()["results"][0]


def test_codes_and_slugs_in_urls(anon):
    f.chapter("ROO")
    f.agreement(slug="india-peru")
    assert anon.get("/api/chapters/roo/").json()["code"] == "ROO"
    f.party("PER")
    assert anon.get("/api/parties/per/").json()["code"] == "PER"
    assert anon.get("/api/agreements/india-peru/").json()["slug"] == "india-peru"
    assert anon.get("/api/agreements/nope/").status_code == 404


# --- Writes --------------------------------------------------------------------------------


def test_current_status_is_derived_not_written(curator):
    f.agreement(slug="alpha")
    response = curator.patch(
        "/api/agreements/alpha/", {"current_status": AgreementStatus.IN_FORCE}, format="json", HTTP_IF_MATCH="*"
    )
    assert response.status_code == 200
    assert response.json()["current_status"] == ""
    curator.post("/api/status-events/", {"agreement": "alpha", "status": "launched", "date": "2017-01"}, format="json")
    curator.post(
        "/api/status-events/",
        {"agreement": "alpha", "status": "signed", "date": "2030", "planned": True},
        format="json",
    )
    agreement = curator.get("/api/agreements/alpha/").json()
    assert agreement["current_status"] == AgreementStatus.LAUNCHED  # the planned event does not count
    assert agreement["status_date"] == "2017-01"


def test_round_create_with_venue_and_partial_dates(curator):
    f.agreement(slug="alpha")
    f.party("PER")
    response = curator.post(
        "/api/rounds/",
        {
            "agreement": "alpha",
            "number": 9,
            "status": "held",
            "city": "Lima",
            "country": "per",
            "start_date": "2025-11",
            "end_date": "2025-12",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["city"], data["country"], data["start_date"], data["date_precision"]) == (
        "Lima",
        "PER",
        "2025-11",
        DatePrecision.MONTH,
    )
    assert response["Location"].endswith(f"/api/rounds/{data['id']}/")
    assert response["ETag"] == '"v1"'
    assert Venue.objects.filter(city="Lima").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"start_date": "2025-11-05", "end_date": "2025-11-03"}, "end_date"),
        ({"start_date": "2025-11", "end_date": "2025-11-30"}, "end_date"),
        ({"end_date": "2025-11-30"}, "end_date"),
        ({"start_date": "2025-13"}, "start_date"),
        ({"number": 1000}, "number"),
        ({"city": "Lima", "country": "XXX"}, "country"),
        ({"city": "Lima"}, "country"),
        ({"country": "PER"}, "city"),
        ({"status": "happened"}, "status"),
        ({"format": "virtual", "city": "Lima", "country": "PER"}, "format"),
    ],
)
def test_round_create_reports_bad_input_by_field(curator, payload, field):
    agreement = f.agreement(slug="alpha")
    f.party("PER")
    f.round_(agreement, number=1)
    response = curator.post("/api/rounds/", {"agreement": "alpha", "number": 5, **payload}, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert Round.objects.count() == 1


def test_writes_are_in_the_audit_trail_with_user_and_reason(curator, curator_user):
    r = f.round_(f.agreement())
    response = curator.patch(
        f"/api/rounds/{r.pk}/",
        {"summary": "Rules of origin closed."},
        format="json",
        HTTP_IF_MATCH="*",
        HTTP_X_CHANGE_REASON="Ministry press release of 5 Nov",
    )
    assert response.status_code == 200
    latest = r.history.first()
    assert latest.history_user == curator_user
    assert latest.history_change_reason == "Ministry press release of 5 Nov"
    assert latest.summary == "Rules of origin closed."


def test_official_note_is_stored_with_its_author(db):
    official = f.user(role=roles.OFFICIAL)
    r = f.round_(f.agreement())
    r.agreement.editors.add(official)
    client = APIClient()
    client.force_authenticate(official)
    response = client.post("/api/notes/", {"round": r.pk, "text": "internal", "visibility": "confidential"})
    assert response.status_code == 201
    note = r.notes.get()
    assert (note.author, note.visibility) == (official, Visibility.CONFIDENTIAL)


# --- Authentication and throttling -------------------------------------------------------


def test_anonymous_clients_are_throttled(anon, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    # Four different answers to build (a repeat would be the stored copy, which is not counted).
    statuses = [anon.get(f"/api/chapters/?page_size={size}").status_code for size in range(10, 14)]
    assert statuses == [200, 200, 200, 429]


# --- Schema, docs, export index ---------------------------------------------------------------


def test_schema_documents_parameters_and_errors(anon):
    schema = anon.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for name in [
        "agreements",
        "parties",
        "chapters",
        "rounds",
        "chapter-progress",
        "notes",
        "status-events",
        "sources",
    ]:
        assert f"/api/{name}/" in paths
    rounds = paths["/api/rounds/"]["get"]
    params = {p["name"] for p in rounds["parameters"]}
    assert {"chapter", "party", "start_after", "ordering", "page", "page_size", "format"} <= params
    assert {"200", "400"} <= set(rounds["responses"])
    assert "text/csv" in rounds["responses"]["200"]["content"]
    patch = paths["/api/rounds/{id}/"]["patch"]
    assert {"400", "403", "404", "412", "428"} <= set(patch["responses"])
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
    assert schema["components"]["schemas"]["Agreement"]["properties"]["current_status"]["readOnly"] is True


def test_docs_work_without_a_cdn(anon):
    page = anon.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/api/schema/" in html
    assert "cdn" not in html.lower() and "https://" not in html
    asset = anon.get("/api/docs/assets/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert anon.get("/api/docs/assets/../../settings.py").status_code == 404


def test_export_index_lists_the_four_files_in_import_order(anon):
    index = anon.get("/api/export/").json()
    assert [item["kind"] for item in index] == columns.KINDS
    assert index[0]["csv"].endswith("/api/export/agreements.csv")


def test_status_event_partial_date_round_trips(curator):
    agreement = f.agreement(slug="alpha")
    services.status_event_record(
        agreement=agreement, status=AgreementStatus.PROPOSED, date=dt.date(2012, 1, 1), date_precision="year"
    )
    data = curator.get("/api/status-events/").json()["results"][0]
    assert data["date"] == "2012"


def test_put_without_visibility_keeps_a_confidential_note_confidential(db):
    from rest_framework.test import APIClient

    from negotiations.choices import Visibility
    from negotiations.models import ProgressNote

    official = f.user(role=roles.OFFICIAL)
    round_obj = f.round_()
    round_obj.agreement.editors.add(official)
    note = f.note(round_obj, "internal assessment", visibility=Visibility.CONFIDENTIAL)
    client = APIClient()
    client.force_authenticate(official)
    response = client.put(
        f"/api/notes/{note.pk}/",
        {"round": round_obj.pk, "text": "internal assessment, revised"},
        format="json",
        HTTP_IF_MATCH=f'"v{note.version}"',
    )
    assert response.status_code == 200, response.content
    note = ProgressNote.objects.get(pk=note.pk)
    assert (note.text, note.visibility) == ("internal assessment, revised", Visibility.CONFIDENTIAL)


# --- CSV of lists that are not an import kind (notes, parties, chapters, sources) -------------


class _Echo:
    def write(self, value):
        return value


def _legacy_flatten(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(
            _legacy_flatten(v) if not isinstance(v, dict) else _legacy_flatten(next(iter(v.values()), ""))
            for v in value
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def legacy_serialized_csv(viewset_class, user, url: str) -> str:
    """The CSV as the API wrote it before tuples replaced serializers for large exports: the
    list's serializer on every row of the list's queryset, one writerow per row."""
    from rest_framework import serializers as drf
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory, force_authenticate

    request = APIRequestFactory().get(url)
    force_authenticate(request, user=user)
    view = viewset_class(action="list", action_map={"get": "list"}, format_kwarg=None, args=(), kwargs={})
    view.request = view.initialize_request(request)
    assert isinstance(view.request, Request)
    view.request.user  # noqa: B018 (authenticate now, as the real request does)
    queryset = view.filter_queryset(view.get_queryset())
    serializer = view.get_serializer_class()(context=view.get_serializer_context())
    fields = [name for name, fld in serializer.fields.items() if not isinstance(fld, drf.ListSerializer)]
    writer = csv.writer(_Echo())
    lines = [writer.writerow(fields)]
    for obj in queryset:
        data = serializer.to_representation(obj)
        lines.append(writer.writerow([_legacy_flatten(data.get(name)) for name in fields]))
    return "".join(lines)


SECRET_NOTE = "CONFIDENTIAL-NOTE-91c2"


@pytest.fixture
def notes_data(db):
    """Notes with and without chapter and source, odd text, several agreements, two secrets."""
    alpha = f.agreement(slug="alpha", name="Alpha, “quoted” & co")
    beta = f.agreement(slug="beta", parties=("IND", "CHL"))
    r1 = f.round_(alpha, 1, venue=f.venue())
    r2 = f.round_(alpha, 2)
    r3 = f.round_(beta, 1)
    source = f.source()
    stamp = dt.datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)
    texts = ["plain", 'with "quotes", commas', "two\nlines\r\nand CR", "accents: Perú – ñ €", "", "  spaced  "]
    notes = []
    for index, text in enumerate(texts * 3):
        round_obj = (r1, r2, r3)[index % 3]
        note = f.note(
            round_obj,
            text=text or "x",
            chapter_code=("ROO", None, "CRM")[index % 3],
            source=source if index % 2 else None,
        )
        notes.append(note)
    for index, note in enumerate(notes):
        # Equal timestamps too (the order then falls back to the id), and whole seconds.
        created = stamp + dt.timedelta(days=index // 2, microseconds=0 if index % 4 == 0 else index)
        type(note).objects.filter(pk=note.pk).update(created_at=created, updated_at=created + dt.timedelta(hours=1))
    f.note(r1, text=SECRET_NOTE, visibility=Visibility.CONFIDENTIAL, chapter_code="ROO")
    f.note(r3, text=SECRET_NOTE + "-beta", visibility=Visibility.CONFIDENTIAL)
    return {"alpha": alpha, "beta": beta, "rounds": (r1, r2, r3)}


def _client_for(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/api/notes/?format=csv",
        "/api/notes/?format=csv&ordering=start_date",
        "/api/notes/?format=csv&agreement=alpha&chapter=ROO",
        "/api/notes/?format=csv&q=quotes",
        "/api/parties/?format=csv",
        "/api/chapters/?format=csv",
        "/api/sources/?format=csv",
    ],
)
@pytest.mark.parametrize("who", ["anonymous", "official", "curator"])
def test_list_csv_is_byte_for_byte_what_the_serializer_wrote(notes_data, url, who):
    from negotiations.api import views as api_views

    user = None
    if who == "official":
        user = f.user(role=roles.OFFICIAL)
        notes_data["beta"].editors.add(user)
    elif who == "curator":
        user = f.user(role=roles.CURATOR)
    kind = url.split("/")[2]
    viewset = {
        "notes": api_views.NoteViewSet,
        "parties": api_views.PartyViewSet,
        "chapters": api_views.ChapterViewSet,
        "sources": api_views.SourceViewSet,
    }[kind]
    response = _client_for(user).get(url)
    assert response.status_code == 200
    got = content(response)
    assert got == legacy_serialized_csv(viewset, user, url)
    assert got.count("\n") > 1
    if url == "/api/notes/?format=csv":
        # The data set really has secrets, and each reader gets exactly the ones they may read.
        assert (SECRET_NOTE + "-beta" in got) == (who != "anonymous")
        assert (SECRET_NOTE + "," in got) == (who == "curator")


def test_notes_csv_columns_and_values(notes_data):
    from negotiations.models import ProgressNote

    rows = list(csv.DictReader(io.StringIO(content(APIClient().get("/api/notes/?format=csv")))))
    assert list(rows[0]) == [
        "id",
        "url",
        "agreement",
        "round",
        "chapter",
        "text",
        "language",
        "visibility",
        "source",
        "created_at",
        "updated_at",
        "version",
    ]
    expected = ProgressNote.objects.public().order_by("-created_at", "-pk")
    assert [int(row["id"]) for row in rows] == [note.pk for note in expected]
    for row, note in zip(rows, expected, strict=True):
        assert row["url"] == f"http://testserver/api/notes/{note.pk}/"
        assert row["agreement"] == note.round.agreement.slug
        assert row["round"] == str(note.round_id)
        assert row["chapter"] == (note.chapter.code if note.chapter_id else "")
        assert row["text"] == note.text
        assert row["language"] == note.language == "en"
        assert row["visibility"] == "public"
        assert row["source"] == (str(note.source_id) if note.source_id else "")
        assert row["created_at"] == note.created_at.isoformat().replace("+00:00", "Z")
        assert row["updated_at"] == note.updated_at.isoformat().replace("+00:00", "Z")
        assert row["version"] == str(note.version)
    assert {r["created_at"] for r in rows} >= {"2025-03-04T05:06:07.891011Z", "2025-03-05T05:06:07.891013Z"}


def test_notes_csv_never_has_a_confidential_note_for_anonymous_users(notes_data):
    from negotiations.models import ProgressNote

    for url in [
        "/api/notes/?format=csv",
        "/api/notes/?format=csv&q=CONFIDENTIAL",
        "/api/notes/?format=csv&chapter=ROO",
    ]:
        text = content(APIClient().get(url))
        assert SECRET_NOTE not in text
        assert "confidential" not in text
    ids = {int(r["id"]) for r in csv.DictReader(io.StringIO(content(APIClient().get("/api/notes/?format=csv"))))}
    secret_ids = set(ProgressNote.objects.filter(visibility=Visibility.CONFIDENTIAL).values_list("pk", flat=True))
    assert secret_ids and not ids & secret_ids
    # A signed-in official sees the secrets of the agreements assigned to them, and only those.
    official = f.user(role=roles.OFFICIAL)
    notes_data["beta"].editors.add(official)
    text = content(_client_for(official).get("/api/notes/?format=csv"))
    assert SECRET_NOTE + "-beta" in text
    assert SECRET_NOTE + "\r\n" not in text and SECRET_NOTE + "," not in text


def test_notes_csv_streams_in_pieces_with_a_constant_number_of_queries(db, monkeypatch, django_assert_max_num_queries):
    from negotiations.api import csv_export
    from negotiations.interchange import writer

    monkeypatch.setattr(csv_export, "CHUNK_SIZE", 7)
    monkeypatch.setattr(writer, "BATCH_ROWS", 10)
    round_obj = f.round_(f.agreement(), 1)

    def export(n):
        type(round_obj).objects.exclude(pk=round_obj.pk).delete()
        round_obj.notes.all().delete()
        for index in range(n):
            f.note(round_obj, text=f"note {index}", chapter_code="ROO" if index % 2 else None)
        with CaptureQueriesContext(connection) as queries:
            response = APIClient().get("/api/notes/?format=csv")
            assert response.streaming
            pieces = list(response.streaming_content)
        return pieces, len(queries.captured_queries)

    small_pieces, small_queries = export(30)
    large_pieces, large_queries = export(300)
    assert len(small_pieces) == 1 + 3 and len(large_pieces) == 1 + 30  # header, then 10 rows a piece
    assert b"".join(large_pieces).count(b"\r\n") == 301
    assert large_queries == small_queries
    cache.clear()  # the export just streamed is kept (a small anonymous export): render it again
    with django_assert_max_num_queries(small_queries):
        b"".join(APIClient().get("/api/notes/?format=csv").streaming_content)
