"""No input makes the tracker answer 5xx: hostile filter values on every list page, export,
feed and API list (400 with a message, or the filter ignored where documented), NUL and control
characters in writes (400 naming the field), and import files with NUL bytes, invalid UTF-8 or
absurd JSON nesting (refused with a line number, nothing written). On SQLite and PostgreSQL alike:
PostgreSQL rejects NUL in text, which is where most of these used to fail."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from negotiations import roles
from negotiations.api.urls import router
from negotiations.filtersets import AgreementFilterSet, ChapterFilterSet, ChapterProgressFilterSet, RoundFilterSet
from negotiations.interchange.importer import run_import
from negotiations.models import Chapter, Round
from tests import factories as f

HOSTILE_VALUES = [
    "%",
    "%25",
    "%d",
    "%s",
    "%(x)s",
    "{0}",
    "{x}",
    "\x00",
    "a\x00b",
    "\x01",
    "\x1f",
    "\x7f",
    "\t",
    "\r\n",
    "x" * 10_000,
    "%" * 3_000,
    "2025-13-45",
    "2025-02-30",
    "0000",
    "99999-01-01",
    "-1",
    "0",
    "99999999999999999999999",
    "1e400",
    "NaN",
    "'; DROP TABLE negotiations_round; --",
    "<script>alert(1)</script>",
    "\ud7ff\ue000",
    "ＰＥＲ",
    ",,,",
    "-",
    "?",
]
GENERIC_PARAMETERS = ["page", "page_size", "ordering", "sort", "format", "q"]


def query_parameters(filterset_class) -> list[str]:
    """The query-string names of a FilterSet's filters (a range filter takes name_after/_before)."""
    names = []
    for name, field in filterset_class().form.fields.items():
        suffixes = getattr(field.widget, "suffixes", None)
        names.extend(f"{name}_{suffix}" if suffix else name for suffix in suffixes) if suffixes else names.append(name)
    return names


SITE_SURFACES = {
    "/agreements/": AgreementFilterSet,
    "/agreements/?format=csv&": AgreementFilterSet,
    "/rounds/": RoundFilterSet,
    "/rounds/?format=csv&": RoundFilterSet,
    "/rounds/?format=json&": RoundFilterSet,
    "/chapters/": ChapterFilterSet,
    "/chapters/ROO/": ChapterProgressFilterSet,
    "/chapters/ROO/?format=csv&": ChapterProgressFilterSet,
    "/feeds/rounds.atom": RoundFilterSet,
    "/calendar/rounds.ics": RoundFilterSet,
    "/search/": None,
    "/agreements/suggest.json": None,
}
API_SURFACES = {f"/api/{prefix}/": viewset.filterset_class for prefix, viewset, _ in router.registry}
API_SURFACES.update({f"/api/{prefix}/?format=csv&": viewset.filterset_class for prefix, viewset, _ in router.registry})

CASES = sorted(
    {
        (url, name)
        for url, filterset_class in {**SITE_SURFACES, **API_SURFACES}.items()
        for name in (query_parameters(filterset_class) if filterset_class else []) + GENERIC_PARAMETERS
    }
)


@pytest.fixture
def record(db):
    agreement = f.agreement("india-peru", ("IND", "PER"))
    round_obj = f.round_(agreement, 9, venue=f.venue())
    f.progress(round_obj, "ROO")
    f.note(round_obj, "public", chapter_code="ROO")
    f.source()


def get(client, url: str, name: str, value: str):
    separator = "" if url.endswith(("?", "&")) else "?"
    return client.get(f"{url}{separator}", {name: value}) if not separator else client.get(url, {name: value})


def test_every_surface_and_parameter_is_covered():
    assert len(CASES) > 150
    assert ("/api/rounds/", "start_after") in CASES and ("/rounds/", "party") in CASES


# Every parameter once with each sweep value, then hypothesis mixes the hostile values (and
# random text) over them: about a minute on two cores.
SWEEP_VALUES = ["%(x)s %d {0} \x01\x7f " + "x" * 10_000, "9" * 25]


def test_every_parameter_takes_the_sweep_values(record):
    client = Client()
    failures = []
    for url, name in CASES:
        for value in SWEEP_VALUES:
            response = client.get(url.split("?")[0], {**dict_of(url), name: value})
            if response.status_code not in (200, 302, 400, 404):  # 302: a page past the last
                failures.append((url, name, value[:20], response.status_code))
    assert failures == []


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(case=st.sampled_from(CASES), value=st.sampled_from(HOSTILE_VALUES) | st.text(max_size=40))
def test_no_hostile_filter_value_makes_a_server_error(record, case, value):
    url, name = case
    response = Client().get(url.split("?")[0], {**dict_of(url), name: value})
    assert response.status_code < 500, (url, name, value[:50], response.status_code)
    assert response.status_code in (200, 302, 400, 404), (url, name, value[:50], response.status_code)


