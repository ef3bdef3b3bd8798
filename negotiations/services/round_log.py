"""The one writer of rounds: the round, its chapters, notes and sources, saved atomically.

The officials' round form, the API, the admin and the seed all create and change rounds
through :func:`round_log`. Everything happens in one transaction: if any part is invalid (a
date, a duplicate chapter, an unknown status…), a ``ValidationError`` is raised and nothing at
all is written. Edits are guarded by optimistic concurrency: the caller passes the ``version``
it loaded and the :func:`round_snapshot` of the rows it showed, and a round or row changed (or
added) meanwhile raises ``ConcurrencyConflict`` instead of being silently overwritten.
"""

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ..choices import DatePrecision, NoteLanguage, ProgressStatus, RoundFormat, RoundKind, RoundStatus, Visibility
from ..models import (
    DUPLICATE_CHAPTER_MESSAGE,
    Agreement,
    Chapter,
    ChapterProgress,
    Party,
    ProgressNote,
    Round,
    RoundSource,
    Source,
    Venue,
)
from . import bulk
from .common import ConcurrencyConflict, citations_set, history_stamp, reason_check, save_checked, version_claim
from .progress import chapter_progress_create, chapter_progress_delete, chapter_progress_update, note_add
from .rounds import venue_resolve


@dataclass(frozen=True)
class ChapterLine:
    """One chapter discussed at the round: its progress status and a public note.

    ``id`` and ``version``: the existing row this line edits, as the caller loaded it."""

    chapter: Chapter
    status: str = ProgressStatus.UNDER_NEGOTIATION
    note: str = ""
    id: int | None = None
    version: int | None = None


@dataclass(frozen=True)
class NoteLine:
    """A new progress note on the round, optionally about one chapter."""

    text: str
    visibility: str = Visibility.PUBLIC
    chapter: Chapter | None = None
    language: str = NoteLanguage.ENGLISH
    source: Source | None = None


@dataclass(frozen=True)
class SourceLine:
    """A source for the round: an existing ``source``, or a new one described by url/title.

    A new source whose URL is already on record reuses that source instead of duplicating it.
    """

    source: Source | None = None
    url: str = ""
    title: str = ""
    publisher: str = ""
    published_on: dt.date | None = None
    published_precision: str = DatePrecision.DAY
    note: str = ""
    conflicting: bool = False


def round_next_number(*, agreement: Agreement) -> int:
    """The number the next numbered round of ``agreement`` would get (highest + 1)."""
    highest = Round.objects.filter(agreement=agreement).aggregate(top=Max("number"))["top"]
    return (highest or 0) + 1


def _coerce(items: Iterable, line_type):
    return [item if isinstance(item, line_type) else line_type(**item) for item in items]


def _prefixed(error: ValidationError, label: str) -> list[str]:
    """Flatten a model's ValidationError into messages that say which row they are about."""
    if hasattr(error, "error_dict"):
        messages = []
        for field, errors in error.message_dict.items():
            for message in errors:
                messages.append(f"{label}: {message}" if field == NON_FIELD_ERRORS else f"{label} ({field}): {message}")
        return messages
    return [f"{label}: {message}" for message in error.messages]


def _source_resolve(line: SourceLine, *, user, reason: str) -> Source:
    if line.source is not None:
        return line.source
    url = line.url.strip()
    if url:
        existing = Source.objects.filter(url=url).first()
        if existing is not None:
            return existing
    source = Source(
        url=url,
        title=line.title.strip(),
        publisher=line.publisher.strip(),
        published_on=line.published_on,
        published_precision=line.published_precision,
    )
    source.full_clean()
    history_stamp(source, user=user, reason=reason)
    source.save()
    return source


def _citation_digest(source_id: int, conflicting: bool, note: str) -> str:
    return hashlib.sha256(f"{source_id}.{conflicting:d}.{note}".encode()).hexdigest()[:12]


def round_snapshot(round: Round) -> str:
    """A fingerprint of the rows a round form shows beside the round: its chapter rows, notes
    and citations, each with its version (or a digest of its content, for citations). A row
    changed, added or removed by someone else changes it. It names each row
    (``p<id>.<version>,…;n…;c<id>.<digest>,…``), so that a conflict can say which rows moved
    (:func:`snapshot_rows`). Editors see every note, so every note counts."""
    parts = {
        "p": [f"{pk}.{v}" for pk, v in ChapterProgress.objects.filter(round=round).values_list("pk", "version")],
        "n": [f"{pk}.{v}" for pk, v in ProgressNote.objects.filter(round=round).values_list("pk", "version")],
        "c": [
            f"{pk}.{_citation_digest(source, conflicting, note)}"
            for pk, source, conflicting, note in RoundSource.objects.filter(round=round).values_list(
                "pk", "source_id", "conflicting", "note"
            )
        ],
    }
    return ";".join(kind + ",".join(sorted(rows)) for kind, rows in parts.items())


