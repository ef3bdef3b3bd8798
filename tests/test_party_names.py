"""Party names in the reader's language: countries from pycountry's catalogs, blocs by hand."""

import pytest
from django.utils import translation

from negotiations.choices import PartyKind
from negotiations.party_names import party_name
from tests import factories as f


@pytest.mark.parametrize(
    ("code", "english", "spanish"),
    [
        ("PER", "Peru", "Perú"),
        ("MEX", "Mexico", "México"),
        ("KOR", "South Korea", "Corea del Sur"),
        ("PHL", "Philippines", "Filipinas"),
    ],
)
def test_countries_in_spanish_from_pycountry(code, english, spanish):
    assert party_name(code, english, False, "es") == spanish
    assert party_name(code, english, False, "en") == english


@pytest.mark.parametrize(
    ("code", "english", "spanish"),
    [
        ("PA", "Pacific Alliance", "Alianza del Pacífico"),
        ("ANDEAN", "Andean Community", "Comunidad Andina"),
        ("MERCOSUR", "MERCOSUR", "MERCOSUR"),
        ("ALADI", "ALADI", "ALADI"),
        ("EFTA", "EFTA", "AELC"),
        ("EU", "European Union", "Unión Europea"),
        ("ASEAN", "ASEAN", "ASEAN"),
        ("GCC", "Gulf Cooperation Council", "Consejo de Cooperación del Golfo"),
    ],
)
def test_blocs_in_spanish_by_hand(code, english, spanish):
    assert party_name(code, english, True, "es") == spanish


def test_a_name_a_curator_changed_is_kept_as_written():
    assert party_name("PER", "Republic of Peru", False, "es") == "Republic of Peru"
    assert party_name("XYZ", "Somewhere", False, "es") == "Somewhere"


def test_every_shipped_bloc_has_a_spanish_name():
    import json

    from negotiations.party_names import BLOC_NAMES
    from negotiations.seeding import FIXTURES

    codes = {bloc["code"] for bloc in json.loads((FIXTURES / "blocs.json").read_text())["blocs"]}
    assert codes <= set(BLOC_NAMES["es"])


@pytest.mark.django_db
def test_spanish_names_cost_no_query(django_assert_num_queries):
    peru = f.party("PER", "Peru")
    alliance = f.party("PA", "Pacific Alliance", kind=PartyKind.BLOC)
    venue = f.venue("Lima", "PER")
    venue = type(venue).objects.select_related("country").get(pk=venue.pk)
    with translation.override("es"), django_assert_num_queries(0):
        assert (peru.local_name, alliance.local_name, str(peru)) == ("Perú", "Alianza del Pacífico", "Perú (PER)")
        assert str(venue) == "Lima, Perú"
