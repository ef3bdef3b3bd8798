"""The pages in Spanish: every page a Peruvian official or researcher uses, with Spanish text,
Spanish vocabularies and dates in Spanish at the record's precision ("3–5 nov 2025", "ago 2017")."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from negotiations import roles
from negotiations.choices import NoteLanguage, Visibility
from negotiations.models import Chapter, ProgressNote
from tests import factories as f
from tests.test_views import build_india_peru, text_of

# English words that must never reach a Spanish page (interface words, not proper names).
ENGLISH_LEFTOVERS = [
    ">Agreements<",
    ">Rounds<",
    "Search the tracker",
    "Skip to content",
    "Under negotiation",
    "Substantial progress",
    " Nov 2025",
    "Aug 2017",
    "Sign in<",
    "Status timeline",
]


@pytest.fixture
def site(db):
    return build_india_peru()


@pytest.fixture
def spanish(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


def page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    html = text_of(response)
    assert '<html lang="es">' in html
    for word in ENGLISH_LEFTOVERS:
        assert word not in html, (url, word)
    return html


def test_home(spanish, site):
    html = page(spanish, "/")
    assert "Negociaciones comerciales, ronda por ronda" in html
    assert "Próximas rondas" in html and "Rondas recientes" in html
    assert "3–5 nov 2025" in html
    assert "En negociación" in html


def test_agreement_list(spanish, site):
    html = page(spanish, "/agreements/")
    assert "Acuerdos comerciales en negociación o en vigor" in html
    assert "1 acuerdo" in html
    assert "Acuerdo de Libre Comercio" in html  # the kind filter's vocabulary
    assert "Perú (PER)" in html  # the party filter: country names in Spanish


def test_round_list(spanish, site):
    html = page(spanish, "/rounds/?party=PER")
    assert "Rondas de negociación" in html
    assert "Ronda 9" in html and "Lima, Perú" in html
    assert "3–5 nov 2025" in html and "ago 2017" in html and "ene 2027" in html
    assert "Realizada" in html and "Prevista" in html


def test_chapter_list_and_chapter(spanish, site):
    html = page(spanish, "/chapters/")
    assert "Capítulos" in html and "3 capítulos" in html
    html = page(spanish, "/chapters/ROO/")
    assert "Dónde ha estado sobre la mesa" in html
    assert "Abordado en 1 ronda; se muestra el último estado." in html
    assert "Avance sustancial" in html and "3–5 nov 2025" in html


def test_agreement_page_timeline_matrix_and_stage_meter(spanish, site):
    html = page(spanish, "/agreements/india-peru-ta/")
    # Stage meter
    for stage in ("Propuesto", "Iniciado", "En negociación", "Concluido", "Suscrito", "En vigor", "Finalizado"):
        assert f"</span> {stage}\n" in html, stage
    assert "Etapa 3 de 7 del ciclo de vida" in html
    # Timeline with its legend, dates at their precision
    assert "Cronología" in html
    assert "Estado: En negociación" in html and "Ronda: Realizada" in html and "Ronda: Prevista" in html
    assert "forma ancha: fecha conocida solo hasta el mes" in html
    assert "Negociaciones iniciadas" in html and "18 ene 2017" in html and "ago 2017" in html
    assert "Propuesto — 2012" in html
    # Matrix
    assert "Capítulos × rondas" in html and "Leyenda de colores" in html
    assert "Avance sustancial" in html and "Textos intercambiados" in html
    assert "Partes" in html and ">Perú<" in html


def test_round_page(spanish, site):
    html = page(spanish, reverse("round-detail", args=[site["r9"].pk]))
    assert "Ronda 9" in html and "3–5 nov 2025" in html
    assert "Lima, Perú" in html
    assert "Notas sobre la ronda" in html


def test_search_finds_the_chapter_by_its_spanish_name(spanish, site):
    Chapter.objects.filter(code="ROO").update(name_es="Reglas de origen y procedimientos de origen")
    html = page(spanish, "/search/?q=reglas+de+origen")
    assert "resultado para «reglas de origen»" in html
    assert re.search(r'hit-kind">Capítulo</span>\s*<a href="/chapters/ROO/">ROO — ', html)


def test_an_english_note_on_a_spanish_page_is_shown_as_written_and_marked(spanish, site):
    spanish_note = f.note(site["r9"], "Se avanzó en reglas de origen.", language=NoteLanguage.SPANISH)
    html = page(spanish, reverse("round-detail", args=[site["r9"].pk]))
    english = site["public_note"]
    assert f'<div class="note-text" lang="en"><p>{english.text}</p></div>' in html
    assert "Escrita en inglés; se muestra tal como se escribió." in html
    assert f'<div class="note-text" lang="es"><p>{spanish_note.text}</p></div>' in html
    assert html.count("Escrita en inglés") == 1  # the Spanish note carries no marker
    assert "Escrita en español" not in html


@pytest.fixture
def official(site):
    user = f.user("lucia", role=roles.OFFICIAL)
    site["ip"].editors.add(user)
    return user


@pytest.fixture
def official_es(official):
    client = Client()
    client.force_login(official)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    return client


def test_log_a_round_form_and_its_errors(official_es, site):
    url = reverse("round-new", args=["india-peru-ta"])
    html = page(official_es, url)
    assert "Registrar una ronda" in html and "Capítulos abordados" in html
    assert "Fecha de inicio" in html and "Escrita en" in html
    assert '<option value="es" selected>Español</option>' in html  # a new note defaults to the page's language
    response = official_es.post(
        url,
        {
            "number": "11",
            "kind": "numbered",
            "status": "",
            "format": "in_person",
            "start": "2026-02-10",
            "end": "2026-02",
            "venue_city": "Lima",
            "venue_country": "",
            **{
                f"{prefix}-{key}": value
                for prefix in ("chapters", "notes", "sources")
                for key, value in {
                    "TOTAL_FORMS": "1",
                    "INITIAL_FORMS": "0",
                    "MIN_NUM_FORMS": "0",
                    "MAX_NUM_FORMS": "1000",
                }.items()
            },
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "No se guardó nada." in html
    assert "Escriba la fecha de término con la misma precisión que la de inicio." in html
    assert "Este campo es obligatorio." in html  # the empty status (Django's own Spanish message)


def test_a_note_written_in_spanish_is_stored_with_its_language(official_es, site):
    url = reverse("note-edit", args=[site["public_note"].pk])
    html = page(official_es, url)
    assert "Editar una nota" in html
    note = site["public_note"]
    response = official_es.post(
        url,
        {"version": note.version, "text": "Texto en español.", "visibility": Visibility.PUBLIC, "language": "es"},
    )
    assert response.status_code == 302
    note = ProgressNote.objects.get(pk=note.pk)
    assert (note.text, note.language) == ("Texto en español.", "es")


def test_conflict_page(official_es, site):
    note = site["public_note"]
    url = reverse("note-edit", args=[note.pk])
    stale = note.version
    official_es.post(url, {"version": stale, "text": "Primera versión.", "visibility": "public", "language": "es"})
    response = official_es.post(url, {"version": stale, "text": "Segunda versión.", "visibility": "public"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Otra persona guardó esto mientras usted editaba" in html
    assert re.search(r"Guardado por última vez por lucia el \d{1,2} [a-z]{3} \d{4}, \d\d:\d\d \(UTC\)\.", html)
    assert "Lo que usted escribió" in html and "Guardado ahora" in html


def test_history_page(official_es, site):
    note = site["public_note"]
    official_es.post(
        reverse("note-edit", args=[note.pk]),
        {"version": note.version, "text": "Cambio.", "visibility": "public", "language": "es", "reason": "prueba"},
    )
    html = page(official_es, reverse("agreement-history", args=["india-peru-ta"]))
    assert "Cambios, el más reciente primero" in html
    assert "Cuándo (UTC)" in html and "Quién" in html
    assert "modificado" in html
    assert re.search(r"\d{1,2} [a-z]{3} \d{4}, \d\d:\d\d", html)


def test_feed_and_calendar_titles_follow_the_language(client, site):
    feed = text_of(client.get("/feeds/rounds.atom", headers={"accept-language": "es"}))
    assert "<title>Rondas de negociación — seguimiento de negociaciones comerciales</title>" in feed
    assert 'xml:lang="es"' in feed
    calendar = text_of(client.get("/calendar/rounds.ics", headers={"accept-language": "es"}))
    assert "X-WR-CALNAME:Rondas de negociación previstas" in calendar


def test_party_choices_are_in_the_order_of_their_spanish_names(spanish, site):
    from negotiations.choices import PartyKind

    f.party("PA", "Pacific Alliance", kind=PartyKind.BLOC)
    f.agreement("pa-test", ("PA", "PER"))
    html = page(spanish, "/agreements/")
    select = html.split('name="party"', 1)[1].split("</select>", 1)[0]
    labels = re.findall(r">([^<]+ \([A-Z]+\))</option>", select)
    assert labels == ["Alianza del Pacífico (PA)", "India (IND)", "Perú (PER)"]
