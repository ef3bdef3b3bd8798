"""The tables of a backup: one file per domain table, its columns derived from the model.

Every concrete field of a model is a column, named like the field, so a field added later
(a translated name, a new note) is carried without anyone remembering to add it here. A
reference to another record is written as that record's code, slug, username or group name
where it has one, else as the ``id`` column of the other table's file; each record keeps its
own id, so links to a round or a note still work after a restore.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models

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
        manager = self.model._base_manager
        queryset = manager.all()
        if hasattr(queryset, "rewrite"):
            # django-modeltranslation would read ``name`` as the active language's column;
            # the backup wants each stored column as it is.
            queryset = queryset.rewrite(False)
        return queryset.order_by(*self.order)

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
