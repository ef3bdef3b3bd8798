"""The REST API's endpoints: one declarative viewset per model (its queryset, serializer,
FilterSet and the services it writes through), the full-data export and the offline docs.

The behaviour they share (ETag/If-Match, CSV, errors, permissions) is in ``api/base.py``.
Agreements, status events, rounds and chapter progress download (``?format=csv``) in the import
format of ``negotiations.interchange``, so a download can be edited and imported back.
"""

from pathlib import Path

from django.db.models import F, Prefetch
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.static import serve
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import exceptions, serializers
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer, TemplateHTMLRenderer
from rest_framework.response import Response

from .. import services
from ..choices import NoteLanguage, PartyKind, RoundFormat, Visibility
from ..filtersets import (
    AgreementFilterSet,
    ChapterFilterSet,
    ChapterProgressFilterSet,
    PartyFilterSet,
    ProgressNoteFilterSet,
    RoundFilterSet,
    SourceFilterSet,
    StatusEventFilterSet,
)
from ..interchange import columns, writer
from ..models import (
    Agreement,
    AgreementSource,
    Chapter,
    ChapterProgress,
    Party,
    ProgressNote,
    Round,
    RoundSource,
    Source,
    StatusEvent,
    StatusEventSource,
)
from ..permissions import notes_visible_to
from ..selectors import NEWEST_FIRST, progress_prefetch
from . import serializers as api
from .base import CodeLookupMixin, CSVRenderer, TrackerViewSet, crud_schema, error_responses
from .csv_export import csv_download

UNCHANGED = object()
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_MAX_LENGTH = 100  # ProgressNote.idempotency_key


# --- Reference data -----------------------------------------------------------------------


@crud_schema(api.PartySerializer, versioned=False)
class PartyViewSet(CodeLookupMixin, TrackerViewSet):
    """Countries (ISO 3166-1 alpha-3) and blocs. Curators edit them."""

    queryset = Party.objects.prefetch_related("members")
    serializer_class = api.PartySerializer
    filterset_class = PartyFilterSet
    default_ordering = ["name", "pk"]


@crud_schema(api.ChapterSerializer, versioned=False)
class ChapterViewSet(CodeLookupMixin, TrackerViewSet):
    """The chapter catalog. Curators edit it."""

    queryset = Chapter.objects.all()
    serializer_class = api.ChapterSerializer
    filterset_class = ChapterFilterSet
    default_ordering = ["order", "code"]


@crud_schema(api.SourceSerializer, versioned=False)
class SourceViewSet(TrackerViewSet):
    """Public documents facts are read from. Officials and curators add them; curators edit."""

    queryset = Source.objects.all()
    serializer_class = api.SourceSerializer
    filterset_class = SourceFilterSet
    default_ordering = [F("published_on").desc(nulls_last=True), "title", "pk"]


# --- Agreements and status events ---------------------------------------------------------


@crud_schema(api.AgreementSerializer, versioned=True)
class AgreementViewSet(TrackerViewSet):
    """Agreements. ``current_status`` and ``status_date`` follow the status timeline
    (``/api/status-events/``) and cannot be written. Curators edit agreements."""

    serializer_class = api.AgreementSerializer
    filterset_class = AgreementFilterSet
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    default_ordering = ["name", "pk"]
    export_kind = columns.AGREEMENTS

    def get_queryset(self):
        return Agreement.objects.select_related("predecessor").prefetch_related(
            "parties", Prefetch("citations", queryset=AgreementSource.objects.select_related("source"))
        )

    def agreement_of(self, obj):
        return obj

    def write_create(self, data):
        agreement, _created = services.agreement_upsert(
            slug=data["slug"],
            name=data["name"],
            kind=data["kind"],
            parties=data.get("parties", []),
            short_name=data.get("short_name", ""),
            predecessor=data.get("predecessor"),
            predecessor_relation=data.get("predecessor_relation", ""),
            summary=data.get("summary", ""),
            create_only=True,
            user=self.request.user,
            reason=self.reason(),
        )
        return agreement

    def write_update(self, instance, data, expected):
        return services.agreement_update(
            agreement=instance, expected_version=expected, user=self.request.user, reason=self.reason(), **data
        )

    def write_delete(self, instance, expected):
        services.agreement_delete(
            agreement=instance, expected_version=expected, user=self.request.user, reason=self.reason()
        )


