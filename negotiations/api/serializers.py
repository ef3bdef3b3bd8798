"""Serializers of the REST API. They describe and validate; every write goes through
``negotiations.services`` (called by the viewsets), never ``serializer.save()`` on a model.

Codes and slugs identify records as they do in the site's URLs and filters: an agreement by
its slug, a party or chapter by its code. Partial dates are ``YYYY``, ``YYYY-MM`` or
``YYYY-MM-DD``; the form carries the precision both ways.
"""

from django.urls import reverse
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import PartyKind, RoundsCoverage, Visibility
from ..dates import format_partial_date_iso, parse_partial_date, range_precision
from ..models import (
    UNKNOWN_CHAPTER_MESSAGE,
    Agreement,
    Chapter,
    ChapterProgress,
    Party,
    ProgressNote,
    Round,
    Source,
    StatusEvent,
)

PARTIAL_DATE_SCHEMA = {
    "type": "string",
    "nullable": True,
    "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
    "example": "2025-11",
    "description": "YYYY, YYYY-MM or YYYY-MM-DD; the form gives the precision.",
}


@extend_schema_field(PARTIAL_DATE_SCHEMA)
class PartialDateField(serializers.Field):
    """A date known to the day, month or year, read from and written to two model fields."""

    def __init__(self, *, date_field: str, precision_field: str, write_precision_as: str = "", **kwargs):
        self.date_field, self.precision_field = date_field, precision_field
        # A round's end date is read with the round's precision but written aside, to be compared.
        self.write_precision_as = write_precision_as or precision_field
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, instance):
        value = getattr(instance, self.date_field)
        return format_partial_date_iso(value, getattr(instance, self.precision_field)) if value else None

    def to_internal_value(self, data):
        if data in (None, ""):
            if not self.allow_null:
                raise serializers.ValidationError(_("This field is required."))
            return {self.date_field: None}
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Give the date as text: YYYY, YYYY-MM or YYYY-MM-DD."))
        try:
            value, precision = parse_partial_date(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None
        return {self.date_field: value, self.write_precision_as: precision}


class CodeField(serializers.SlugRelatedField):
    """A party or chapter by its code; case-insensitive like the site's filters."""

    default_error_messages = {
        **serializers.SlugRelatedField.default_error_messages,
        "does_not_exist": _("Unknown code “{value}”."),
    }

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip().upper()
        return super().to_internal_value(data)


# A chapter code the catalog lacks: the message every door gives (with the code).
UNKNOWN_CHAPTER = {"does_not_exist": format_lazy("{} (“{{value}}”)", UNKNOWN_CHAPTER_MESSAGE)}


class AgreementSlugField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        kwargs.setdefault("queryset", Agreement.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip().lower()
        return super().to_internal_value(data)


class LinkField(serializers.HyperlinkedIdentityField):
    """The record's API URL, without the query string of the request (``?format=virtual`` is a
    filter of the list, not something its items' links should carry)."""

    def get_url(self, obj, view_name, request, format):
        if obj.pk is None:
            return None
        url = reverse(view_name, kwargs={self.lookup_url_kwarg: getattr(obj, self.lookup_field)})
        return request.build_absolute_uri(url) if request is not None else url


class FixedOnUpdateMixin:
    """Fields named in ``Meta.fixed_on_update`` can be set on create but not changed later
    (the natural key, or the record an item belongs to)."""

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            for name in getattr(self.Meta, "fixed_on_update", ()):
                if name in fields:
                    fields[name].read_only = True
        return fields


class ReadAheadRows(list):
    """Nested rows a list view read for a whole page as plain dicts, already in their
    serializer's shape, instead of building a model object for each (see ``ReadAheadListSerializer``)."""


class ReadAheadListSerializer(serializers.ListSerializer):
    """A nested list that takes the record's ``read_ahead[field name]`` rows when a list view
    set them (``ReadAheadRows``), and the related objects otherwise."""

    def get_attribute(self, instance):
        rows = getattr(instance, "read_ahead", {}).get(self.field_name)
        return rows if rows is not None else super().get_attribute(instance)

    def to_representation(self, data):
        if isinstance(data, ReadAheadRows):
            return list(data)
        return super().to_representation(data)


class SourceBriefSerializer(serializers.Serializer):
    """A source cited for a record, with how it is cited."""

    class Meta:
        list_serializer_class = ReadAheadListSerializer

    # Each key and the lookup a list view reads it from, on the citation (``read_ahead``).
    READ_AHEAD = {
        "id": "source_id",
        "url": "source__url",
        "title": "source__title",
        "publisher": "source__publisher",
        "note": "note",
        "conflicting": "conflicting",
    }

    id = serializers.IntegerField(source="source.pk", read_only=True)
    url = serializers.CharField(source="source.url", read_only=True)
    title = serializers.CharField(source="source.title", read_only=True)
    publisher = serializers.CharField(source="source.publisher", read_only=True)
    note = serializers.CharField(read_only=True)
    conflicting = serializers.BooleanField(read_only=True)


# --- Reference data -----------------------------------------------------------------------


class PartySerializer(FixedOnUpdateMixin, serializers.ModelSerializer):
    members = serializers.SerializerMethodField(help_text=_("Codes of a bloc's member countries."))

    class Meta:
        model = Party
        fields = ["code", "name", "kind", "alpha_2", "official_name", "members"]
        fixed_on_update = ["code"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_members(self, obj) -> list[str]:
        if obj.kind != PartyKind.BLOC:
            return []
        return sorted(m.code for m in obj.members.all())


class BlankForNullCharField(serializers.CharField):
    """Text whose column is nullable (django-modeltranslation's per-language columns) but which
    the API gives as a string: null reads as ""."""

    def get_attribute(self, instance):
        value = super().get_attribute(instance)
        return "" if value is None else value


class ChapterSerializer(FixedOnUpdateMixin, serializers.ModelSerializer):
    # Language-neutral: ``name`` and ``description`` are the English ones whatever the reader's
    # language (``chapter.name`` would follow it); the Spanish ones are fields of their own.
    name = BlankForNullCharField(source="name_en", max_length=200)
    description = BlankForNullCharField(source="description_en", required=False, allow_blank=True)

    class Meta:
        model = Chapter
        fields = [
            "code",
            "name",
            "name_es",
            "description",
            "description_es",
            "order",
            "cptpp_chapter",
            "dta_area",
            "is_active",
        ]
        fixed_on_update = ["code"]


class SourceSerializer(serializers.ModelSerializer):
    published_on = PartialDateField(
        date_field="published_on", precision_field="published_precision", required=False, allow_null=True
    )

    class Meta:
        model = Source
        fields = ["id", "url", "title", "publisher", "published_on", "language", "note"]


# --- Agreements and their timeline --------------------------------------------------------


class AgreementSerializer(FixedOnUpdateMixin, serializers.ModelSerializer):
    url = LinkField(view_name="api:agreement-detail", lookup_field="slug")
    parties = CodeField(
        many=True, slug_field="code", queryset=Party.objects.all(), help_text=_("ISO alpha-3 or bloc codes.")
    )
    predecessor = AgreementSlugField(required=False, allow_null=True)
    # Blank until a curator has assessed how complete the public round record is.
    rounds_coverage = serializers.ChoiceField(choices=RoundsCoverage.choices, allow_blank=True, read_only=True)
    status_date = PartialDateField(
        date_field="status_date", precision_field="status_date_precision", read_only=True, allow_null=True
    )
    current_status = serializers.CharField(
        read_only=True, help_text=_("Derived from the latest actual status event; empty before the first one.")
    )
    sources = SourceBriefSerializer(many=True, read_only=True, source="citations")

    class Meta:
        model = Agreement
        fields = [
            "url",
            "slug",
            "name",
            "short_name",
            "kind",
            "parties",
            "predecessor",
            "predecessor_relation",
            "summary",
            "current_status",
            "status_date",
            "rounds_coverage",
            "coverage_note",
            "coverage_checked_on",
            "sources",
            "version",
            "updated_at",
        ]
        # Coverage is the curators' assessment of the public record (admin, seed), not API input.
        read_only_fields = ["version", "updated_at", "rounds_coverage", "coverage_note", "coverage_checked_on"]
        fixed_on_update = ["slug"]
        extra_kwargs = {"slug": {"validators": []}}

    def validate_slug(self, value):
        # A taken slug is the database's to refuse (409 naming the agreement), not a check here.
        return value.strip().lower()


class StatusEventSerializer(FixedOnUpdateMixin, serializers.ModelSerializer):
    url = LinkField(view_name="api:status-event-detail")
    agreement = AgreementSlugField()
    date = PartialDateField(date_field="date", precision_field="date_precision")
    sequence = serializers.IntegerField(
        required=False, min_value=0, max_value=32767, help_text=_("Orders events of the same day; default: last.")
    )
    sources = SourceBriefSerializer(many=True, read_only=True, source="citations")

    class Meta:
        model = StatusEvent
        fields = ["id", "url", "agreement", "status", "date", "planned", "sequence", "note", "sources", "version"]
        read_only_fields = ["version"]
        fixed_on_update = ["agreement"]
        validators = []  # the (agreement, date, sequence) rule is checked by the service


# --- Rounds, chapter progress and notes ---------------------------------------------------


class ProgressBriefSerializer(serializers.ModelSerializer):
    """A chapter's status at a round, as nested in the round."""

    chapter = serializers.CharField(source="chapter.code", read_only=True)
    chapter_name = serializers.CharField(source="chapter.name_en", read_only=True)  # English in every language

    class Meta:
        model = ChapterProgress
        fields = ["id", "chapter", "chapter_name", "status", "note", "version"]
        read_only_fields = fields
        list_serializer_class = ReadAheadListSerializer

    # Each key and the lookup a list view reads it from (``read_ahead``): what
    # to_representation gives, without the model objects.
    READ_AHEAD = {
        "id": "id",
        "chapter": "chapter__code",
        "chapter_name": "chapter__name_en",
        "status": "status",
        "note": "note",
        "version": "version",
    }

    def to_representation(self, instance):
        # The fields above, read directly: a page of rounds nests hundreds of these, and DRF's
        # walk over the fields costs more than the rest of the row. Same keys, same values.
        chapter = instance.chapter
        return {
            "id": instance.pk,
            "chapter": chapter.code,
            "chapter_name": chapter.name_en,
            "status": instance.status,
            "note": instance.note,
            "version": instance.version,
        }


class NoteBriefSerializer(serializers.ModelSerializer):
    """A note as nested in its round (only the notes the reader may see)."""

    chapter = serializers.CharField(source="chapter.code", read_only=True, allow_null=True, default=None)

    class Meta:
        model = ProgressNote
        fields = ["id", "chapter", "text", "language", "visibility", "created_at", "version"]
        read_only_fields = fields


class RoundSerializer(FixedOnUpdateMixin, serializers.ModelSerializer):
    url = LinkField(view_name="api:round-detail")
    agreement = AgreementSlugField()
    # The model's validators (its range and message), not DRF's copy of the column's limits.
    number = serializers.IntegerField(
        required=False, allow_null=True, validators=list(Round._meta.get_field("number").validators)
    )
    city = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=_("With ``country``: where the round met.")
    )
    country = serializers.CharField(
        required=False, allow_blank=True, max_length=10, help_text=_("ISO 3166-1 alpha-3 code of the host country.")
    )
    place = serializers.CharField(required=False, allow_blank=True, max_length=200)
    start_date = PartialDateField(
        date_field="start_date", precision_field="date_precision", required=False, allow_null=True
    )
    end_date = PartialDateField(
        date_field="end_date",
        precision_field="date_precision",
        write_precision_as="end_precision",
        required=False,
        allow_null=True,
        help_text=_("Same precision as the start date."),
    )
    chapters = ProgressBriefSerializer(many=True, read_only=True, source="progress")
    sources = SourceBriefSerializer(many=True, read_only=True, source="citations")

    class Meta:
        model = Round
        fields = [
            "id",
            "url",
            "agreement",
            "number",
            "kind",
            "title",
            "city",
            "country",
            "place",
            "venue_note",
            "format",
            "start_date",
            "end_date",
            "date_precision",
            "dates_note",
            "status",
            "summary",
            "chief_negotiators",
            "chapters",
            "sources",
            "version",
            "updated_at",
        ]
        read_only_fields = ["date_precision", "version", "updated_at"]
        fixed_on_update = ["agreement"]
        validators = []  # uniqueness of (agreement, number): the database's, answered with 409

    # The round's own columns that DRF's char, integer and choice fields give back unchanged: a
    # list page serializes 50 rounds, and DRF's walk over these fields was a quarter of its time.
    AS_STORED = (
        "id",
        "number",
        "kind",
        "title",
        "venue_note",
        "format",
        "date_precision",
        "dates_note",
        "status",
        "summary",
        "chief_negotiators",
        "version",
    )

    def to_representation(self, instance):
        data = {name: getattr(instance, name) for name in self.AS_STORED}
        data["agreement"] = instance.agreement.slug
        venue = instance.venue
        data["city"] = venue.city if venue else ""
        data["country"] = venue.country.code if venue else ""
        data["place"] = venue.place if venue else ""
        # The other fields (links, partial dates, nested lists, times) as DRF renders them.
        for name, field in self.fields.items():
            if name in data or field.write_only:
                continue
            try:
                value = field.get_attribute(instance)
            except serializers.SkipField:
                continue
            data[name] = None if value is None else field.to_representation(value)
        return {name: data[name] for name in self.fields if name in data}

    def validate(self, attrs):
        # The round's rules (dates in order, a virtual round without venue, a free number) are
        # the model's and the database's, checked by the service; only the date precision,
        # which the API parses, is checked here.
        end_precision = attrs.pop("end_precision", None)
        if attrs.get("end_date") is not None:
            if "start_date" in attrs:
                start_precision = attrs.get("date_precision") if attrs["start_date"] else None
            else:
                instance = self.instance
                start_precision = instance.date_precision if instance and instance.start_date else None
            try:
                range_precision(start_precision, end_precision)
            except ValueError as error:
                raise serializers.ValidationError({"end_date": [str(error)]}) from None
        return attrs


class RoundDetailSerializer(RoundSerializer):
    """A round with its chapters and the notes the reader may see."""

    notes = NoteBriefSerializer(many=True, read_only=True, source="visible_notes")

    class Meta(RoundSerializer.Meta):
        fields = [*RoundSerializer.Meta.fields, "notes"]


class ChapterProgressSerializer(FixedOnUpdateMixin, serializers.ModelSerializer):
    url = LinkField(view_name="api:chapter-progress-detail")
    agreement = serializers.CharField(source="round.agreement.slug", read_only=True)
    round = serializers.PrimaryKeyRelatedField(queryset=Round.objects.all())
    round_label = serializers.SerializerMethodField()
    chapter = CodeField(slug_field="code", queryset=Chapter.objects.all(), error_messages=UNKNOWN_CHAPTER)

    def get_round_label(self, obj) -> str:
        """ "Round 9" in every language: the API's data does not change with the reader's language."""
        with translation.override("en"):
            return obj.round.label

    class Meta:
        model = ChapterProgress
        fields = [
            "id",
            "url",
            "agreement",
            "round",
            "round_label",
            "chapter",
            "status",
            "note",
            "version",
            "updated_at",
        ]
        read_only_fields = ["version", "updated_at"]
        fixed_on_update = ["round"]
        validators = []


class NoteSerializer(FixedOnUpdateMixin, serializers.ModelSerializer):
    url = LinkField(view_name="api:note-detail")
    agreement = serializers.CharField(source="round.agreement.slug", read_only=True)
    round = serializers.PrimaryKeyRelatedField(queryset=Round.objects.all())
    chapter = CodeField(
        slug_field="code",
        queryset=Chapter.objects.all(),
        required=False,
        allow_null=True,
        error_messages=UNKNOWN_CHAPTER,
    )
    source = serializers.PrimaryKeyRelatedField(queryset=Source.objects.all(), required=False, allow_null=True)
    # No default: a PUT that leaves it out must not turn a confidential note public.
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)

    class Meta:
        model = ProgressNote
        fields = [
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
        read_only_fields = ["created_at", "updated_at", "version"]
        fixed_on_update = ["round"]


# --- Errors, for the schema ---------------------------------------------------------------
# Every refusal has one of three shapes, shared by all operations (so a generated client has one
# class for each): ``Error`` (401, 403, 404, 409, 428, 429), ``Conflict`` (412) and
# ``ValidationError`` (every 400). ``code`` is language-neutral; ``detail`` follows the reader's
# language.


class ErrorSerializer(serializers.Serializer):
    """A refused request: ``detail`` says why, ``code`` names the reason for programs."""

    detail = serializers.CharField(help_text=_("Why the request was refused, in the reader's language."))
    code = serializers.CharField(
        required=False,
        help_text=_(
            "The reason as a stable code for programs (not translated), e.g. not_authenticated, "
            "permission_denied, not_found, protected, precondition_required, throttled."
        ),
    )


class ExistingSerializer(serializers.Serializer):
    url = serializers.CharField()
    etag = serializers.CharField()


class ExistsSerializer(ErrorSerializer):
    """409: the key is taken by ``existing`` (or a record is still used elsewhere)."""

    existing = ExistingSerializer(required=False)


class ConflictSerializer(ErrorSerializer):
    """412: the record changed after the ``If-Match`` version; ``current_version`` is its version now."""

    current_version = serializers.IntegerField(
        required=False, help_text=_('The record\'s version now (its ETag is "v<current_version>").')
    )


class ValidationErrorSerializer(serializers.Serializer):
    """400: what is wrong with the input. Each key is a field (or filter) name with its messages;
    ``non_field_errors`` holds those about the request as a whole (e.g. a body that is not JSON).
    Described by ``api.schema.ValidationErrorSchema`` (a map with one named key)."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Field (or filter) name → list of messages; non_field_errors for the request as a whole.",
    "properties": {
        "non_field_errors": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Messages about the request as a whole, not one field.",
        }
    },
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"chapter": ["Unknown chapter code “XYZ”."]},
}
