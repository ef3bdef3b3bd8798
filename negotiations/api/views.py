"""REST API viewsets: the site's data, filters and editing rules over JSON (and CSV).

- Every list is filtered by the same FilterSet as the site's page, with the same parameter
  names and messages; an invalid filter answers 400, never an unfiltered list.
- ``?format=csv`` on a list streams every matching row (no pagination). Agreements, status
  events, rounds and chapter progress come in the import format of ``negotiations.interchange``,
  so a download can be edited and imported back; ``?format=`` values other than ``csv`` and
  ``json`` stay filters (a round's ``format=virtual``), as on the site.
- Optimistic concurrency: a record with a ``version`` answers GET with ``ETag: "v<version>"``;
  PUT, PATCH and DELETE must send it back in ``If-Match`` (428 without it, 412 if the record
  changed meanwhile, and then nothing is written). ``If-Match: *`` skips the check.
- Writes go through ``negotiations.services``, with the user and the reason (the
  ``X-Change-Reason`` header, or "API") stamped on the audit trail.
"""

import re
from pathlib import Path

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Prefetch, ProtectedError
from django.http import Http404, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.static import serve
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from drf_spectacular.views import SpectacularSwaggerView
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import api_view, permission_classes, renderer_classes
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .. import services
from ..choices import PartyKind, RoundFormat, Visibility
from ..exports import split_export_format
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
from ..permissions import can_edit_agreement, notes_visible_to
from ..selectors import NEWEST_FIRST, progress_prefetch
from ..services.common import ConcurrencyConflict
from . import serializers as api
from .permissions import TrackerPermission
from .renderers import stream_serialized_csv

REASON_HEADER = "X-Change-Reason"
REASON_MAX_LENGTH = 100  # django-simple-history's change_reason column
UNCHANGED = object()


# --- Content negotiation, filters, pagination, CSV ----------------------------------------


class _NoFormatOverride:
    """api_settings with the ``?format=`` override switched off (we pick csv/json ourselves)."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name):
        return getattr(api_settings, name)


class ExportFormatNegotiation(DefaultContentNegotiation):
    """Only ``?format=csv`` and ``?format=json`` choose a renderer; any other value of ``format``
    is a filter (rounds: in_person, virtual, hybrid), exactly as on the site."""

    settings = _NoFormatOverride()

    def select_renderer(self, request, renderers, format_suffix=None):
        export, _rest = split_export_format(request.query_params)
        return super().select_renderer(request, renderers, format_suffix or export)


class FilterBackend(DjangoFilterBackend):
    """The site's FilterSet over the query string minus ``format=csv|json``."""

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["data"] = split_export_format(request.query_params)[1]
        return kwargs


class Pagination(PageNumberPagination):
    """50 rows a page by default; ``page_size`` up to 500."""

    page_size_query_param = "page_size"
    max_page_size = 500


