"""The API's framework: the base viewset every endpoint derives from, and what it is made of.

- Content negotiation: only ``?format=csv`` and ``?format=json`` pick a renderer; any other
  ``format`` value stays a filter (``format=virtual``, the old name of rounds' ``meeting_format``),
  as on the site.
- Every list is filtered by the site's FilterSet (same names and messages); an invalid filter
  answers 400, never an unfiltered list. ``?format=csv`` streams every matching row.
- Optimistic concurrency: a record with a ``version`` answers GET with ``ETag: "v<version>"``;
  PUT, PATCH and DELETE must send it back in ``If-Match`` (428 without it, 412 if the record
  changed meanwhile, and then nothing is written). ``If-Match: *`` skips the check.
- Writes go through ``negotiations.services``, with the user and the reason (the
  ``X-Change-Reason`` header, or "API") stamped on the audit trail; the services' exceptions
  map to HTTP (400 invalid, 409 still used, 412 stale).
- Errors have three shapes, the schema's ``ValidationError`` (every 400), ``Conflict`` (412) and
  ``Error`` (the rest, with a language-neutral ``code``): :func:`exception_handler`.
"""

import re

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from knox.auth import TokenAuthentication
from rest_framework import exceptions, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from tracker.input_guard import control_character_errors

from .. import http_cache, services
from ..exports import split_export_format
from ..interchange import writer
from ..models import Agreement
from ..permissions import can_edit_agreement
from ..services.common import AlreadyExists, ConcurrencyConflict, integrity_error_as_validation, reason_check
from . import serializers as api
from .csv_export import csv_download, serialized_csv_chunks
from .permissions import TrackerPermission
from .schema import update_request

REASON_HEADER = "X-Change-Reason"


# --- Content negotiation, filters, pagination, CSV ----------------------------------------


class _NoFormatOverride:
    """api_settings with the ``?format=`` override switched off (we pick csv/json ourselves)."""

    URL_FORMAT_OVERRIDE = None

    def __getattr__(self, name):
        return getattr(api_settings, name)


class ExportFormatNegotiation(DefaultContentNegotiation):
    """Only ``?format=csv`` and ``?format=json`` choose a renderer; any other value of ``format``
    is the rounds' meeting-format filter under its old name (in_person, virtual, hybrid)."""

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

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            # The form's own rendered messages: django-filter's translation re-applies "%"
            # formatting to each message, which fails on input quoted without parameters.
            raise exceptions.ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
        return filterset.qs


class JSONBodyParser(JSONParser):
    """JSON request bodies; one nested beyond Python's recursion limit is a 400, not a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("JSON parse error - nested too deeply.")) from None


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


def exception_handler(exc, context):
    """DRF's handler, with every answer in one of the schema's three error shapes: a 400 is
    always a map of field names to messages (a body that is not JSON, or a message about the
    whole request, under ``non_field_errors``), and any other refusal carries ``detail`` and a
    language-neutral ``code``."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if isinstance(exc, exceptions.ParseError):
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [exc.detail]})
    elif isinstance(exc, exceptions.ValidationError) and not isinstance(exc.detail, dict):
        exc = exceptions.ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.detail})
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        if isinstance(code, str):
            response.data.setdefault("code", code)
    return response


def _error(serializer, description, code: str, detail: str, **extra) -> OpenApiResponse:
    example = OpenApiExample(code, value={"detail": detail, "code": code, **extra})
    return OpenApiResponse(serializer, description=description, examples=[example])