def dict_of(url: str) -> dict[str, str]:
    query = url.partition("?")[2]
    return dict(part.split("=", 1) for part in query.split("&") if "=" in part)


@pytest.mark.parametrize(
    "url",
    [
        "/api/rounds/?start_after=%25",
        "/api/chapter-progress/?start_after=%25d",
        "/api/status-events/?date_after=%25s",
        "/api/sources/?published_before=%25(x)s",
        "/rounds/?party=%00",
        "/agreements/?party=%00",
        "/rounds/?host_country=%00",
        "/chapters/%00/",
        "/api/rounds/?agreement=%00",
        "/rounds/?start_after=2025-13-45",
        "/api/rounds/?ordering=nope",
    ],
)
def test_the_reported_failures_answer_400_with_a_message(record, url):
    response = Client().get(url)
    assert response.status_code == 400
    assert response.content.strip()


def test_an_api_write_with_a_nul_or_control_character_names_the_field(record):
    client = APIClient()
    client.force_authenticate(f.user("curator", role=roles.CURATOR))
    cases = [
        ("/api/chapters/", {"code": "A\x00B", "name": "x"}, "code"),
        ("/api/chapters/", {"code": "ABC", "name": "bell\x07"}, "name"),
        ("/api/rounds/", {"agreement": "india-peru\x00", "number": 10}, "agreement"),
        ("/api/notes/", {"round": Round.objects.get().pk, "text": "a\x00b"}, "text"),
    ]
    for url, data, field in cases:
        response = client.post(url, data, format="json")
        assert response.status_code == 400, (url, response.content)
        assert field in response.json(), response.json()
    assert not Chapter.objects.filter(code__in=["A\x00B".replace("\x00", ""), "ABC"]).exists()
    # Tabs and line breaks are text, not control characters.
    response = client.post("/api/chapters/", {"code": "TAB", "name": "a\tb\nc"}, format="json")
    assert response.status_code == 201, response.content


# --- Import files ---------------------------------------------------------------------------

HEADER = b"agreement,number,kind,title,city,country,format,start_date,end_date,status,summary,source_url\n"
GOOD_ROW = b"india-peru,1,,,,,,2017,,held,,\n"
JSON_WITH_NUL = json.dumps(
    [
        {
            **dict.fromkeys(HEADER.decode().strip().split(","), ""),
            "agreement": "india-peru",
            "number": "1",
            "start_date": "2017",
            "status": "held",
            "summary": "a\x00b",
        }
    ]
).encode()


@pytest.mark.parametrize(
    ("data", "filename", "line", "says"),
    [
        (HEADER + GOOD_ROW + b"india-peru,2,,,,,,2017,,held,a\x00b,\n", "rounds.csv", 3, "NUL"),
        (HEADER + GOOD_ROW + b"india-peru,2,,,,,,2017,,held,bell\x07,\n", "rounds.csv", 3, "Control characters"),
        (HEADER + GOOD_ROW + b"india-peru,2,,,,,,2017,,held,caf\xe9,\n", "rounds.csv", 3, "not UTF-8"),
        (JSON_WITH_NUL, "rounds.json", 1, "NUL"),
        (b"[\n" + b"[" * 100_000 + b"]" * 100_000 + b"\n]", "rounds.json", 2, "Nested"),
    ],
)
def test_a_hostile_import_file_is_refused_with_its_line_and_nothing_is_written(record, data, filename, line, says):
    Round.objects.all().delete()
    for dry_run in (True, False):
        report = run_import(kind="rounds", data=data, filename=filename, dry_run=dry_run)
        assert report.errors, report.summary()
        assert any(error.line == line and says in error.message for error in report.errors), report.errors
    assert Round.objects.count() == 0


def test_the_admin_import_page_refuses_a_nul_byte(record):
    from django.core.files.uploadedfile import SimpleUploadedFile

    Round.objects.all().delete()
    client = Client()
    client.force_login(f.user("curator", role=roles.CURATOR))
    data = HEADER + GOOD_ROW + b"india-peru,2,,,,,,2017,,held,a\x00b,\n"
    response = client.post("/admin/import/", {"kind": "rounds", "file": SimpleUploadedFile("rounds.csv", data)})
    assert response.status_code == 400
    assert "NUL characters are not allowed." in response.content.decode()
    assert Round.objects.count() == 0


def test_a_deep_json_body_to_the_api_is_a_400(record):
    client = APIClient()
    client.force_authenticate(f.user("curator", role=roles.CURATOR))
    body = json.dumps({"code": "DEEP", "name": "x"})[:-1] + ', "extra": ' + "[" * 50_000 + "]" * 50_000 + "}"
    response = client.post("/api/chapters/", body, content_type="application/json")
    assert response.status_code == 400