@crud_schema(api.StatusEventSerializer, versioned=True)
class StatusEventViewSet(TrackerViewSet):
    """An agreement's dated status steps. Writing one recomputes the agreement's current status."""

    serializer_class = api.StatusEventSerializer
    filterset_class = StatusEventFilterSet
    default_ordering = ["agreement__name", "date", "sequence", "pk"]
    export_kind = columns.STATUS_EVENTS

    def get_queryset(self):
        return StatusEvent.objects.select_related("agreement").prefetch_related(
            Prefetch("citations", queryset=StatusEventSource.objects.select_related("source"))
        )

    def agreement_of(self, obj):
        return obj.agreement

    def agreement_of_data(self, data):
        return data.get("agreement")

    def write_create(self, data):
        return services.status_event_record(
            agreement=data["agreement"],
            status=data["status"],
            date=data["date"],
            date_precision=data["date_precision"],
            planned=data.get("planned", False),
            sequence=data.get("sequence"),
            note=data.get("note", ""),
            user=self.request.user,
            reason=self.reason(),
        )

    def write_update(self, instance, data, expected):
        return services.status_event_update(
            event=instance, expected_version=expected, user=self.request.user, reason=self.reason(), **data
        )

    def write_delete(self, instance, expected):
        services.status_event_delete(
            event=instance, expected_version=expected, user=self.request.user, reason=self.reason()
        )


# --- Rounds, chapter progress, notes ------------------------------------------------------