def snapshot_rows(snapshot: str) -> dict[str, dict[int, str]]:
    """The rows a snapshot names, by kind ("p", "n", "c"): id → version (or citation digest).
    Empty for a snapshot this function cannot read."""
    rows: dict[str, dict[int, str]] = {}
    for part in (snapshot or "").split(";"):
        kind, listed = part[:1], part[1:]
        try:
            rows[kind] = {int(pk): token for pk, token in (item.split(".", 1) for item in listed.split(",") if item)}
        except ValueError:
            return {}
    return rows


def citation_digest(citation: RoundSource) -> str:
    """How :func:`round_snapshot` names a citation's content."""
    return _citation_digest(citation.source_id, citation.conflicting, citation.note)


def snapshot_changes(loaded: str, current: str) -> set[str]:
    """Which kinds of rows differ between two snapshots: "chapters", "notes", "sources"."""
    names = {"p": "chapters", "n": "notes", "c": "sources"}
    before, after = snapshot_rows(loaded), snapshot_rows(current)
    return {name for key, name in names.items() if before.get(key) != after.get(key)}


def round_log(
    *,
    agreement: Agreement,
    round: Round | None = None,
    expected_version: int | None = None,
    expected_snapshot: str | None = None,
    number: int | None = None,
    kind: str = RoundKind.NUMBERED,
    title: str = "",
    venue: Venue | None = None,
    venue_city: str = "",
    venue_country: Party | None = None,
    venue_place: str = "",
    venue_note: str = "",
    format: str = RoundFormat.IN_PERSON,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    date_precision: str = DatePrecision.DAY,
    dates_note: str = "",
    status: str = RoundStatus.HELD,
    summary: str = "",
    chief_negotiators: str = "",
    chapters: Iterable[ChapterLine | Mapping] = (),
    remove_chapters: Iterable[tuple[int, int | None]] = (),
    notes: Iterable[NoteLine | Mapping] = (),
    sources: Iterable[SourceLine | Mapping] = (),
    user=None,
    reason: str = "",
) -> Round:
    """Create a round (``round=None``, or an unsaved ``round``) or update ``round``, with its
    chapters, notes and sources.

    The one writer of a round, whichever door the request came through (site form, API, admin,
    seed). In one transaction:

    - ``chapters``: chapter rows to write. A line with an ``id`` updates that row (refused if
      its ``version`` is stale); a line without one creates the chapter's row, or updates the
      row of that chapter if the round has one. Rows not mentioned are left alone.
    - ``remove_chapters``: ``(id, version)`` of rows to delete (``version`` None: unchecked).
    - ``notes``: new notes to add (existing notes are edited with :func:`note_update`).
    - ``sources``: sources to cite (added; existing citations stay).
    - The venue is ``venue``, or the one for ``venue_city`` in ``venue_country`` (created once).

    Updating needs the ``expected_version`` the caller loaded (``None`` skips the check, for
    trusted callers such as the seed); a round changed meanwhile raises
    ``ConcurrencyConflict``, and so does a round whose chapter rows, notes or citations no
    longer match ``expected_snapshot`` (:func:`round_snapshot` when the form was loaded).
    Any invalid part raises ``ValidationError`` (keys: round fields, ``chapters``, ``notes``,
    ``sources``, ``reason``) and writes nothing; a taken number raises ``AlreadyExists``.
    """
    reason = reason_check(reason)
    chapter_lines = _coerce(chapters, ChapterLine)
    note_lines = _coerce(notes, NoteLine)
    source_lines = _coerce(sources, SourceLine)

    with transaction.atomic():
        created = round is None or round.pk is None
        if round is None:
            round = Round(agreement=agreement)
        elif not created:
            # Claim the version first: the conditional UPDATE also locks the row until commit,
            # so a colleague's save waits for ours and then sees the new version.
            version_claim(round, expected_version=expected_version)
            if expected_snapshot is not None and round_snapshot(round) != expected_snapshot:
                raise ConcurrencyConflict(Round.objects.get(pk=round.pk))

        if venue is None:
            try:
                venue = venue_resolve(city=venue_city, country=venue_country, place=venue_place, user=user)
            except ValidationError as error:
                raise ValidationError(
                    {f"venue_{key}": messages for key, messages in error.message_dict.items()}
                ) from error

        fields = {
            "agreement": agreement,  # a curator may move a round to another agreement (admin)
            "number": number,
            "kind": kind,
            "title": title,
            "venue": venue,
            "venue_note": venue_note,
            "format": format,
            "start_date": start_date,
            "end_date": end_date,
            "date_precision": date_precision,
            "dates_note": dates_note,
            "status": status,
            "summary": summary,
            "chief_negotiators": chief_negotiators,
        }
        for name, value in fields.items():
            setattr(round, name, value)
        # The natural key (agreement + number) is the database's to check: see save_checked.
        round.full_clean(validate_constraints=False)
        history_stamp(round, user=user, reason=reason)
        save_checked(round)

        _chapters_write(round=round, lines=chapter_lines, removed=list(remove_chapters), user=user, reason=reason)
        _notes_add(round=round, lines=note_lines, user=user, reason=reason)
        if source_lines:
            errors, cited = [], []
            for index, line in enumerate(source_lines, start=1):
                try:
                    cited.append((_source_resolve(line, user=user, reason=reason), line.note, line.conflicting))
                except ValidationError as error:
                    errors.extend(_prefixed(error, _("Source %(row)s") % {"row": index}))
            if errors:
                raise ValidationError({"sources": errors})
            citations_set(owner=round, sources=cited, user=user, reason=reason)
    return round