class CSVRenderer(BaseRenderer):
    """``text/csv``. Lists stream their rows themselves; this renders what else a list answers
    with in CSV (a 400's messages, one per line)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        lines = []
        items = data.items() if isinstance(data, dict) else [("", data)]
        for key, value in items:
            for message in value if isinstance(value, list) else [value]:
                lines.append(f"{key}: {message}" if key else str(message))
        return ("\n".join(lines) + "\n").encode(self.charset)


def csv_download(chunks, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate().isoformat()}.csv"'
    return response


# --- Errors -------------------------------------------------------------------------------


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The record changed after you read it; fetch it again and retry with its new ETag.")
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _(
        "Send the ETag you read in an If-Match header, so that nobody's change is overwritten "
        "(If-Match: * to skip the check)."
    )
    default_code = "precondition_required"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This record is still used elsewhere and cannot be deleted.")
    default_code = "protected"


def etag_for(obj) -> str | None:
    version = getattr(obj, "version", None)
    return f'"v{version}"' if version is not None else None


_ETAG = re.compile(r'\s*(W/)?("[^"]*"|\*)\s*(?:,|$)')


def parse_if_match(header: str) -> list[str]:
    """The strong entity tags of an If-Match header (weak ones never match, RFC 9110 13.1.1)."""
    tags = []
    for weak, tag in _ETAG.findall(header):
        if not weak:
            tags.append(tag)
    return tags


def _error_responses(*codes: int) -> dict:
    described = {
        400: OpenApiResponse(
            api.VALIDATION_ERROR_SCHEMA, description=_("Invalid input or filter: messages by field name.")
        ),
        401: OpenApiResponse(
            api.ErrorSerializer, description=_("Not signed in (writes), or an invalid token. Header: WWW-Authenticate.")
        ),
        403: OpenApiResponse(
            api.ErrorSerializer,
            description=_(
                "Signed in but not allowed: your role, the agreements assigned to you, or a missing CSRF token."
            ),
        ),
        404: OpenApiResponse(api.ErrorSerializer, description=_("No such record (or not visible to you).")),
        409: OpenApiResponse(api.ErrorSerializer, description=_("Still used by other records; cannot be deleted.")),
        412: OpenApiResponse(
            api.ConflictSerializer, description=_("If-Match does not match the current ETag: nothing was changed.")
        ),
        428: OpenApiResponse(api.ErrorSerializer, description=_("If-Match header missing.")),
        429: OpenApiResponse(api.ErrorSerializer, description=_("Too many requests (anonymous clients).")),
    }
    return {code: described[code] for code in codes}


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=_(
        'The ETag from your last GET of this record, e.g. "v3" (with the quotes). 412 if the record '
        "changed since, 428 if missing; * skips the check."
    ),
)
ETAG_HEADER = {"ETag": {"description": "Version of the record, for If-Match.", "schema": {"type": "string"}}}
REASON = OpenApiParameter(
    REASON_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_("Why you make the change (kept in the audit trail, at most 100 characters)."),
)


def _format_parameter(extra: list[str] = ()) -> OpenApiParameter:
    return OpenApiParameter(
        "format",
        str,
        OpenApiParameter.QUERY,
        enum=["json", "csv", *extra],
        many=bool(extra),
        explode=True if extra else None,
        description=_("csv streams every matching row (no pagination)")
        + (_("; any other value filters rounds by format, as on the site") if extra else ""),
    )


def list_schema(serializer, *, extra_formats: list[str] = ()) -> dict:
    return {
        "parameters": [
            _format_parameter(extra_formats),
            OpenApiParameter("page_size", int, description=_("Rows per page, at most 500.")),
        ],
        "responses": {
            (200, "application/json"): serializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            **_error_responses(400, 401, 404, 429),
        },
    }


# --- The base viewset ---------------------------------------------------------------------


class TrackerViewSet(viewsets.ModelViewSet):
    """Shared behaviour: permissions, filters, CSV, ETag/If-Match, services, error mapping."""

    # Token first: an unauthenticated write or a bad token then answers 401 with
    # ``WWW-Authenticate: Token`` (session-first would make both a bare 403).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [TrackerPermission]
    filter_backends = [FilterBackend]
    pagination_class = Pagination
    content_negotiation_class = ExportFormatNegotiation
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    lookup_value_regex = "[0-9]{1,18}"  # ids beyond a 64-bit integer are not ids: 404, not 500
    default_ordering: list = ["pk"]
    export_kind: str | None = None  # an import kind: ?format=csv writes the import columns

    # -- reading

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.action != "list":
            # CSV is a list download; a single record is JSON.
            renderers = [r for r in renderers if not isinstance(r, CSVRenderer)]
        return renderers

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset  # list filters do not hide a record from its own URL
        queryset = super().filter_queryset(queryset)
        if not self.request.query_params.get("ordering"):
            queryset = queryset.order_by(*self.default_ordering)
        return queryset

    def list(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", None) == "csv":
            queryset = self.filter_queryset(self.get_queryset())
            name = self.basename.replace("_", "-")
            if self.export_kind:
                table = writer.export_table(
                    self.export_kind,
                    writer.export_queryset(self.export_kind)
                    .filter(pk__in=queryset.values("pk"))
                    .order_by(*self._order_of(queryset)),
                )
                return csv_download(writer.csv_table(table), name)
            response = stream_serialized_csv(queryset, self.get_serializer_class(), self.get_serializer_context())
            response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate().isoformat()}.csv"'
            return response
        return super().list(request, *args, **kwargs)

    @staticmethod
    def _order_of(queryset) -> list:
        return list(queryset.query.order_by) or ["pk"]

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return self.detail_response(instance)

    def detail_response(self, instance, *, status_code=status.HTTP_200_OK, headers=None) -> Response:
        serializer = self.get_serializer(instance)
        response = Response(serializer.data, status=status_code, headers=headers)
        tag = etag_for(instance)
        if tag:
            response["ETag"] = tag
        return response

    def refetch(self, instance):
        """The record as the detail view reads it (fresh prefetches) after a write."""
        return self.get_queryset().get(pk=instance.pk)

    def agreement_of(self, obj) -> Agreement | None:
        """The agreement whose editors may change ``obj`` (None: reference data, curators only)."""
        return None

    # -- writing

    def reason(self) -> str:
        return (self.request.headers.get(REASON_HEADER, "").strip() or "API")[:REASON_MAX_LENGTH]

    def check_precondition(self, instance) -> int | None:
        """The version the client read (from If-Match), or None for ``*``; 428/412 otherwise."""
        header = self.request.headers.get("If-Match")
        tag = etag_for(instance)
        if header is None:
            if tag is None:
                return None  # reference data has no version: curators' last write wins
            raise PreconditionRequired()
        tags = parse_if_match(header)
        if "*" in tags:
            return None
        if tag is None or tag not in tags:
            raise self._precondition_failed(instance)
        return instance.version

    def _precondition_failed(self, current) -> PreconditionFailed:
        error = PreconditionFailed()
        error.current = current
        return error

    def require_agreement(self, agreement) -> None:
        """403 unless the user may edit ``agreement`` (for a new record, or one moved to it)."""
        if agreement is not None and not can_edit_agreement(self.request.user, agreement):
            raise exceptions.PermissionDenied(_("You may not edit records of this agreement."))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.require_agreement(self.agreement_of_data(serializer.validated_data))
        with transaction.atomic():
            instance = self.write_create(serializer.validated_data)
        instance = self.refetch(instance)
        headers = {"Location": self.get_serializer(instance).data.get("url", "")} if "url" in serializer.fields else {}
        return self.detail_response(instance, status_code=status.HTTP_201_CREATED, headers=headers)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        expected = self.check_precondition(instance)
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            instance = self.write_update(instance, serializer.validated_data, expected)
        return self.detail_response(self.refetch(instance))

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        expected = self.check_precondition(instance)
        self.write_delete(instance, expected)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def agreement_of_data(self, data: dict) -> Agreement | None:
        return None

    def write_create(self, data: dict):
        return services.reference_save(
            instance=self.get_queryset().model(), user=self.request.user, reason=self.reason(), **data
        )

    def write_update(self, instance, data: dict, expected: int | None):
        return services.reference_save(instance=instance, user=self.request.user, reason=self.reason(), **data)

    def write_delete(self, instance, expected: int | None) -> None:
        services.reference_delete(instance=instance, user=self.request.user, reason=self.reason())

    def handle_exception(self, exc):
        """Map the services' exceptions to HTTP: 400 invalid, 409 protected, 412 stale."""
        if isinstance(exc, ConcurrencyConflict):
            exc = self._precondition_failed(exc.current)
        elif isinstance(exc, DjangoValidationError):
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            exc = exceptions.ValidationError(detail)
        elif isinstance(exc, ProtectedError):
            exc = Conflict()
        elif isinstance(exc, IntegrityError):
            exc = exceptions.ValidationError({"non_field_errors": [_("This would break a rule of the record.")]})
        response = super().handle_exception(exc)
        current = getattr(exc, "current", None)
        if current is not None and isinstance(response.data, dict):
            response.data["current_version"] = current.version
            response["ETag"] = etag_for(current)
        return response


