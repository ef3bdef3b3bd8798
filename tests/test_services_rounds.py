"""Round, venue, chapter progress and note services."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from negotiations import services
from negotiations.choices import ProgressStatus, RoundFormat
from negotiations.models import Round, Venue
from tests import factories

pytestmark = pytest.mark.django_db


def test_venues_are_reused_case_insensitively():
    peru = factories.party("PER")
    first = services.venue_get_or_create(city="Lima", country=peru)
    second = services.venue_get_or_create(city=" lima ", country=peru)
    assert first.pk == second.pk
    assert Venue.objects.count() == 1


def test_a_venue_is_the_same_city_country_and_named_place():
    peru, chile = factories.party("PER"), factories.party("CHL")
    lima = services.venue_get_or_create(city="Lima", country=peru)
    assert (lima.city, lima.country, lima.place) == ("Lima", peru, "")
    named = services.venue_get_or_create(city=" Lima ", country=peru, place=" Swissotel ")
    assert (named.city, named.place) == ("Lima", "Swissotel")  # stored as typed, trimmed
    assert services.venue_get_or_create(city="lima", country=peru, place="SWISSOTEL").pk == named.pk
    assert services.venue_get_or_create(city="Cusco", country=peru).pk not in {lima.pk, named.pk}
    # A city of the same name in another country is another venue.
    assert services.venue_get_or_create(city="Lima", country=chile).country == chile
    assert Venue.objects.count() == 4


def test_a_new_venue_records_who_created_it():
    official = factories.user()
    venue = services.venue_get_or_create(city="Lima", country=factories.party("PER"), user=official)
    assert venue.history.get().history_user == official


def test_a_venue_a_colleague_creates_meanwhile_is_reused(monkeypatch):
    """The colleague's insert lands between our lookup and ours: the database's unique
    constraint refuses ours, and the colleague's venue is returned, not an error."""
    peru = factories.party("PER")
    validate = Venue.full_clean

    def colleague_inserts_after_our_lookup(venue, *args, **kwargs):
        validate(venue, *args, **kwargs)
        Venue.objects.create(city="Lima", country=peru, place="")

    monkeypatch.setattr(Venue, "full_clean", colleague_inserts_after_our_lookup)
    venue = services.venue_get_or_create(city="Lima", country=peru)
    assert venue.pk == Venue.objects.get().pk


def test_round_upsert_finds_by_number_and_validates_before_writing():
    agreement = factories.agreement()
    round_, created = services.round_upsert(agreement=agreement, number=9, start_date=dt.date(2025, 11, 3))
    assert created
    same, created = services.round_upsert(agreement=agreement, number=9, start_date=dt.date(2025, 11, 3))
    assert not created and same.pk == round_.pk
    with pytest.raises(ValidationError):
        services.round_upsert(
            agreement=agreement, number=9, start_date=dt.date(2025, 11, 5), end_date=dt.date(2025, 11, 3)
        )
    round_.refresh_from_db()
    assert round_.end_date is None  # the invalid update wrote nothing


def test_round_upsert_bumps_the_version_and_refuses_stale_updates():
    agreement = factories.agreement()
    round_, _ = services.round_upsert(agreement=agreement, number=1, summary="a")
    services.round_upsert(agreement=agreement, number=1, summary="b", expected_version=1)
    with pytest.raises(services.ConcurrencyConflict):
        services.round_upsert(agreement=agreement, number=1, summary="c", expected_version=1)
    assert Round.objects.get(pk=round_.pk).summary == "b"


def test_virtual_round_with_a_venue_is_refused():
    agreement = factories.agreement()
    with pytest.raises(ValidationError):
        services.round_upsert(
            agreement=agreement, number=1, format=RoundFormat.VIRTUAL, venue=factories.venue("Lima", "PER")
        )


def test_chapter_progress_is_one_row_per_round_and_chapter():
    round_ = factories.round_()
    chapter = factories.chapter("CRM")
    first, created = services.chapter_progress_set(round=round_, chapter=chapter, status=ProgressStatus.TEXT_EXCHANGED)
    second, created_again = services.chapter_progress_set(round=round_, chapter=chapter, status=ProgressStatus.CLOSED)
    assert created and not created_again and first.pk == second.pk
    second.refresh_from_db()
    assert second.status == ProgressStatus.CLOSED


def test_note_add_records_author_and_history_user():
    official = factories.user()
    note = services.note_add(round=factories.round_(), text="Intersessional agreed.", user=official)
    assert note.author == official
    assert note.history.latest().history_user == official


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        ({"place": "Hyderabad House"}, {"place": ["A named place needs a city and a country."]}),
        ({"city": "Lima"}, {"country": ["Say which country the city is in."]}),
        ({"country": "PER"}, {"city": ["Give the city when the country is given."]}),
    ],
)
def test_a_venue_needs_both_its_city_and_its_country(given, errors):
    if "country" in given:
        given = {**given, "country": factories.party(given["country"])}  # not the shared parameter
    with pytest.raises(ValidationError) as caught:
        services.venue_resolve(**given)
    assert caught.value.message_dict == errors
    assert not Venue.objects.exists()


def test_a_round_without_city_country_or_place_has_no_venue():
    assert services.venue_resolve() is None
    assert services.venue_resolve(city=" ", place=None) is None


def test_a_resolved_venue_keeps_its_named_place_and_who_created_it():
    official = factories.user()
    venue = services.venue_resolve(city="Lima", country=factories.party("PER"), place=" Swissotel ", user=official)
    assert (venue.city, venue.place) == ("Lima", "Swissotel")
    assert venue.history.get().history_user == official