def error_responses(*codes: int) -> dict:
    described = {
        400: OpenApiResponse(
            api.ValidationErrorSerializer,
            description=_("Invalid input or filter: messages by field name (non_field_errors for the whole request)."),
            examples=[
                OpenApiExample("field", value={"chapter": ["Unknown chapter code “XYZ”."]}),
                OpenApiExample("non_field", value={"non_field_errors": ["JSON parse error - Expecting value"]}),
            ],
        ),
        401: _error(
            api.ErrorSerializer,
            _("Not signed in (writes), or an invalid token. Header: WWW-Authenticate."),
            "not_authenticated",
            "Authentication credentials were not provided.",
        ),
        403: _error(
            api.ErrorSerializer,
            _("Signed in but not allowed: your role, the agreements assigned to you, or a missing CSRF token."),
            "permission_denied",
            "You may not edit records of this agreement.",
        ),
        404: _error(
            api.ErrorSerializer,
            _("No such record (or not visible to you)."),
            "not_found",
            "No Round matches the given query.",
        ),
        409: OpenApiResponse(
            api.ExistsSerializer,
            description=_(
                "Create: a record with this key already exists (named in ``existing``, with its URL and "
                "ETag) and was not changed. Delete: still used by other records."
            ),
            examples=[
                OpenApiExample(
                    "already_exists",
                    value={
                        "detail": "A record with this key already exists; it was not changed.",
                        "code": "already_exists",
                        "number": ["This agreement already has a round with this number."],
                        "existing": {"url": "https://tracker.example.org/api/rounds/42/", "etag": '"v3"'},
                    },
                ),
                OpenApiExample("protected", value={"detail": Conflict.default_detail, "code": "protected"}),
            ],
        ),
        412: _error(
            api.ConflictSerializer,
            _(
                "If-Match does not match the current ETag: nothing was changed. Read the record again "
                '(its ETag is "v<current_version>") and retry.'
            ),
            "precondition_failed",
            PreconditionFailed.default_detail,
            current_version=4,
        ),
        428: _error(
            api.ErrorSerializer,
            _("If-Match header missing: send the ETag of your last GET."),
            "precondition_required",
            PreconditionRequired.default_detail,
        ),
        429: _error(
            api.ErrorSerializer,
            _("Too many requests (anonymous clients). Header: Retry-After."),
            "throttled",
            "Request was throttled. Expected available in 60 seconds.",
        ),
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
REASON = OpenApiParameter(
    REASON_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_("Why you make the change (kept in the audit trail, at most 100 characters)."),
)


def _format_parameter(old_meeting_formats: list[str] = ()) -> OpenApiParameter:
    description = _(
        "The response format: `json` (the default; also chosen by `Accept: application/json`) or "
        "`csv` (every matching row, no pagination; also `Accept: text/csv`)."
    )
    if old_meeting_formats:
        description += " " + _(
            "Deprecated: `in_person`, `virtual` and `hybrid` are still read as `meeting_format`, "
            "the filter's name before it had its own; send `meeting_format` instead."
        )
    return OpenApiParameter(
        "format",
        str,
        OpenApiParameter.QUERY,
        enum=["json", "csv", *old_meeting_formats],
        description=description,
    )


def list_schema(serializer, *, old_meeting_formats: list[str] = ()) -> dict:
    return {
        "parameters": [
            _format_parameter(old_meeting_formats),
            OpenApiParameter("page_size", int, description=_("Rows per page, at most 500.")),
        ],
        "responses": {
            (200, "application/json"): serializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            **error_responses(400, 401, 404, 429),
        },
    }


# --- The base viewset ---------------------------------------------------------------------


class TrackerViewSet(viewsets.ModelViewSet):
    """Shared behaviour: permissions, filters, CSV, ETag/If-Match, services, error mapping."""

    # Token first: an unauthenticated write or a bad token then answers 401 with
    # ``WWW-Authenticate: Token`` (session-first would make both a bare 403).
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [TrackerPermission]
    parser_classes = [JSONBodyParser, FormParser, MultiPartParser]
    filter_backends = [FilterBackend]
    pagination_class = Pagination
    content_negotiation_class = ExportFormatNegotiation
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    lookup_value_regex = "[0-9]{1,18}"  # ids beyond a 64-bit integer are not ids: 404, not 500
    default_ordering: list = ["pk"]
    export_kind: str | None = None  # an import kind: ?format=csv writes the import columns
    # 304s and cached answers: an anonymous reader's from the middleware, a token's or a
    # signed-in user's after authentication and throttling (http_cache.early_answer).
    answers_early_after_authentication = True

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
        early = http_cache.early_answer(request._request)
        if early is not None:
            return early
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
            chunks = serialized_csv_chunks(queryset, self.get_serializer_class(), self.get_serializer_context())
            return csv_download(chunks, name)
        return super().list(request, *args, **kwargs)

    @staticmethod
    def _order_of(queryset) -> list:
        return list(queryset.query.order_by) or ["pk"]

    def retrieve(self, request, *args, **kwargs):
        early = http_cache.early_answer(request._request)
        if early is not None:
            return early
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
        # A reason too long for the audit trail is refused (400, field "reason"), never cut.
        return reason_check(self.request.headers.get(REASON_HEADER, "")) or "API"

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
        headers = {"Location": self.url_of(instance)} if "url" in serializer.fields else {}
        return self.detail_response(instance, status_code=status.HTTP_201_CREATED, headers=headers)

    def url_of(self, instance) -> str:
        """The record's absolute API URL as a plain ``str``: WSGI servers refuse any other type
        in a header (DRF's ``Hyperlink`` is a ``str`` subclass, which wsgiref rejects)."""
        kwargs = {self.lookup_url_kwarg or self.lookup_field: getattr(instance, self.lookup_field)}
        path = reverse(f"api:{self.basename}-detail", kwargs=kwargs)
        return str(self.request.build_absolute_uri(path))

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

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("POST", "PUT", "PATCH"):
            # Checked before any lookup: a NUL in a slug or code would fail in PostgreSQL.
            errors = control_character_errors(request.data)
            if errors:
                raise exceptions.ValidationError(errors)

    def already_exists(self, exc: AlreadyExists) -> Response:
        """409: the key is taken. Names the record that holds it (its URL and ETag), which is
        left as it is: to change it, PUT or PATCH it with that ETag in If-Match."""
        data = {
            "detail": _("A record with this key already exists; it was not changed."),
            "code": "already_exists",
            **api_errors(exc),
        }
        existing = exc.existing
        model = self.get_queryset().model
        if isinstance(existing, model) and self.get_queryset().filter(pk=existing.pk).exists():
            data["existing"] = {"url": self.url_of(existing), "etag": etag_for(existing)}
        return Response(data, status=status.HTTP_409_CONFLICT)

    def handle_exception(self, exc):
        """Map the services' exceptions to HTTP: 400 invalid, 409 taken or protected, 412 stale.

        An ``IntegrityError`` that reaches here is reported as the rule it broke, on its field:
        409 for a unique key, 400 for any other constraint; never a 500."""
        if isinstance(exc, IntegrityError) and not isinstance(exc, ProtectedError):
            exc = integrity_error_as_validation(exc)
        if isinstance(exc, AlreadyExists):
            return self.already_exists(exc)
        if isinstance(exc, ConcurrencyConflict):
            exc = self._precondition_failed(exc.current)
        elif isinstance(exc, DjangoValidationError):
            exc = exceptions.ValidationError(api_errors(exc))
        elif isinstance(exc, ProtectedError):
            exc = Conflict()
        response = super().handle_exception(exc)
        current = getattr(exc, "current", None)
        if current is not None and isinstance(response.data, dict):
            response.data["current_version"] = current.version
            response["ETag"] = etag_for(current)
        return response


def api_errors(error: DjangoValidationError) -> dict:
    """A Django ``ValidationError`` as the API reports errors: by field, ``non_field_errors``
    for the record as a whole (DRF's name for Django's ``__all__``)."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
        for field, messages in error.message_dict.items()
    }


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "A note has no natural key: name the attempt (any string of at most 100 characters, e.g. a "
        "UUID) and a retried POST with the same key answers 200 with the note the first one created "
        "instead of adding it again. Keys are yours alone and kept with the note."
    ),
)


def crud_schema(
    serializer, detail_serializer=None, *, versioned: bool, old_meeting_formats=(), idempotent_create=False
):
    """The schema of a viewset's operations: the list's and the detail's serializers for the
    responses, ``serializer`` as the create body and it without its fixed fields as the update
    body, the headers and the error shapes."""
    detail_serializer = detail_serializer or serializer
    update_body = update_request(serializer)
    create_responses = {201: detail_serializer, **error_responses(400, 401, 403, 409)}
    if idempotent_create:
        create_responses[200] = OpenApiResponse(
            detail_serializer, description=_("A retry: the note created earlier with this Idempotency-Key.")
        )
    write_headers = [IF_MATCH, REASON] if versioned else [REASON]
    read = {
        200: OpenApiResponse(
            detail_serializer,
            description=_('The record; versioned records answer with an ETag header ("v<version>") for If-Match.'),
        ),
        **error_responses(401, 404, 429),
    }
    write_errors = error_responses(400, 401, 403, 404, *((412, 428) if versioned else ()))
    return extend_schema_view(
        list=extend_schema(**list_schema(serializer, old_meeting_formats=old_meeting_formats)),
        retrieve=extend_schema(responses=read),
        create=extend_schema(
            parameters=[REASON, *([IDEMPOTENCY_KEY] if idempotent_create else [])],
            request=serializer,
            responses=create_responses,
        ),
        update=extend_schema(
            parameters=write_headers, request=update_body, responses={200: detail_serializer, **write_errors}
        ),
        partial_update=extend_schema(
            parameters=write_headers, request=update_body, responses={200: detail_serializer, **write_errors}
        ),
        destroy=extend_schema(
            parameters=write_headers,
            responses={204: None, **error_responses(401, 403, 404, 409, *((412, 428) if versioned else ()))},
        ),
    )


class CodeLookupMixin:
    """Records found by their code in the URL, case-insensitively (``/api/chapters/roo/``)."""

    lookup_field = "code"
    lookup_value_regex = "[A-Za-z0-9]+"

    def get_object(self):
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return super().get_object()
