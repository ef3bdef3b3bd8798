"""The API's CSV downloads; lists that are not an import kind (notes, parties, chapters, sources)
are written from their serializer.

The list's serializer is the one definition of the columns: its fields, in order, without the
nested lists; lists of values are joined by ``;``, booleans are ``true``/``false``, nulls are
empty.

Large exports (500,000 notes) are read as plain tuples: :func:`serializer_csv_plan` turns each
serializer field into a database lookup for ``values_list()`` and a converter that gives the
same text the serializer would (model fields through the field's own ``to_representation``,
foreign keys by id or slug, the record's API link from a URL template computed once). A
serializer with a field the plan cannot read that way (a method field, a partial date, a
property) is exported through ``serializer.to_representation`` row by row, with the same
output. Either way rows are written in batches into one buffer, so a response yields a few
hundred pieces instead of one per row, and memory stays flat (``iterator(chunk_size)``).
"""

from collections.abc import Callable, Iterator

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.settings import ISO_8601, api_settings

from ..exports import pk_url_template
from ..interchange.writer import csv_pieces
from .serializers import LinkField

CHUNK_SIZE = 2000  # rows fetched from the database at a time


def flatten(value) -> str:
    """A serialized value as one CSV cell."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(flatten(v) if not isinstance(v, dict) else flatten(next(iter(v.values()), "")) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def csv_fields(serializer) -> list[str]:
    """The CSV columns of a serializer: its fields without nested lists, in order."""
    return [name for name, f in serializer.fields.items() if not isinstance(f, serializers.ListSerializer)]


# --- The plan: one database lookup and one converter per column --------------------------------


def _model_path(model, attrs: list[str]):
    """The model field at the end of ``attrs`` (``round.agreement.slug``), following only
    non-null foreign keys on the way; None when the path is anything else (a property, a
    reverse relation, a nullable hop whose serializer behaviour differs)."""
    field = None
    for attr in attrs:
        if field is not None:
            if not isinstance(field, models.ForeignKey) or field.null:
                return None
            model = field.related_model
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None
        if not field.concrete or field.many_to_many:
            return None
    return field


def _text(value) -> str:
    return "" if value is None else value if type(value) is str else str(value)


def _via(field) -> Callable:
    """The serializer field's own representation, flattened (used where no faster equivalent)."""
    represent = field.to_representation

    def convert(value):
        return "" if value is None else flatten(represent(value))

    return convert


def _datetime(field) -> Callable:
    """DRF's ISO 8601 datetime (in the current time zone, ``+00:00`` as ``Z``), without its per
    value time-zone lookups."""
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if output_format is None or output_format.lower() != ISO_8601 or zone is None:
        return _via(field)
    represent = field.to_representation

    def convert(value):
        if value is None:
            return ""
        if value.tzinfo is None:
            return flatten(represent(value))
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _inherits(field, base) -> bool:
    """``field`` reads and represents its value exactly as ``base`` does."""
    cls = type(field)
    return (
        isinstance(field, base)
        and cls.get_attribute is base.get_attribute
        and cls.to_representation is base.to_representation
    )


# Their representation is str(value) or int(value) (a big integer: either): the same text.
_PLAIN = (serializers.CharField, serializers.URLField, serializers.IntegerField, serializers.BigIntegerField)
_REPRESENTED = (serializers.ChoiceField, serializers.BooleanField, serializers.DateField, serializers.EmailField)


def _column(field, model, request) -> tuple[str, Callable] | None:
    """(lookup for values_list, converter) for one serializer field, or None if it has none."""
    attrs = field.source_attrs
    if field.write_only:
        return "pk", lambda _value: ""  # not in the serializer's output: an empty cell
    if type(field) is LinkField:
        if attrs or field.lookup_field != "pk":
            return None
        template = pk_url_template(field.view_name, request, kwarg=field.lookup_url_kwarg)
        return "pk", lambda pk: "" if pk is None else template(pk)
    if not attrs:
        return None
    model_field = _model_path(model, attrs)
    if model_field is None:
        return None
    lookup = "__".join(attrs)
    is_fk = isinstance(model_field, models.ForeignKey)
    if _inherits(field, serializers.PrimaryKeyRelatedField):
        if len(attrs) != 1 or not is_fk or field.pk_field is not None:
            return None
        if model_field.target_field is not model_field.related_model._meta.pk:
            return None
        return lookup, _text  # the foreign key's id
    if _inherits(field, serializers.SlugRelatedField):
        if len(attrs) != 1 or not is_fk or "__" in field.slug_field:
            return None
        try:
            model_field.related_model._meta.get_field(field.slug_field)
        except FieldDoesNotExist:
            return None
        return f"{lookup}__{field.slug_field}", _text
    if is_fk:
        return None
    if type(field) in _PLAIN:
        return lookup, _text
    if type(field) is serializers.DateTimeField:
        return lookup, _datetime(field)
    if type(field) in _REPRESENTED:
        return lookup, _via(field)
    return None


def serializer_csv_plan(serializer, model, request) -> list[tuple[str, Callable]] | None:
    """One (lookup, converter) per CSV column, or None when a column needs the model instance."""
    if type(serializer).to_representation is not serializers.Serializer.to_representation:
        return None  # the serializer rewrites its rows: only it knows how
    plan = []
    for name in csv_fields(serializer):
        column = _column(serializer.fields[name], model, request)
        if column is None:
            return None
        plan.append(column)
    return plan


# --- Streaming ---------------------------------------------------------------------------------


def serialized_csv_chunks(queryset, serializer_class, context) -> Iterator[str]:
    """The CSV text of ``queryset`` as ``serializer_class`` describes it, in pieces."""
    serializer = serializer_class(context=context)
    fields = csv_fields(serializer)
    plan = serializer_csv_plan(serializer, queryset.model, context.get("request"))
    if plan is not None:
        converters = [convert for _lookup, convert in plan]
        tuples = queryset.prefetch_related(None).values_list(*(lookup for lookup, _convert in plan))
        rows = tuples.iterator(chunk_size=CHUNK_SIZE)
        return csv_pieces(
            fields, ([convert(value) for convert, value in zip(converters, row, strict=True)] for row in rows)
        )

    # One serializer for all rows: building one per row made the notes export 3× slower.
    def cells(obj):
        data = serializer.to_representation(obj)
        return [flatten(data.get(name)) for name in fields]

    return csv_pieces(fields, map(cells, queryset.iterator(chunk_size=CHUNK_SIZE)))


def csv_download(chunks, name: str) -> StreamingHttpResponse:
    """A streamed CSV download named ``<name>-<date>.csv``."""
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate().isoformat()}.csv"'
    return response