def _crud_schema(serializer, detail_serializer=None, *, versioned: bool, extra_formats=()):
    detail_serializer = detail_serializer or serializer
    write_headers = [IF_MATCH, REASON] if versioned else [REASON]
    read = {
        200: OpenApiResponse(
            detail_serializer,
            description=_('The record; versioned records answer with an ETag header ("v<version>") for If-Match.'),
        ),
        **_error_responses(401, 404, 429),
    }
    write_errors = _error_responses(400, 401, 403, 404, *((412, 428) if versioned else ()))
    return extend_schema_view(
        list=extend_schema(**list_schema(serializer, extra_formats=extra_formats)),
        retrieve=extend_schema(responses=read),
        create=extend_schema(
            parameters=[REASON], responses={201: detail_serializer, **_error_responses(400, 401, 403)}
        ),
        update=extend_schema(parameters=write_headers, responses={200: detail_serializer, **write_errors}),
        partial_update=extend_schema(parameters=write_headers, responses={200: detail_serializer, **write_errors}),
        destroy=extend_schema(
            parameters=write_headers,
            responses={204: None, **_error_responses(401, 403, 404, 409, *((412, 428) if versioned else ()))},
        ),
    )


# --- Reference data -----------------------------------------------------------------------


class CodeLookupMixin:
    """Records found by their code in the URL, case-insensitively (``/api/chapters/roo/``)."""

    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9]+"

    def get_object(self):
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return super().get_object()


@_crud_schema(api.PartySerializer, versioned=False)
class PartyViewSet(CodeLookupMixin, TrackerViewSet):
    """Countries (ISO 3166-1 alpha-3) and blocs. Curators edit them."""

    queryset = Party.objects.prefetch_related("members")
    serializer_class = api.PartySerializer
    filterset_class = PartyFilterSet
    default_ordering = ["name", "pk"]


@_crud_schema(api.ChapterSerializer, versioned=False)
class ChapterViewSet(CodeLookupMixin, TrackerViewSet):
    """The chapter catalog. Curators edit it."""

    queryset = Chapter.objects.all()
    serializer_class = api.ChapterSerializer
    filterset_class = ChapterFilterSet
    default_ordering = ["order", "code"]


