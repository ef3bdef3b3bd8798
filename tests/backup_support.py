"""Helpers for the backup tests: a canonical dump of every domain table, emptying them, and
changing a backup's file."""

import hashlib
import json

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection

from negotiations.backup.files import MANIFEST
from negotiations.backup.tables import TABLES

# A readable unique field per model; records of other models are named by all their fields.
NATURAL_KEYS = {"Party": "code", "Chapter": "code", "Agreement": "slug", "Group": "name"}


def domain_models() -> list:
    """Every concrete model of the app outside the audit trail, and the many-to-many link
    tables those models declare without a model of their own."""
    found = []
    for model in apps.get_app_config("negotiations").get_models():
        if model._meta.proxy or model.__name__.startswith("Historical") or model.__name__ == "DataVersion":
            continue
        found.append(model)
        found.extend(
            m2m.remote_field.through for m2m in model._meta.many_to_many if m2m.remote_field.through._meta.auto_created
        )
    return found


class CanonicalDump:
    """Every row of every domain table, ids replaced by natural keys, timestamps kept."""

    def __init__(self):
        self.rows: dict = {}  # model -> {pk: row (attname -> value)}
        self.keys: dict = {}

    def _rows(self, model) -> dict:
        if model not in self.rows:
            queryset = model._base_manager.all()
            if hasattr(queryset, "rewrite"):
                queryset = queryset.rewrite(False)  # each stored column, not the active language's
            self.rows[model] = {row[model._meta.pk.attname]: row for row in queryset.values()}
        return self.rows[model]

    def key(self, model, pk):
        if pk is None:
            return None
        if model is get_user_model():
            return model._base_manager.values_list(model.USERNAME_FIELD, flat=True).get(pk=pk)
        if (model, pk) not in self.keys:
            if model.__name__ == "Group":
                self.keys[(model, pk)] = model._base_manager.values_list("name", flat=True).get(pk=pk)
            else:
                row = self._rows(model)[pk]
                name = NATURAL_KEYS.get(model.__name__)
                self.keys[(model, pk)] = row[name] if name else self.record(model, row)
        return self.keys[(model, pk)]

    def record(self, model, row: dict) -> tuple:
        out = []
        for f in model._meta.concrete_fields:
            if f.primary_key:
                continue
            value = row[f.attname]
            out.append((f.name, self.key(f.related_model, value) if f.is_relation else value))
        return tuple(out)

    def of(self, model) -> list:
        return sorted((self.record(model, row) for row in self._rows(model).values()), key=repr)

    def everything(self) -> dict:
        return {model._meta.label: self.of(model) for model in domain_models()}


def canonical_dump() -> dict:
    return CanonicalDump().everything()


def domain_tables_empty() -> None:
    """Delete every record a backup carries (accounts and groups stay): an empty target."""
    with connection.cursor() as cursor:
        for table in reversed(TABLES):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table.model._meta.db_table)}")


def file_rewrite(directory, name: str, text: str, *, fix_checksum: bool = True) -> None:
    """Change a backup's file and (like a careful forger) its checksum in the manifest."""
    (directory / name).write_text(text, encoding="utf-8")
    if fix_checksum:
        manifest = json.loads((directory / MANIFEST).read_text())
        manifest["files"][name]["sha256"] = hashlib.sha256(text.encode()).hexdigest()
        (directory / MANIFEST).write_text(json.dumps(manifest))
