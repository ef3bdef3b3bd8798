"""Helpers every service uses: the audit-trail stamp, optimistic concurrency, citations.

Every write these helpers (or any other code) make also moves the record's data version, which
the HTTP validators and the shared page cache are keyed by. No service calls anything for it:
the database connection bumps it in the writing transaction (``negotiations/data_version.py``),
so no door can forget it.
"""

import re
from collections.abc import Iterable

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model, UniqueConstraint
from django.utils.translation import gettext as _

# django-simple-history stores the change reason in a 100-character column. A longer reason is
# refused, never cut: the audit trail must say what the user wrote.
REASON_MAX_LENGTH = 100


def reason_check(reason: str) -> str:
    """The reason for a change as it will be recorded; ``ValidationError`` (key ``reason``) if too long."""
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Keep the reason to %(max)s characters (it has %(count)s).")
                % {"max": REASON_MAX_LENGTH, "count": len(reason)}
            }
        )
    return reason


class ConcurrencyConflict(Exception):
    """Raised when a record changed after the user loaded it (optimistic concurrency).

    ``current`` is the record as it is now in the database, so the caller can show what
    changed meanwhile.
    """

    def __init__(self, current: Model):
        self.current = current
        super().__init__(_("This record was changed by someone else after you opened it."))


class AlreadyExists(ValidationError):
    """A create (or a change of a natural key) refused because another record holds the key.

    A ``ValidationError`` on the key's field, so forms and the importer show it like any rule;
    the API answers 409 naming ``existing``.
    """

    def __init__(self, existing: Model | None, field: str, message):
        self.existing = existing
        super().__init__({field: [message]})


def save_checked(instance: Model, *, update_fields=None) -> Model:
    """Save ``instance`` in a savepoint, turning a database constraint violation into the
    rule's ``ValidationError`` (``AlreadyExists`` for a taken natural key).

    The database's unique constraints decide who wins a race between two creates: a check
    before the insert cannot, since both checks pass before either row is written.
    """
    try:
        with transaction.atomic():
            instance.save(update_fields=update_fields)
    except IntegrityError as error:
        raise integrity_error_as_validation(error, instance) from error
    return instance


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)")
_POSTGRES_KEY = re.compile(r"Key \(([^)]+)\)=")
_CONSTRAINT_NAME = re.compile(r'(?:constraint failed: |constraint ")([a-z0-9_]+)"?', re.IGNORECASE)


def integrity_error_as_validation(error: IntegrityError, instance: Model | None = None) -> ValidationError:
    """The rule an ``IntegrityError`` broke, as a ``ValidationError`` on the field it is about.

    With ``instance``, a unique key it shares with another row is reported as
    ``AlreadyExists`` naming that row. Otherwise the rule is found from what the database says:
    the constraint's name (PostgreSQL; SQLite for check constraints) or the unique columns
    (SQLite). A unique key gives ``AlreadyExists`` (409 in the API), any other rule a plain
    ``ValidationError`` (400); an unknown one is a whole-record error.
    """
    if instance is not None:
        clash = _unique_clash(instance)
        if clash is not None:
            return clash
    text = str(error)
    models = list(apps.get_app_config("negotiations").get_models())
    match = _CONSTRAINT_NAME.search(text)
    name = match.group(1) if match else ""
    for model in models:
        for constraint in model._meta.constraints:
            if constraint.name == name:
                return _constraint_error(model, constraint)
    unique = _SQLITE_UNIQUE.search(text)
    key = _POSTGRES_KEY.search(text)
    if unique or key:
        if unique:
            pairs = [item.rsplit(".", 1) for item in unique.group(1).split(", ")]
            tables, columns = {table for table, _column in pairs}, [column for _table, column in pairs]
        else:
            tables, columns = None, [column.strip() for column in key.group(1).split(",")]
        for model in models:
            if tables is not None and model._meta.db_table not in tables:
                continue
            by_column = {field.column: field for field in model._meta.concrete_fields}
            if not all(column in by_column for column in columns):
                continue
            names = [by_column[column].name for column in columns]
            for constraint in model._meta.constraints:
                if isinstance(constraint, UniqueConstraint) and list(constraint.fields) == names:
                    return _constraint_error(model, constraint)
            if len(names) == 1 and by_column[columns[0]].unique:
                field = by_column[columns[0]]
                return AlreadyExists(None, field.name, model().unique_error_message(model, [field.name]))
    return ValidationError({NON_FIELD_ERRORS: [_("This would break a rule of the record.")]})