@_crud_schema(api.SourceSerializer, versioned=False)
class SourceViewSet(TrackerViewSet):
    """Public documents facts are read from. Officials and curators add them; curators edit."""

    queryset = Source.objects.all()
    serializer_class = api.SourceSerializer
    filterset_class = SourceFilterSet
    default_ordering = [F("published_on").desc(nulls_last=True), "title", "pk"]


# --- Agreements and status events ---------------------------------------------------------


@_crud_schema(api.AgreementSerializer, versioned=True)
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


@_crud_schema(api.StatusEventSerializer, versioned=True)
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


@_crud_schema(api.RoundSerializer, api.RoundDetailSerializer, versioned=True, extra_formats=RoundFormat.values)
class RoundViewSet(TrackerViewSet):
    """Rounds and other meetings, with the chapters discussed. The detail also nests the notes
    you may read (public ones; confidential ones too if you may edit the agreement)."""

    filterset_class = RoundFilterSet
    default_ordering = NEWEST_FIRST
    export_kind = columns.ROUNDS

    def get_serializer_class(self):
        return api.RoundSerializer if self.action == "list" else api.RoundDetailSerializer

    def get_queryset(self):
        queryset = Round.objects.select_related("agreement", "venue__country").prefetch_related(
            progress_prefetch(), Prefetch("citations", queryset=RoundSource.objects.select_related("source"))
        )
        if self.action != "list":
            notes = notes_visible_to(self.request.user, ProgressNote.objects.select_related("chapter"))
            queryset = queryset.prefetch_related(
                Prefetch("notes", queryset=notes.order_by("created_at", "pk"), to_attr="visible_notes")
            )
        return queryset

    def agreement_of(self, obj):
        return obj.agreement

    def agreement_of_data(self, data):
        return data.get("agreement")

    def _venue(self, data: dict, instance=None):
        """Resolve city/country/place into a Venue (created once); None when no city is given."""
        city = data.pop("city", None)
        code = data.pop("country", None)
        place = data.pop("place", None)
        if city is None and code is None and place is None:
            return UNCHANGED
        if instance is not None and instance.venue is not None:
            city = instance.venue.city if city is None else city
            code = instance.venue.country.code if code is None else code
            place = instance.venue.place if place is None else place
        city, code, place = (city or "").strip(), (code or "").strip().upper(), (place or "").strip()
        if not city and not code:
            return None
        if not city or not code:
            raise exceptions.ValidationError({"city": [_("Give both the city and the country, or neither.")]})
        country = Party.objects.filter(code=code).first()
        if country is None or country.kind != PartyKind.COUNTRY:
            raise exceptions.ValidationError({"country": [_("Unknown country code “%(code)s”.") % {"code": code}]})
        return services.venue_get_or_create(city=city, country=country, place=place, user=self.request.user)

    def write_create(self, data):
        data = dict(data)
        venue = self._venue(data)
        data.pop("end_precision", None)
        round_obj, _created = services.round_upsert(
            venue=None if venue is UNCHANGED else venue, user=self.request.user, reason=self.reason(), **data
        )
        return round_obj

    def write_update(self, instance, data, expected):
        data = dict(data)
        venue = self._venue(data, instance)
        if venue is not UNCHANGED:
            data["venue"] = venue
        data.pop("end_precision", None)
        return services.round_update(
            round=instance, expected_version=expected, user=self.request.user, reason=self.reason(), **data
        )

    def write_delete(self, instance, expected):
        services.round_delete(round=instance, expected_version=expected, user=self.request.user, reason=self.reason())


@_crud_schema(api.ChapterProgressSerializer, versioned=True)
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
        progress, _created = services.chapter_progress_set(
            round=data["round"],
            chapter=data["chapter"],
            status=data["status"],
            note=data.get("note", ""),
            user=self.request.user,
            reason=self.reason(),
        )
        return progress

    def write_update(self, instance, data, expected):
        return services.chapter_progress_update(
            progress=instance, expected_version=expected, user=self.request.user, reason=self.reason(), **data
        )

    def write_delete(self, instance, expected):
        services.chapter_progress_delete(
            progress=instance, expected_version=expected, user=self.request.user, reason=self.reason()
        )


@_crud_schema(api.NoteSerializer, versioned=True)
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

    def write_create(self, data):
        return services.note_add(
            round=data["round"],
            text=data["text"],
            chapter=data.get("chapter"),
            visibility=data.get("visibility", Visibility.PUBLIC),
            source=data.get("source"),
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
    parameters=[
        OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=columns.KINDS),
        OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(columns.FORMATS)),
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
        **_error_responses(404, 429),
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
