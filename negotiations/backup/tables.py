"""The tables of a backup: one file per domain table, its columns derived from the model.

Every concrete field of a model is a column, named like the field, so a field added later
(a translated name, a new note) is carried without anyone remembering to add it here. A
reference to another record is written as that record's code, slug, username or group name
where it has one, else as the ``id`` column of the other table's file; each record keeps its
own id, so links to a round or a note still work after a restore.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import DEFAULT_DB_ALIAS, models

from ..models import (
    Agreement,
    AgreementParty,
    AgreementSource,
    BlocMembership,
    Chapter,
    ChapterProgress,
    Party,
    ProgressNote,
    Round,
    RoundSource,
    Source,
    StatusEvent,
    StatusEventSource,
    Venue,
)

TRUE, FALSE = "true", "false"
# In a text column that may be null (the translated names: null when never translated), null
# is written as \N, as PostgreSQL's COPY does, and a text of backslashes before an N gets one
# more backslash: an empty cell stays the empty text.
NULL_TEXT = "\\N"
_ESCAPED_N = re.compile(r"\\+N")
TEXT_FIELDS = {"CharField", "TextField", "SlugField", "URLField", "EmailField"}


def reference_key(model: type[models.Model]) -> str:
    """The field other files use to name a record of ``model``: a unique, readable one if the
    model has it, else the id."""
    if model is get_user_model():
        return model.USERNAME_FIELD
    return {Party: "code", Chapter: "code", Agreement: "slug", Group: "name"}.get(model, "id")


@dataclass(frozen=True)
class Table:
    """One file of a backup: ``name`` is the file's stem; ``order`` keeps files diffable."""

    name: str
    model: type[models.Model]
    order: tuple[str, ...] = ("pk",)

    @cached_property
    def fields(self) -> list[models.Field]:
        """The columns' fields. The id of a many-to-many link table names nothing anybody uses."""
        auto_link = self.model._meta.auto_created
        return [f for f in self.model._meta.concrete_fields if not (auto_link and f.primary_key)]

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    @cached_property
    def lookups(self) -> list[str]:
        """What ``values_list`` reads for each column: a reference's key through the relation."""
        out = []
        for f in self.fields:
            if f.is_relation:
                key = reference_key(f.related_model)
                out.append(f.attname if key == "id" else f"{f.name}__{key}")
            else:
                out.append(f.attname)
        return out

    def queryset(self):
        # The primary, where the export's snapshot transaction is.
        queryset = self.model._base_manager.using(DEFAULT_DB_ALIAS)
        if hasattr(queryset, "rewrite"):
            # django-modeltranslation would read ``name`` as the active language's column;
            # the backup wants each stored column as it is.
            queryset = queryset.rewrite(False)
        return queryset.order_by(*self.order)

    @cached_property
    def nullable_text(self) -> list[bool]:
        return [f.null and not f.is_relation and f.get_internal_type() in TEXT_FIELDS for f in self.fields]

    def cells(self, values) -> list[str]:
        """A record's values as the cells of its row."""
        return [
            text_cell(v) if text else cell_from_value(v) for v, text in zip(values, self.nullable_text, strict=True)
        ]

    def json_record(self, values) -> dict:
        """A record as a JSON object: null, booleans and numbers as such, the rest as its cell text."""
        return {
            column: text_cell(v) if text else json_from_value(v)
            for column, v, text in zip(self.columns, values, self.nullable_text, strict=True)
        }

    def values(self, queryset=None):
        """Every record (of ``queryset``, else all) as a tuple of column values, streamed."""
        queryset = self.queryset() if queryset is None else queryset
        yield from queryset.values_list(*self.lookups).iterator(chunk_size=2000)


def cell_from_value(value) -> str:
    """A value as the text of a CSV cell: empty for none, true/false, ISO 8601 dates and times
    (with their UTC offset)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return TRUE if value else FALSE
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def text_cell(value: str | None) -> str:
    if value is None:
        return NULL_TEXT
    return "\\" + value if _ESCAPED_N.fullmatch(value) else value


def text_from_cell(cell: str) -> str | None:
    if cell == NULL_TEXT:
        return None
    return cell[1:] if _ESCAPED_N.fullmatch(cell) else cell


def json_from_value(value):
    """A value in a JSON file: null, a boolean or a number where it is one, else its cell text."""
    if value is None or isinstance(value, bool | int):
        return value
    return cell_from_value(value)


def cell_from_json(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return TRUE if value else FALSE
    return str(value)


# In the order a restore writes them: every table after those it refers to.
TABLES = [
    Table("parties", Party, ("code",)),
    Table("bloc-memberships", BlocMembership, ("bloc__code", "member__code", "joined_on", "pk")),
    Table("chapters", Chapter, ("order", "code")),
    Table("sources", Source),
    Table("agreements", Agreement, ("slug",)),
    Table("agreement-parties", AgreementParty, ("agreement__slug", "party__code")),
    Table("agreement-editors", Agreement.editors.through, ("agreement__slug", "user_id")),
    Table("agreement-editor-groups", Agreement.editor_groups.through, ("agreement__slug", "group__name")),
    Table("agreement-sources", AgreementSource, ("agreement__slug", "pk")),
    Table("status-events", StatusEvent, ("agreement__slug", "date", "sequence", "pk")),
    Table("status-event-sources", StatusEventSource),
    Table("venues", Venue),
    Table("rounds", Round),
    Table("round-sources", RoundSource),
    Table("chapter-progress", ChapterProgress),
    Table("notes", ProgressNote),
]
TABLES_BY_NAME = {table.name: table for table in TABLES}
NOTES = "notes"
