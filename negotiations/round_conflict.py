"""What moved under a round form while it was open: each note and source (citation) that a
colleague changed, added or removed since the form was loaded, field by field, with who did it.

The form carries the rows it loaded (``round_snapshot``: each note's id and version, each
citation's id and a digest of its content); the values as they were then are read back from
the audit trail (django-simple-history), so the conflict page can show them beside today's.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from .models import ProgressNote, Round, RoundSource
from .services.round_log import citation_digest

NOTE_FIELDS = ("text", "visibility", "language", "chapter", "source")
CITATION_FIELDS = ("source", "conflicting", "note")


def _shown(record, name: str) -> str:
    """A field's value as a reader would say it (a choice's label, a related record's name)."""
    if record is None:
        return ""
    field = record._meta.get_field(name)
    if field.choices:
        return str(getattr(record, f"get_{name}_display")())
    try:
        value = getattr(record, name)
    except ObjectDoesNotExist:  # a related record deleted since
        return f"#{getattr(record, field.attname)}"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return "" if value is None else str(value)


def _summary(record, fields) -> str:
    """A whole row in one line: its values, a yes/no field by its name when it is set."""
    values = []
    for name in fields:
        field = record._meta.get_field(name)
        if field.get_internal_type() == "BooleanField":
            values.append(str(field.verbose_name) if getattr(record, name) else "")
        else:
            values.append(_shown(record, name))
    return " — ".join(value for value in values if value)


def _who(record) -> str:
    user = getattr(record, "history_user", None)
    return user.get_username() if user is not None else _("someone")


def _rows_of_one(*, label: str, before, after, fields, changer) -> list[dict]:
    """The conflict rows of one moved row. ``before``: the row as the form loaded it (a history
    record; ``None`` for a row added since); ``after``: the row now (``None`` if removed);
    ``changer``: the row's latest history record (who moved it)."""
    who = _who(changer)
    if after is None:
        shown = _summary(before or changer, fields)
        return [
            {"label": _("%(row)s: removed by %(who)s") % {"row": label, "who": who}, "mine": shown, "changed": True}
        ]
    if before is None:
        shown = _summary(after, fields)
        return [
            {"label": _("%(row)s: added by %(who)s") % {"row": label, "who": who}, "theirs": shown, "changed": True}
        ]
    rows = []
    for name in fields:
        mine, theirs = _shown(before, name), _shown(after, name)
        if mine != theirs:
            rows.append(
                {
                    "label": _("%(row)s, %(field)s: changed by %(who)s")
                    % {"row": label, "field": after._meta.get_field(name).verbose_name, "who": who},
                    "mine": mine,
                    "theirs": theirs,
                }
            )
    if not rows:  # the history lacks the row as it was loaded (a bulk import): today's values only
        shown = _summary(after, fields)
        rows.append(
            {
                "label": _("%(row)s: changed by %(who)s") % {"row": label, "who": who},
                "mine": _("as it was when you opened the form"),
                "theirs": shown,
            }
        )
    return [{**row, "changed": True} for row in rows]


def moved_note_rows(loaded: dict[int, str], round: Round) -> list[dict]:
    """Each note of ``round`` changed, added or removed since the form loaded ``loaded``
    (note id → version)."""
    current = {note.pk: note for note in ProgressNote.objects.filter(round=round).select_related("chapter", "source")}
    rows = []
    for pk in sorted(set(loaded) | set(current)):
        note, version = current.get(pk), loaded.get(pk)
        if note is not None and version == str(note.version):
            continue
        history = ProgressNote.history.filter(id=pk).select_related("history_user").order_by("-history_date")
        before = None
        if version is not None:
            # The note as loaded; a version the history lacks (a bulk write) shows only today's values.
            before = history.filter(version=int(version)).exclude(history_type="-").first() or history.first()
        rows += _rows_of_one(
            label=_("Note %(id)s") % {"id": pk}, before=before, after=note, fields=NOTE_FIELDS, changer=history.first()
        )
    return rows


def moved_citation_rows(loaded: dict[int, str], round: Round) -> list[dict]:
    """Each source cited for ``round`` whose citation changed, was added or removed since the
    form loaded ``loaded`` (citation id → digest of its content)."""
    current = {citation.pk: citation for citation in RoundSource.objects.filter(round=round).select_related("source")}
    rows = []
    for pk in sorted(set(loaded) | set(current)):
        citation, digest = current.get(pk), loaded.get(pk)
        if citation is not None and digest == citation_digest(citation):
            continue
        history = list(RoundSource.history.filter(id=pk).select_related("history_user").order_by("-history_date"))
        before = None
        if digest is not None:
            before = next((record for record in history if citation_digest(record) == digest), None)
            before = before or (history[0] if history else None)
        source = citation.source if citation is not None else (history[0].source if history else None)
        rows += _rows_of_one(
            label=_("Source “%(title)s”") % {"title": source.title if source is not None else pk},
            before=before,
            after=citation,
            fields=CITATION_FIELDS,
            changer=history[0] if history else None,
        )
    return rows
