"""What the OpenAPI schema says beyond what drf-spectacular infers, so that a client generated
from it (openapi-python-client, openapi-generator) reads well and needs no hand-editing:

- request bodies apart from responses (``COMPONENT_SPLIT_REQUEST``), and update bodies without
  the fields fixed at creation (:func:`update_request`);
- one validation-error shape for every 400 (:class:`ValidationErrorSchema`);
- a description on every parameter (:func:`describe_parameters`, a post-processing hook), and
  tag descriptions (``TAGS``, read by the settings).
"""

from drf_spectacular.extensions import OpenApiSerializerExtension

from .serializers import VALIDATION_ERROR_SCHEMA

TAGS = [
    {"name": "agreements", "description": "Trade agreements under negotiation or in force, with their parties."},
    {"name": "status-events", "description": "Each agreement's dated status steps (launched, signed, in force…)."},
    {"name": "rounds", "description": "Negotiating rounds and other meetings, with the chapters discussed."},
    {"name": "chapter-progress", "description": "How far each chapter got at each round (the matrix's cells)."},
    {"name": "notes", "description": "Progress notes: the negotiation's journal (public ones, or those you may read)."},
    {"name": "parties", "description": "Countries (ISO 3166-1 alpha-3) and blocs."},
    {"name": "chapters", "description": "The chapter catalog (stable codes such as ROO, SPS, CRM)."},
    {"name": "sources", "description": "Public documents the facts are read from."},
    {"name": "export", "description": "Every record of one kind in the import format (CSV or JSON)."},
]

# Parameters whose description drf-spectacular cannot infer (path ids, filters built by a
# method or with their own schema). The site's filter labels are short; these say what to send.
PARAMETER_DESCRIPTIONS = {
    "id": "The record's id (the `id` field of the list).",
    "slug": "The agreement's slug, e.g. `india-peru-ta`.",
    "code": "A code, case-insensitive: ISO 3166-1 alpha-3 or bloc code (parties), chapter code (chapters).",
    "agreement": "Agreement slug, e.g. `india-peru-ta`; repeat for several (any of them).",
    "chapter": "Chapter code from `/api/chapters/`, e.g. `ROO`; case-insensitive.",
    "party": "Party code (ISO 3166-1 alpha-3 such as `PER`, or a bloc such as `PA`); repeat for several.",
    "party_include_members": "With `party` set to a bloc: also match the agreements of its member countries.",
    "host_country": "ISO 3166-1 alpha-3 code of the host country, e.g. `PER`; repeat for several.",
    "round": "A round's id.",
    "start_after": "Rounds starting on or after this date: YYYY, YYYY-MM or YYYY-MM-DD.",
    "start_before": "Rounds starting on or before this date: YYYY, YYYY-MM or YYYY-MM-DD.",
    "date_after": "Events on or after this date: YYYY, YYYY-MM or YYYY-MM-DD.",
    "date_before": "Events on or before this date: YYYY, YYYY-MM or YYYY-MM-DD.",
    "published_after": "Sources published on or after this date: YYYY, YYYY-MM or YYYY-MM-DD.",
    "published_before": "Sources published on or before this date: YYYY, YYYY-MM or YYYY-MM-DD.",
    "reached_after": (
        "Agreements with a status event (that happened, not planned) on or after this date: YYYY, YYYY-MM or "
        "YYYY-MM-DD; with `reached_status`, an event of that status. An event known to the month or year "
        "counts from its whole period."
    ),
    "reached_before": (
        "Agreements with a status event (that happened, not planned) on or before this date: YYYY, YYYY-MM or "
        "YYYY-MM-DD; with `reached_status`, an event of that status."
    ),
    "upcoming": "true: only rounds still to come (planned, not yet started).",
    "overdue": "true: only planned rounds whose dates have passed without a recorded outcome; false: the others.",
    "planned": "true: only planned (expected) events; false: only events that happened.",
    "is_active": "true: only chapters in use; false: only retired ones.",
    "bloc": "Bloc code: only its member countries.",
    "kind": "Which kind of record to export.",
    "fmt": "File format: `csv` (spreadsheet-safe, UTF-8 with BOM) or `json` (an array of objects).",
}


def describe_parameters(result, generator, request, public):
    """Post-processing hook: give every parameter left without a description its entry of
    PARAMETER_DESCRIPTIONS (a test checks that none is left without)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if not parameter.get("description") and parameter["name"] in PARAMETER_DESCRIPTIONS:
                    parameter["description"] = PARAMETER_DESCRIPTIONS[parameter["name"]]
    result["tags"] = TAGS
    return result


class ValidationErrorSchema(OpenApiSerializerExtension):
    """``ValidationError``: a map of field names to messages, with ``non_field_errors`` named."""

    target_class = "negotiations.api.serializers.ValidationErrorSerializer"

    def map_serializer(self, auto_schema, direction):
        return VALIDATION_ERROR_SCHEMA


def update_request(serializer):
    """The serializer as a PUT/PATCH body: without the fields fixed at creation
    (``Meta.fixed_on_update``), which an update ignores. For the schema only; the view validates
    with ``serializer`` itself, whose fixed fields are then read-only."""
    fixed = set(getattr(serializer.Meta, "fixed_on_update", ()))
    if not fixed:
        return serializer
    name = serializer.__name__.removesuffix("Serializer").removesuffix("Detail")
    meta = type("Meta", (serializer.Meta,), {"fields": [f for f in serializer.Meta.fields if f not in fixed]})
    attrs = {"Meta": meta, "__module__": serializer.__module__, **dict.fromkeys(fixed)}
    return type(f"{name}UpdateSerializer", (serializer,), attrs)
