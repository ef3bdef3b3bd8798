"""The language machinery: which language a reader gets, the switcher, and caches keyed on it."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.test_views import build_india_peru


@pytest.fixture
def site(db):
    return build_india_peru()


def html_lang(response) -> str:
    text = response.content.decode()
    return text.split('<html lang="', 1)[1].split('"', 1)[0]


def test_english_without_a_choice_or_a_preference(client, site):
    response = client.get("/")
    assert html_lang(response) == "en"
    assert response.headers["Content-Language"] == "en"


def test_accept_language_picks_spanish(client, site):
    response = client.get("/", headers={"accept-language": "es-PE,es;q=0.9,en;q=0.5"})
    assert html_lang(response) == "es"


def test_unsupported_accept_language_falls_back_to_english(client, site):
    assert html_lang(client.get("/", headers={"accept-language": "de-DE,fr;q=0.8"})) == "en"


def test_the_cookie_wins_over_accept_language(client, site):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert html_lang(client.get("/", headers={"accept-language": "es"})) == "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    assert html_lang(client.get("/", headers={"accept-language": "en"})) == "es"


def test_switcher_posts_to_set_language_with_the_full_current_path(client, site):
    path = "/rounds/?party=PER&status=held&sort=-date"
    html = client.get(path).content.decode()
    form = html.split('class="language-switch"', 1)[1].split("</form>", 1)[0]
    assert f'action="{reverse("set_language")}"' in form
    assert 'name="next" value="/rounds/?party=PER&amp;status=held&amp;sort=-date"' in form
    # No per-visitor token, so that any anonymous reader may get the page from a shared cache.
    assert 'name="csrfmiddlewaretoken"' not in form
    assert 'value="es" lang="es"' in form and "Español" in form
    assert 'value="en" lang="en" aria-current="true"' in form
    assert "<script" not in form


def test_switching_needs_no_csrf_token(site):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    response = browser.post(reverse("set_language"), {"language": "es", "next": "/rounds/"})
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "es"


def test_switching_keeps_the_page_and_its_filters(client, site):
    path = "/rounds/?party=PER&status=held"
    response = client.post(reverse("set_language"), {"language": "es", "next": path})
    assert response.status_code == 302
    assert response.headers["Location"] == path
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert html_lang(client.get(path)) == "es"
    back = client.post(reverse("set_language"), {"language": "en", "next": path})
    assert back.headers["Location"] == path
    assert html_lang(client.get(path)) == "en"


def test_switching_refuses_to_redirect_off_site(client, site):
    response = client.post(reverse("set_language"), {"language": "es", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("path", ["/", "/agreements/", "/rounds/", "/chapters/", "/agreements/india-peru-ta/"])
def test_pages_vary_on_language_inputs(client, site, path):
    """Shared caches must key a page on what picks its language: the header and the cookie."""
    vary = {part.strip().lower() for part in client.get(path).headers["Vary"].split(",")}
    assert {"accept-language", "cookie"} <= vary


def test_urls_are_the_same_in_both_languages(client, site):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.get("/agreements/india-peru-ta/")
    assert response.status_code == 200
    assert client.get("/es/agreements/india-peru-ta/").status_code == 404


API_AND_EXPORTS = [
    "/api/agreements/",
    "/api/chapters/",
    "/api/rounds/",
    "/api/chapter-progress/",
    "/api/notes/",
    "/api/status-events/",
    "/api/parties/?code=PER",
    "/api/sources/",
    "/api/rounds/?format=csv",
    "/rounds/?format=csv",
    "/rounds/?format=json",
    "/agreements/?format=csv",
    "/chapters/?format=csv",
    "/api/export/rounds.csv",
    "/agreements/india-peru-ta/export.json",
]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_api_and_exports_are_the_same_in_both_languages(client, seeded):
    """Codes, ISO dates and English names and column names, whoever asks (one seed, every path)."""
    for path in API_AND_EXPORTS:
        english = client.get(path, headers={"accept-language": "en"})
        spanish = client.get(path, headers={"accept-language": "es"})
        assert english.status_code == spanish.status_code == 200, path
        assert body(english) == body(spanish), path


def test_the_api_gives_both_chapter_names_as_fields_of_their_own(client, seeded):
    rows = client.get("/api/chapters/?code=ROO", headers={"accept-language": "es"}).json()["results"]
    roo = next(row for row in rows if row["code"] == "ROO")
    assert roo["name"] == "Rules of Origin and Origin Procedures"
    assert roo["name_es"] == "Reglas de origen y procedimientos de origen"


def test_timeline_coordinates_are_never_localised(client, site):
    """Spanish writes 12,5: an SVG coordinate written that way breaks the drawing."""
    html = client.get("/agreements/india-peru-ta/", headers={"accept-language": "es"}).content.decode()
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    numbers = re.findall(r'\b(?:x|x1|x2|width|viewBox)="([^"]*)"', svg)
    assert numbers and not any("," in value for value in numbers)