def _chapters_write(*, round: Round, lines: list[ChapterLine], removed: list, user, reason: str) -> None:
    """Write the round's chapter rows as described in :func:`round_log`, each through its one
    writer (``progress.chapter_progress_*``); every row's errors are collected, and any error
    undoes the whole round (the caller's transaction)."""
    errors: list[str] = []
    seen: set[int] = set()
    repeats: set[int] = set()
    for index, line in enumerate(lines):
        if line.chapter.pk in seen:
            errors.append(f"{line.chapter.code}: {DUPLICATE_CHAPTER_MESSAGE}")
            repeats.add(index)
        seen.add(line.chapter.pk)
    existing = {row.pk: row for row in ChapterProgress.objects.filter(round=round).select_related("chapter")}
    for pk, version in removed:
        row = existing.pop(pk, None)
        if row is None:
            raise ConcurrencyConflict(Round.objects.get(pk=round.pk))
        chapter_progress_delete(progress=row, expected_version=version, user=user, reason=reason)
    by_chapter = {row.chapter_id: row for row in existing.values()}
    for index, line in enumerate(lines):
        if index in repeats:
            continue
        if line.id is not None:
            row = existing.get(line.id)
            if row is None:
                raise ConcurrencyConflict(Round.objects.get(pk=round.pk))
        else:
            row = by_chapter.get(line.chapter.pk)
        try:
            if row is None:
                chapter_progress_create(
                    round=round, chapter=line.chapter, status=line.status, note=line.note, user=user, reason=reason
                )
            elif (row.chapter_id, row.status, row.note) != (line.chapter.pk, line.status, line.note):
                chapter_progress_update(
                    progress=row,
                    expected_version=line.version,
                    chapter=line.chapter,
                    status=line.status,
                    note=line.note,
                    user=user,
                    reason=reason,
                )
            elif line.version is not None and line.version != row.version:
                raise ConcurrencyConflict(Round.objects.get(pk=round.pk))  # unchanged here, changed meanwhile
        except ValidationError as error:
            errors.extend(_prefixed(error, line.chapter.code))
    if errors:
        raise ValidationError({"chapters": errors})


def _notes_add(*, round: Round, lines: list[NoteLine], user, reason: str) -> None:
    """Add the new notes, each through its one writer (``progress.note_add``)."""
    errors: list[str] = []
    for index, line in enumerate(lines, start=1):
        try:
            note_add(
                round=round,
                text=line.text.strip(),
                chapter=line.chapter,
                visibility=line.visibility,
                language=line.language,
                source=line.source,
                user=user,
                reason=reason,
            )
        except ValidationError as error:
            errors.extend(_prefixed(error, _("Note %(row)s") % {"row": index}))
    if errors:
        raise ValidationError({"notes": errors})


# --- The importer's bulk fast path (see services/bulk.py for the rules it keeps) ----------


