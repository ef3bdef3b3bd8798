"""The API serializers' own rules, through the serializers: what they accept and turn into
validated data, what they refuse and with which message, and how they show a record."""

import datetime as dt

import pytest
from django.utils import translation
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from negotiations.api.serializers import (
    AgreementSerializer,
    ChapterProgressSerializer,
    ChapterSerializer,
    PartySerializer,
    RoundDetailSerializer,
    RoundSerializer,
    SourceSerializer,
    StatusEventSerializer,
)
from negotiations.choices import DatePrecision, PartyKind, ProgressStatus, RoundFormat, RoundKind, RoundStatus
from negotiations.models import UNKNOWN_CHAPTER_MESSAGE, BlocMembership, Chapter, ChapterProgress, Round
from tests import factories as f

pytestmark = pytest.mark.django_db

SAME_PRECISION = "Write the end date with the same precision as the start date."


@pytest.fixture
def alpha():
    return f.agreement(slug="alpha")


def round_serializer(data, instance=None):
    return RoundSerializer(instance=instance, data=data, partial=instance is not None, context={"request": None})


# --- Partial dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("2017", dt.date(2017, 1, 1), DatePrecision.YEAR),
        ("2017-08", dt.date(2017, 8, 1), DatePrecision.MONTH),
        ("2017-08-09", dt.date(2017, 8, 9), DatePrecision.DAY),
    ],
)
def test_a_partial_date_is_read_with_its_precision(alpha, text, value, precision):
    serializer = StatusEventSerializer(data={"agreement": "alpha", "status": "signed", "date": text})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {
        "agreement": alpha,
        "status": "signed",
        "date": value,
        "date_precision": precision,
    }


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("", "This field is required."),
        (2017, "Give the date as text: YYYY, YYYY-MM or YYYY-MM-DD."),
        ("Aug 2017", "“Aug 2017” is not a date; use YYYY, YYYY-MM or YYYY-MM-DD."),
        ("2017-13", "“2017-13” is not a valid calendar date."),
    ],
)
def test_a_required_partial_date_refuses_blank_non_text_and_non_dates_with_one_message(alpha, date, message):
    serializer = StatusEventSerializer(data={"agreement": "alpha", "status": "signed", "date": date})
    assert not serializer.is_valid()
    assert serializer.errors == {"date": [message]}


def test_a_partial_date_message_follows_the_readers_language(alpha):
    with translation.override("es"):
        serializer = StatusEventSerializer(data={"agreement": "alpha", "status": "signed", "date": "2017-13"})
        assert not serializer.is_valid()
        assert serializer.errors == {"date": ["«2017-13» no es una fecha válida del calendario."]}


@pytest.mark.parametrize("blank", ["", None])
def test_an_optional_partial_date_left_blank_or_null_is_no_date(blank):
    serializer = SourceSerializer(data={"url": "https://example.org/a", "title": "A", "published_on": blank})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["published_on"] is None
    assert "published_precision" not in serializer.validated_data


