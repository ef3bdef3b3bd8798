"""Party names in the reader's language, without a database query.

Countries: pycountry ships the ISO 3166-1 names' translations as gettext catalogs; a country's
name is translated by its code from there (its common name where it has one: "Corea del Sur",
not "Corea, República de"). Blocs: by hand, as the region's ministries write them. A name a
curator changed is not pycountry's any more and is shown as the curator wrote it.
"""

import gettext
from functools import cache

import pycountry
from django.utils.translation import get_language

BLOC_NAMES = {
    "es": {
        "ALADI": "ALADI",
        "ANDEAN": "Comunidad Andina",
        "ASEAN": "ASEAN",
        "EFTA": "AELC",
        "EU": "Unión Europea",
        "GCC": "Consejo de Cooperación del Golfo",
        "MERCOSUR": "MERCOSUR",
        "PA": "Alianza del Pacífico",
    },
}


def english_country_name(country) -> str:
    """The English name the seed stores for a pycountry country (see seeding.seed_countries)."""
    return getattr(country, "common_name", None) or country.name


@cache
def country_names(language: str) -> dict[str, tuple[str, str]]:
    """alpha-3 code → (English name, name in ``language``), read once per process and language."""
    try:
        catalog = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except FileNotFoundError:
        catalog = gettext.NullTranslations()
    names = {}
    for country in pycountry.countries:
        english = english_country_name(country)
        names[country.alpha_3] = (english, catalog.gettext(english))
    return names


def party_name(code: str, name: str, is_bloc: bool, language: str | None = None) -> str:
    """The party's name in ``language`` (default: the active one), else its stored name."""
    language = (language or get_language() or "en").split("-")[0]
    if language == "en":
        return name
    if is_bloc:
        return BLOC_NAMES.get(language, {}).get(code, name)
    english, translated = country_names(language).get(code, (None, None))
    return translated if english == name else name
