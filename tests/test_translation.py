"""The chapter catalog in English and Spanish (django-modeltranslation) and agreements' official
Spanish names: stored with the record, shipped in the seed, edited in the admin, audited."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from negotiations import roles
from negotiations.models import Agreement, Chapter
from tests import factories as f
from tests.test_admin import save_in_admin

pytestmark = pytest.mark.django_db


def test_a_chapter_reads_its_name_in_the_current_language_with_english_as_fallback():
    roo = f.chapter("ROO", name_en="Rules of Origin", name_es="Reglas de origen")
    crm = f.chapter("CRM", name_en="Critical Minerals")
    with translation.override("es"):
        assert (roo.name, crm.name) == ("Reglas de origen", "Critical Minerals")
        assert str(roo) == "ROO — Reglas de origen"
    with translation.override("en"):
        assert roo.name == "Rules of Origin"


def test_saving_in_spanish_keeps_the_untranslated_column_english():
    """Language-neutral reads (exports, ``chapter__name`` across relations) read that column."""
    roo = f.chapter("ROO", name_en="Rules of Origin", name_es="Reglas de origen")
    with translation.override("es"):
        roo.order = 31
        roo.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, name_en, name_es FROM negotiations_chapter WHERE code = 'ROO'")
        assert cursor.fetchone() == ("Rules of Origin", "Rules of Origin", "Reglas de origen")


def test_the_seed_ships_every_chapter_in_spanish_with_the_same_codes(seeded):
    chapters = {c.code: c for c in Chapter.objects.all()}
    assert all(c.name_es and c.name_en and c.name_es != c.name_en for c in chapters.values())
    expected = {
        "ROO": "Reglas de origen y procedimientos de origen",
        "TBT": "Obstáculos técnicos al comercio",
        "SPS": "Medidas sanitarias y fitosanitarias",
        "DS": "Solución de controversias",
        "CRM": "Minerales críticos",
    }
    assert {code: chapters[code].name_es for code in expected} == expected
    assert chapters["ROO"].name_en == "Rules of Origin and Origin Procedures"


def test_the_seed_ships_official_spanish_agreement_names(seeded):
    names = dict(Agreement.objects.values_list("slug", "spanish_name"))
    assert names["mexico-peru-tia"] == "Acuerdo de Integración Comercial Perú–México"
    assert names["india-peru-ta"] == ""  # no official Spanish name recorded: none invented


def test_the_seed_is_idempotent_with_translations(seeded):
    from django.core.management import call_command

    roo = Chapter.objects.get(code="ROO")
    history = roo.history.count()
    call_command("seed", verbosity=0)
    assert roo.history.count() == history


@pytest.fixture
def curator_client(client, seeded):
    client.force_login(f.user("curator", role=roles.CURATOR))
    return client


def test_curators_edit_both_languages_in_the_admin_and_the_change_is_audited(curator_client):
    roo = Chapter.objects.get(code="ROO")
    url = reverse("admin:negotiations_chapter_change", args=[roo.pk])
    page = curator_client.get(url).content.decode()
    assert 'name="name_en"' in page and 'name="name_es"' in page
    save_in_admin(curator_client, url, name_es="Reglas de origen", description_es="Origen de las mercancías.")
    roo.refresh_from_db()
    assert (roo.name_es, roo.description_es) == ("Reglas de origen", "Origen de las mercancías.")
    assert roo.history.first().name_es == "Reglas de origen"
    assert roo.history.first().name == "Rules of Origin and Origin Procedures"


def test_the_agreement_page_shows_the_official_spanish_name_to_spanish_readers(client, seeded):
    url = reverse("agreement-detail", args=["mexico-peru-tia"])
    spanish = client.get(url, headers={"accept-language": "es"}).content.decode()
    assert "<h1>Acuerdo de Integración Comercial Perú–México</h1>" in spanish
    assert '<p class="subtitle" lang="en">Mexico–Peru Trade Integration Agreement</p>' in spanish
    english = client.get(url, headers={"accept-language": "en"}).content.decode()
    assert "<h1>Mexico–Peru Trade Integration Agreement</h1>" in english