def _constraint_error(model, constraint) -> ValidationError:
    field = getattr(model, "CONSTRAINT_FIELDS", {}).get(constraint.name) or _first_field(constraint)
    message = constraint.get_violation_error_message()
    if isinstance(constraint, UniqueConstraint):
        return AlreadyExists(None, field or NON_FIELD_ERRORS, message)
    return ValidationError({field or NON_FIELD_ERRORS: [message]})


def _first_field(constraint) -> str | None:
    fields = getattr(constraint, "fields", ())
    return fields[-1] if fields else None


def _unique_clash(instance: Model) -> AlreadyExists | None:
    """The ``AlreadyExists`` for the first unique field or constraint another row shares with ``instance``."""
    model = type(instance)
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            value = getattr(instance, field.attname)
            others = model._default_manager.filter(**{field.attname: value})
            if instance.pk is not None:
                others = others.exclude(pk=instance.pk)
            existing = others.first() if value is not None else None
            if existing is not None:
                return AlreadyExists(existing, field.name, instance.unique_error_message(model, [field.name]))
    for constraint in model._meta.constraints:
        if not isinstance(constraint, UniqueConstraint) or not constraint.fields or constraint.condition:
            continue
        values = {}
        for name in constraint.fields:
            field = model._meta.get_field(name)
            values[field.attname] = getattr(instance, field.attname)
        if any(value is None for value in values.values()):
            continue  # NULLs never clash
        others = model._default_manager.filter(**values)
        if instance.pk is not None:
            others = others.exclude(pk=instance.pk)
        existing = others.first()
        if existing is not None:
            field = getattr(model, "CONSTRAINT_FIELDS", {}).get(constraint.name) or constraint.fields[-1]
            return AlreadyExists(existing, field, constraint.get_violation_error_message())
    return None


def history_stamp(instance: Model, *, user=None, reason: str = "") -> Model:
    """Tell django-simple-history who makes the next save or delete of ``instance``, and why."""
    reason = reason_check(reason)
    # Both are set or cleared on every call: an instance written twice must not carry the first
    # write's user or reason into the second.
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user
    else:
        instance.__dict__.pop("_history_user", None)
    instance._change_reason = reason or None
    return instance


def version_claim(instance: Model, *, expected_version: int | None) -> None:
    """Bump ``instance.version`` if it still equals ``expected_version``; else raise a conflict.

    Must run inside the transaction that saves the instance. ``expected_version=None`` skips
    the check (imports and curators' bulk actions). This is the one optimistic-concurrency
    protocol: the conditional UPDATE both checks and locks the row until the transaction ends,
    so a concurrent writer waits, then finds the version moved on.
    """
    model = type(instance)
    if expected_version is None:
        model.objects.filter(pk=instance.pk).update(version=F("version") + 1)
    else:
        claimed = model.objects.filter(pk=instance.pk, version=expected_version).update(version=F("version") + 1)
        if not claimed:
            raise ConcurrencyConflict(model.objects.get(pk=instance.pk))
    instance.version = model.objects.values_list("version", flat=True).get(pk=instance.pk)


def record_delete(instance: Model, *, expected_version: int | None, user, reason: str) -> None:
    """Delete a record, stamped in the history; a versioned one only if it is still at
    ``expected_version`` (when given)."""
    with transaction.atomic():
        if hasattr(instance, "version"):
            version_claim(instance, expected_version=expected_version)
        history_stamp(instance, user=user, reason=reason)
        instance.delete()


# --- Sources ----------------------------------------------------------------------------


def citations_set(*, owner: Model, sources: Iterable, user=None, reason: str = "") -> None:
    """Attach sources to an agreement, status event or round (adding, never removing).

    Each item is a ``Source`` or a ``(source, note, conflicting)`` tuple.
    """
    citation_model = owner.citations.model
    owner_field = owner.citations.field.name
    for item in sources:
        source, note, conflicting = item if isinstance(item, tuple) else (item, "", False)
        citation = citation_model.objects.filter(**{owner_field: owner, "source": source}).first()
        if citation is None:
            citation = citation_model(**{owner_field: owner, "source": source})
        elif (citation.note, citation.conflicting) == (note, conflicting):
            continue
        citation.note, citation.conflicting = note, conflicting
        history_stamp(citation, user=user, reason=reason)
        citation.save()