@crud_schema(api.RoundSerializer, api.RoundDetailSerializer, versioned=True, old_meeting_formats=RoundFormat.values)
class RoundViewSet(TrackerViewSet):
    """Rounds and other meetings, with the chapters discussed. The detail also nests the notes
    you may read (public ones; confidential ones too if you may edit the agreement)."""

    filterset_class = RoundFilterSet
    default_ordering = NEWEST_FIRST
    export_kind = columns.ROUNDS

    def get_serializer_class(self):
        return api.RoundSerializer if self.action == "list" else api.RoundDetailSerializer

    def get_queryset(self):
        queryset = Round.objects.select_related("agreement", "venue__country")
        if self.action == "list":
            return queryset  # a page's chapters and sources: read_ahead() below
        notes = notes_visible_to(self.request.user, ProgressNote.objects.select_related("chapter"))
        return queryset.prefetch_related(
            progress_prefetch(),
            Prefetch("citations", queryset=RoundSource.objects.select_related("source")),
            Prefetch("notes", queryset=notes.order_by("created_at", "pk"), to_attr="visible_notes"),
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            read_ahead(page)
        return page

    def agreement_of(self, obj):
        return obj.agreement

    def agreement_of_data(self, data):
        return data.get("agreement")

    def _venue(self, data: dict, instance=None):
        """The venue the request names with city/country/place (``UNCHANGED`` if none of them);
        a field left out of a PATCH keeps the round's current value."""
        city = data.pop("city", None)
        code = data.pop("country", None)
        place = data.pop("place", None)
        if city is None and code is None and place is None:
            return UNCHANGED
        if instance is not None and instance.venue is not None:
            city = instance.venue.city if city is None else city
            code = instance.venue.country.code if code is None else code
            place = instance.venue.place if place is None else place
        code = (code or "").strip().upper()
        country = None
        if code:
            country = Party.objects.filter(code=code, kind=PartyKind.COUNTRY).first()
            if country is None:
                raise exceptions.ValidationError({"country": [_("Unknown country code “%(code)s”.") % {"code": code}]})
        return services.venue_resolve(city=city or "", country=country, place=place or "", user=self.request.user)

    def write_create(self, data):
        # The same writer as the site's round form: a taken number is AlreadyExists (409).
        data = dict(data)
        venue = self._venue(data)
        data.pop("end_precision", None)
        agreement = data.pop("agreement")
        return services.round_log(
            agreement=agreement,
            venue=None if venue is UNCHANGED else venue,
            user=self.request.user,
            reason=self.reason(),
            **data,
        )

    def write_update(self, instance, data, expected):
        data = dict(data)
        venue = self._venue(data, instance)
        if venue is not UNCHANGED:
            data["venue"] = venue
        data.pop("end_precision", None)
        data.pop("agreement", None)
        return services.round_update(
            round=instance, expected_version=expected, user=self.request.user, reason=self.reason(), **data
        )

    def write_delete(self, instance, expected):
        services.round_delete(round=instance, expected_version=expected, user=self.request.user, reason=self.reason())


def read_ahead(rounds: list[Round]) -> None:
    """A page of rounds' chapters and sources, as their nested serializers show them
    (``READ_AHEAD``), read as plain rows: the same two queries as prefetching them, without the
    ~1,100 model objects a page of 50 rounds makes (over half of the list's time)."""
    rows = {round_obj.pk: {"chapters": api.ReadAheadRows(), "sources": api.ReadAheadRows()} for round_obj in rounds}
    nested = [
        ("chapters", api.ProgressBriefSerializer, ChapterProgress.objects.order_by("chapter__order", "chapter__code")),
        ("sources", api.SourceBriefSerializer, RoundSource.objects.all()),
    ]
    for name, serializer, queryset in nested:
        keys, lookups = list(serializer.READ_AHEAD), serializer.READ_AHEAD.values()
        for round_id, *values in queryset.filter(round__in=list(rows)).values_list("round_id", *lookups):
            rows[round_id][name].append(dict(zip(keys, values, strict=True)))
    for round_obj in rounds:
        round_obj.read_ahead = rows[round_obj.pk]


@crud_schema(api.ChapterProgressSerializer, versioned=True)
class ChapterProgressViewSet(TrackerViewSet):
    """How far each chapter got at each round (the rows of the chapter × round matrix)."""

    serializer_class = api.ChapterProgressSerializer
    filterset_class = ChapterProgressFilterSet
    default_ordering = [F("round__start_date").desc(nulls_last=True), "round_id", "chapter__order", "pk"]
    export_kind = columns.CHAPTER_PROGRESS

    def get_queryset(self):
        return ChapterProgress.objects.select_related("round__agreement", "chapter")

    def agreement_of(self, obj):
        return obj.round.agreement

    def agreement_of_data(self, data):
        return data["round"].agreement

    def write_create(self, data):
        # A create never updates: a round's existing row for the chapter is AlreadyExists (409).
        return services.chapter_progress_create(
            round=data["round"],
            chapter=data["chapter"],
            status=data["status"],
            note=data.get("note", ""),
            user=self.request.user,
            reason=self.reason(),
        )

    def write_update(self, instance, data, expected):
        return services.chapter_progress_update(
            progress=instance, expected_version=expected, user=self.request.user, reason=self.reason(), **data
        )

    def write_delete(self, instance, expected):
        services.chapter_progress_delete(
            progress=instance, expected_version=expected, user=self.request.user, reason=self.reason()
        )


@crud_schema(api.NoteSerializer, versioned=True, idempotent_create=True)
class NoteViewSet(TrackerViewSet):
    """Progress notes: the negotiation's journal. Confidential notes exist only for curators and
    the agreement's assigned officials; for everyone else they are not listed and answer 404."""

    serializer_class = api.NoteSerializer
    filterset_class = ProgressNoteFilterSet
    default_ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return notes_visible_to(self.request.user, ProgressNote.objects.select_related("round__agreement", "chapter"))

    def agreement_of(self, obj):
        return obj.round.agreement

    def agreement_of_data(self, data):
        return data["round"].agreement

    def create(self, request, *args, **kwargs):
        """A retried POST with the same ``Idempotency-Key`` answers with the note the first one
        created (200) instead of adding it twice."""
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
            raise exceptions.ValidationError(
                {"idempotency_key": [_("Keep the Idempotency-Key to %(max)s characters.") % {"max": 100}]}
            )
        if key and request.user.is_authenticated:
            earlier = self.get_queryset().filter(author=request.user, idempotency_key=key).first()
            if earlier is not None:
                return self.detail_response(earlier)
        try:
            return super().create(request, *args, **kwargs)
        except services.AlreadyExists as taken:
            if key and isinstance(taken.existing, ProgressNote):
                return self.detail_response(self.refetch(taken.existing))
            raise

    def write_create(self, data):
        return services.note_add(
            round=data["round"],
            text=data["text"],
            chapter=data.get("chapter"),
            visibility=data.get("visibility", Visibility.PUBLIC),
            language=data.get("language", NoteLanguage.ENGLISH),
            source=data.get("source"),
            idempotency_key=self.request.headers.get(IDEMPOTENCY_HEADER, "").strip() or None,
            user=self.request.user,
            reason=self.reason(),
        )

    def write_update(self, instance, data, expected):
        return services.note_update(
            note=instance, expected_version=expected, user=self.request.user, reason=self.reason(), **data
        )

    def write_delete(self, instance, expected):
        services.note_delete(note=instance, expected_version=expected, user=self.request.user, reason=self.reason())


# --- Full-data export ---------------------------------------------------------------------


@extend_schema(
    operation_id="export_download",
    parameters=[
        OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=columns.KINDS),
        OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(columns.FORMATS)),
        OpenApiParameter("format", exclude=True),  # the path's extension gives the format
    ],
    responses={
        (200, "text/csv"): OpenApiTypes.STR,
        (200, "application/json"): OpenApiResponse(
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "boolean"}]},
                },
            },
            description=_("One object per row, keyed by the column names; ``planned`` is a boolean."),
        ),
        **error_responses(404, 429),
    },
    description=_(
        "Every record of one kind in the import format, ready for `manage.py import_csv` or the "
        "admin's import page: import agreements, status-events, rounds and chapter-progress, in "
        "that order, into an empty tracker to reproduce these records. Chapter progress includes "
        "the confidential chapter notes you may read, as `confidential` rows."
    ),
)
@api_view(["GET"])
@permission_classes([AllowAny])
@renderer_classes([JSONRenderer, CSVRenderer])
def export_kind(request, kind: str, fmt: str):
    if kind not in columns.KINDS or fmt not in columns.FORMATS:
        raise Http404
    table = writer.export_table(kind, user=request.user)
    if fmt == "csv":
        return csv_download(writer.csv_table(table), kind)
    response = StreamingHttpResponse(writer.json_records(table), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{timezone.localdate().isoformat()}.json"'
    return response


@extend_schema(
    operation_id="export_index",
    responses={200: inline_serializer("ExportIndex", fields={"kind": serializers.CharField()}, many=True)},
    description=_("Links to the four full-data files, in the order to import them."),
)
@api_view(["GET"])
@permission_classes([AllowAny])
def export_index(request):
    return Response(
        [
            {
                "kind": kind,
                "columns": columns.file_columns(kind),
                "csv": request.build_absolute_uri(reverse("api:export", args=[kind, "csv"])),
                "json": request.build_absolute_uri(reverse("api:export", args=[kind, "json"])),
            }
            for kind in columns.KINDS
        ]
    )


# --- The API's front page -----------------------------------------------------------------

# Path under /api/ → the router's name of the list, in reading order.
RESOURCE_ROUTES = {
    "agreements": "agreement",
    "status-events": "status-event",
    "rounds": "round",
    "chapter-progress": "chapter-progress",
    "notes": "note",
    "parties": "party",
    "chapters": "chapter",
    "sources": "source",
}


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
@renderer_classes([JSONRenderer, TemplateHTMLRenderer])
def api_index(request):
    """``/api/``: where to start. A page for browsers, the same links as JSON for programs."""

    def absolute(name: str) -> str:
        return request.build_absolute_uri(reverse(name))

    data = {
        "docs": absolute("api:docs"),
        "schema": absolute("api:schema"),
        "export": absolute("api:export-index"),
        "resources": {path: absolute(f"api:{route}-list") for path, route in RESOURCE_ROUTES.items()},
        "authentication": {
            "reading": "No account needed.",
            "writing": (
                "Send 'Authorization: Token <token>'. A curator issues your token (admin, or "
                "'manage.py issue_token USERNAME'); it is shown once."
            ),
        },
        "site": request.build_absolute_uri("/"),
    }
    return Response(data, template_name="negotiations/api_index.html")


# --- Interactive documentation, served without a CDN ----------------------------------------


SIDECAR_ROOT = Path(__import__("drf_spectacular_sidecar").__file__).parent / "static" / "drf_spectacular_sidecar"


class DocsView(SpectacularSwaggerView):
    """Swagger UI from the drf-spectacular-sidecar package, served by the tracker itself, so
    the docs work offline and without a third-party CDN."""

    url_name = "api:schema"

    @staticmethod
    def _swagger_ui_resource(filename):
        return reverse("api:docs-asset", args=[f"swagger-ui-dist/{filename}"])

    @staticmethod
    def _swagger_ui_favicon():
        return reverse("api:docs-asset", args=["swagger-ui-dist/favicon-32x32.png"])


def docs_asset(request, path: str):
    """Swagger UI's own files (CSS, JS), cached for a day."""
    if not path.startswith("swagger-ui-dist/") or path.endswith(".map"):
        raise Http404
    response = serve(request, path, document_root=SIDECAR_ROOT)
    response["Cache-Control"] = "public, max-age=86400"
    return response