ROUND_IMPORT_FIELDS = [
    "kind",
    "title",
    "venue",
    "venue_note",
    "format",
    "start_date",
    "end_date",
    "date_precision",
    "dates_note",
    "status",
    "summary",
    "chief_negotiators",
]


def round_key(agreement_id: int, number: int | None, kind: str, title: str) -> tuple:
    """A round's natural key: agreement + number, or agreement + kind + title without a number."""
    return (agreement_id, number, None, None) if number is not None else (agreement_id, None, kind, title)


def _round_key(r: Round) -> tuple:
    return round_key(r.agreement_id, r.number, r.kind, r.title)


def rounds_bulk_write(
    *, rounds: list[tuple[Round, list[Source]]], user=None, reason: str = ""
) -> tuple[bulk.BulkResult, dict[tuple[int, int], Round]]:
    """Upsert validated, unsaved rounds by natural key and add their sources (never removing one).

    Returns the result and the stored rounds by natural key.
    """
    result = bulk.BulkResult()
    with transaction.atomic():
        agreement_ids = {obj.agreement_id for obj, _ in rounds}
        existing = {}
        for r in Round.objects.select_for_update().filter(agreement_id__in=agreement_ids).order_by("pk"):
            existing.setdefault(_round_key(r), r)
        keyed = [(_round_key(obj), obj) for obj, _ in rounds]
        new, changed, result.unchanged = bulk.split_changes(keyed, existing, ROUND_IMPORT_FIELDS)
        fast = (round_key, ["agreement_id", "number", "kind", "title"], {"agreement_id__in": agreement_ids})
        bulk.bulk_write(Round, new, changed, ROUND_IMPORT_FIELDS, user=user, reason=reason, fast=fast)
        result.created, result.updated = len(new), len(changed)
        stored = {**existing, **{_round_key(obj): obj for obj in new}}
        pairs = [(stored[_round_key(obj)].pk, source) for obj, sources in rounds for source in sources]
        bulk.citations_bulk_add(RoundSource, "round", pairs, user=user, reason=reason)
        result.agreements = agreement_ids
    return result, stored


ROUND_FIELDS = ("number", *ROUND_IMPORT_FIELDS)


def round_fields(round: Round) -> dict:
    """A round's own fields as :func:`round_log` takes them (to change a few and keep the rest)."""
    return {name: getattr(round, name) for name in ROUND_FIELDS}


def round_update(*, round: Round, expected_version: int | None, user=None, reason: str = "", **fields) -> Round:
    """Change some of a round's own fields (``agreement`` too: a curator may move a round),
    keeping the others: :func:`round_log` with the round's current values as the defaults."""
    agreement = fields.pop("agreement", None) or round.agreement
    return round_log(
        agreement=agreement,
        round=round,
        expected_version=expected_version,
        user=user,
        reason=reason,
        **{**round_fields(round), **fields},
    )


def round_upsert(
    *, agreement: Agreement, number: int | None = None, kind: str = RoundKind.NUMBERED, title: str = "", **fields
) -> tuple[Round, bool]:
    """The seed's upsert by natural key (agreement + number, or kind + title without a number),
    through :func:`round_log` without a version check. Writes nothing if nothing changed."""
    lookup = {"number": number} if number is not None else {"number__isnull": True, "kind": kind, "title": title}
    sources = fields.pop("sources", ())
    values = {"number": number, "kind": kind, "title": title, **fields}
    with transaction.atomic():
        round = Round.objects.filter(agreement=agreement, **lookup).first()
        created = round is None
        if created:
            round = round_log(agreement=agreement, **values)
        else:
            current = round_fields(round)
            if any(current[name] != value for name, value in values.items() if name in current):
                round = round_log(agreement=agreement, round=round, **{**current, **values})
        citations_set(owner=round, sources=sources, user=fields.get("user"), reason=fields.get("reason", ""))
    return round, created


def round_delete(*, round: Round, expected_version: int | None = None, user=None, reason: str = "") -> None:
    """Delete a round with its chapter rows, notes and citations, each stamped in the history."""
    reason_check(reason)
    with transaction.atomic():
        version_claim(round, expected_version=expected_version)
        # Delete the children one by one so each history row carries the user and the reason
        # (a cascade would record them without a reason, and without a user outside requests).
        for child in [*round.notes.all(), *round.progress.all(), *round.citations.all()]:
            history_stamp(child, user=user, reason=reason)
            child.delete()
        history_stamp(round, user=user, reason=reason)
        round.delete()