def test_an_optional_partial_date_is_written_to_its_date_and_precision_fields():
    serializer = SourceSerializer(data={"url": "https://example.org/a", "title": "A", "published_on": "2024-03"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["published_on"] == dt.date(2024, 3, 1)
    assert serializer.validated_data["published_precision"] == DatePrecision.MONTH


def test_a_partial_date_is_shown_to_its_precision_and_a_missing_one_as_null():
    dated = f.source(published_on=dt.date(2024, 3, 1), published_precision=DatePrecision.MONTH)
    undated = f.source(published_on=None, published_precision=DatePrecision.DAY)
    assert SourceSerializer(dated).data["published_on"] == "2024-03"
    assert SourceSerializer(undated).data["published_on"] is None


# --- A round's dates -------------------------------------------------------------------------------


def test_a_round_with_both_dates_at_one_precision_is_valid_and_keeps_only_the_rounds_precision(alpha):
    serializer = round_serializer({"agreement": "alpha", "start_date": "2025-11", "end_date": "2025-12"})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {
        "agreement": alpha,
        "start_date": dt.date(2025, 11, 1),
        "date_precision": DatePrecision.MONTH,
        "end_date": dt.date(2025, 12, 1),
    }


@pytest.mark.parametrize(("start", "end"), [("2025-11", "2025-11-30"), ("2025-11-03", "2025-11"), ("2025", "2025-12")])
def test_a_new_rounds_end_date_must_have_the_start_dates_precision(alpha, start, end):
    serializer = round_serializer({"agreement": "alpha", "start_date": start, "end_date": end})
    assert not serializer.is_valid()
    assert serializer.errors == {"end_date": [SAME_PRECISION]}


@pytest.mark.parametrize("start", [None, ""])
def test_an_end_date_without_a_start_date_has_no_precision_to_match(alpha, start):
    """The precision rule compares two dates; an end date alone is the model's rule to refuse."""
    data = {"agreement": "alpha", "end_date": "2025-11-30"}
    if start is not None:
        data["start_date"] = start
    serializer = round_serializer(data)
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["end_date"] == dt.date(2025, 11, 30)
    assert "end_precision" not in serializer.validated_data


def test_a_changed_end_date_is_compared_with_the_rounds_stored_start_date(alpha):
    day = f.round_(alpha, 1, start_date=dt.date(2025, 11, 3), date_precision=DatePrecision.DAY)
    refused = round_serializer({"end_date": "2025-11"}, instance=day)
    assert not refused.is_valid()
    assert refused.errors == {"end_date": [SAME_PRECISION]}
    accepted = round_serializer({"end_date": "2025-11-30"}, instance=day)
    assert accepted.is_valid(), accepted.errors
    assert accepted.validated_data == {"end_date": dt.date(2025, 11, 30)}


def test_a_changed_end_date_of_a_round_without_a_start_date_has_nothing_to_match(alpha):
    undated = f.round_(alpha, 1, start_date=None, end_date=None, date_precision=DatePrecision.DAY)
    serializer = round_serializer({"end_date": "2026"}, instance=undated)
    assert serializer.is_valid(), serializer.errors


def test_a_start_date_sent_with_the_end_date_wins_over_the_stored_one(alpha):
    day = f.round_(alpha, 1, start_date=dt.date(2025, 11, 3), date_precision=DatePrecision.DAY)
    moved = round_serializer({"start_date": "2026-01", "end_date": "2026-02"}, instance=day)
    assert moved.is_valid(), moved.errors
    cleared = round_serializer({"start_date": None, "end_date": "2026-02"}, instance=day)
    assert cleared.is_valid(), cleared.errors
    mismatched = round_serializer({"start_date": "2026-01", "end_date": "2026-01-31"}, instance=day)
    assert not mismatched.is_valid()
    assert mismatched.errors == {"end_date": [SAME_PRECISION]}


def test_a_cleared_end_date_needs_no_precision(alpha):
    day = f.round_(alpha, 1, start_date=dt.date(2025, 11, 3), date_precision=DatePrecision.DAY)
    serializer = round_serializer({"end_date": None}, instance=day)
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {"end_date": None}


# --- A round as shown ------------------------------------------------------------------------------


def test_a_round_shows_its_venue_as_city_country_and_place_in_the_fields_order(alpha):
    met = f.round_(alpha, 1, venue=f.venue("Lima", "PER", "Miraflores"))
    unmet = f.round_(alpha, 2, start_date=None, end_date=None)
    shown = RoundSerializer(met, context={"request": None}).data
    assert list(shown) == RoundSerializer.Meta.fields
    assert (shown["city"], shown["country"], shown["place"]) == ("Lima", "PER", "Miraflores")
    bare = RoundSerializer(unmet, context={"request": None}).data
    assert list(bare) == RoundSerializer.Meta.fields
    assert (bare["city"], bare["country"], bare["place"]) == ("", "", "")
    assert (bare["start_date"], bare["end_date"]) == (None, None)
    assert shown["url"] == f"/api/rounds/{met.pk}/"


def test_a_rounds_chapters_are_shown_with_their_english_name_in_every_language(alpha):
    met = f.round_(alpha, 1)
    f.chapter("TIG", name_en="Trade in goods", name_es="Comercio de mercancías")
    row = f.progress(met, "TIG", status=ProgressStatus.CLOSED, note="Tariff lines")
    met = Round.objects.get(pk=met.pk)
    with translation.override("es"):
        chapters = RoundSerializer(met, context={"request": None}).data["chapters"]
    assert chapters == [
        {
            "id": row.pk,
            "chapter": "TIG",
            "chapter_name": "Trade in goods",
            "status": ProgressStatus.CLOSED,
            "note": "Tariff lines",
            "version": row.version,
        }
    ]


# --- Codes, slugs and fields fixed after creation ---------------------------------------------------


def test_codes_and_slugs_are_read_in_any_case_and_spacing(alpha):
    f.chapter("ROO")
    met = f.round_(alpha, 1)
    serializer = ChapterProgressSerializer(
        data={"round": met.pk, "chapter": " roo ", "status": ProgressStatus.CLOSED}, context={"request": None}
    )
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["chapter"] == Chapter.objects.get(code="ROO")
    rounds = round_serializer({"agreement": " ALPHA "})
    assert rounds.is_valid(), rounds.errors
    assert rounds.validated_data["agreement"] == alpha


def test_an_unknown_or_non_text_code_is_refused_with_the_catalogs_message(alpha):
    met = f.round_(alpha, 1)
    for given, shown in [("xyz", "XYZ"), (5, "5")]:
        serializer = ChapterProgressSerializer(
            data={"round": met.pk, "chapter": given, "status": ProgressStatus.CLOSED}, context={"request": None}
        )
        assert not serializer.is_valid()
        assert serializer.errors == {"chapter": [f"{UNKNOWN_CHAPTER_MESSAGE} (“{shown}”)"]}


def test_a_non_text_agreement_slug_is_refused_not_a_crash(alpha):
    serializer = round_serializer({"agreement": 5})
    assert not serializer.is_valid()
    assert list(serializer.errors) == ["agreement"]


def test_a_new_agreements_slug_and_party_codes_are_normalised(alpha):
    serializer = AgreementSerializer(
        data={"slug": "Pacific-Deal", "name": "Pacific deal", "kind": "fta", "parties": ["per", " ind"]},
        context={"request": None},
    )
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["slug"] == "pacific-deal"
    assert sorted(p.code for p in serializer.validated_data["parties"]) == ["IND", "PER"]
    unknown = AgreementSerializer(
        data={"slug": "x", "name": "X", "kind": "fta", "parties": ["zzz"]}, context={"request": None}
    )
    assert not unknown.is_valid()
    assert unknown.errors == {"parties": ["Unknown code “ZZZ”."]}


def test_the_record_an_item_belongs_to_is_fixed_after_creation(alpha):
    f.agreement(slug="beta")
    met = f.round_(alpha, 1)
    moved = round_serializer({"agreement": "beta", "summary": "moved?"}, instance=met)
    assert moved.is_valid(), moved.errors
    assert moved.validated_data == {"summary": "moved?"}
    assert moved.fields["agreement"].read_only
    assert not round_serializer({"agreement": "beta"}).fields["agreement"].read_only
    # A list of records shows the field like any other.
    assert [row["agreement"] for row in RoundSerializer([met], many=True, context={"request": None}).data] == ["alpha"]


# --- Links, labels, names and members -------------------------------------------------------------


def test_a_link_is_absolute_with_a_request_relative_without_and_null_before_saving(alpha):
    f.chapter("ROO")
    row = f.progress(f.round_(alpha, 9), "ROO")
    request = APIRequestFactory().get("/api/chapter-progress/?format=csv")
    assert ChapterProgressSerializer(row, context={"request": request}).data["url"] == (
        f"http://testserver/api/chapter-progress/{row.pk}/"
    )
    assert ChapterProgressSerializer(row, context={"request": None}).data["url"] == f"/api/chapter-progress/{row.pk}/"
    unsaved = ChapterProgress(round=row.round, chapter=row.chapter, status=ProgressStatus.CLOSED)
    assert ChapterProgressSerializer(unsaved, context={"request": None}).data["url"] is None


def test_a_rounds_label_is_english_whatever_the_readers_language(alpha):
    f.chapter("ROO")
    numbered = f.progress(f.round_(alpha, 9), "ROO")
    unnumbered = f.progress(f.round_(alpha, None, kind=RoundKind.MINISTERIAL), "ROO")
    with translation.override("es"):
        assert ChapterProgressSerializer(numbered, context={"request": None}).data["round_label"] == "Round 9"
        assert (
            ChapterProgressSerializer(unnumbered, context={"request": None}).data["round_label"]
            == "Ministerial meeting"
        )


def test_a_missing_english_description_reads_as_blank_text():
    chapter = f.chapter("TIG", name_en="Trade in goods")
    Chapter.objects.filter(pk=chapter.pk).update(description_en=None)
    shown = ChapterSerializer(Chapter.objects.get(pk=chapter.pk)).data
    assert (shown["name"], shown["description"]) == ("Trade in goods", "")
    Chapter.objects.filter(pk=chapter.pk).update(description_en="Goods")
    assert ChapterSerializer(Chapter.objects.get(pk=chapter.pk)).data["description"] == "Goods"


def test_a_bloc_lists_its_members_codes_sorted_and_a_country_none():
    bloc = f.party("PAC", "Pacific Alliance", kind=PartyKind.BLOC)
    for code in ("PER", "CHL", "MEX"):
        BlocMembership.objects.create(bloc=bloc, member=f.party(code))
    assert PartySerializer(bloc).data["members"] == ["CHL", "MEX", "PER"]
    assert PartySerializer(f.party("PER")).data["members"] == []


def walked(serializer, instance) -> dict:
    """What the round serializer wrote before it read its columns directly: DRF's walk over the
    fields, with the venue's city, country and place."""
    data = serializers.ModelSerializer.to_representation(serializer, instance)
    venue = instance.venue
    data.update(city=venue.city if venue else "", country=venue.country.code if venue else "")
    data["place"] = venue.place if venue else ""
    return {name: data[name] for name in serializer.fields if name in data}


@pytest.mark.parametrize("serializer_class", [RoundSerializer, RoundDetailSerializer])
def test_a_round_is_written_as_drfs_walk_over_its_fields_writes_it(serializer_class):
    agreement = f.agreement(slug="india-peru-ta")
    met = f.round_(agreement, 7, venue=f.venue("Lima", "PER", place="Hall <A>"), format=RoundFormat.HYBRID)
    f.progress(met, "ROO")
    f.round_(agreement, 8, format=RoundFormat.VIRTUAL, status=RoundStatus.PLANNED, summary="Tariffs & rules")
    f.round_(
        agreement,
        kind=RoundKind.INTERSESSIONAL,
        title="Talks",
        start_date=dt.date(2025, 3, 1),
        end_date=None,
        date_precision=DatePrecision.MONTH,
    )
    request = Request(APIRequestFactory().get("/api/rounds/"))
    rounds = (
        Round.objects.select_related("agreement", "venue__country")
        .prefetch_related("progress", "citations")
        .order_by("pk")
    )
    for round_obj in rounds:
        round_obj.visible_notes = []
        serializer = serializer_class(round_obj, context={"request": request})
        assert serializer.data == walked(serializer, round_obj)
        assert list(serializer.data) == list(serializer.fields)
    assert [row["number"] for row in RoundSerializer(rounds, many=True, context={"request": request}).data] == [
        7,
        8,
        None,
    ]
