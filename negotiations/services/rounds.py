"""Venues, where rounds meet, typed as a city, a country and a named place."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import Party, Venue
from .common import history_stamp


def venue_get_or_create(*, city: str, country: Party, place: str = "", user=None) -> Venue:
    """The venue for ``city`` in ``country`` (and named place), created once and reused."""
    found = Venue.objects.filter(city__iexact=city.strip(), country=country, place__iexact=place.strip())
    venue = found.first()
    if venue is None:
        venue = Venue(city=city.strip(), country=country, place=place.strip())
        venue.full_clean()
        history_stamp(venue, user=user)
        try:
            with transaction.atomic():  # a savepoint: a colleague may create the same venue now
                venue.save()
        except IntegrityError:
            venue = found.get()
    return venue


def venue_resolve(*, city: str = "", country: Party | None = None, place: str = "", user=None) -> Venue | None:
    """Where a round met, from the city, country and named place typed in any door; None if no
    city and no country. A city needs its country and a country its city (keys ``city``,
    ``country``, ``place`` in the ``ValidationError``)."""
    city, place = (city or "").strip(), (place or "").strip()
    if not city and country is None:
        if place:
            raise ValidationError({"place": _("A named place needs a city and a country.")})
        return None
    if country is None:
        raise ValidationError({"country": _("Say which country the city is in.")})
    if not city:
        raise ValidationError({"city": _("Give the city when the country is given.")})
    return venue_get_or_create(city=city, country=country, place=place, user=user)
