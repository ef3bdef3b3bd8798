"""Logging a round in one go: the round, its chapters, notes and sources, saved atomically.

This is what the officials' round form calls. Everything happens in one transaction: if any
part is invalid (a date, a duplicate chapter, an unknown status…), a ``ValidationError`` is
raised and nothing at all is written. Edits are guarded by optimistic concurrency: the caller
passes the ``version`` it loaded, and a round (or note) changed meanwhile raises
``ConcurrencyConflict`` instead of being silently overwritten.
"""

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ..choices import DatePrecision, NoteLanguage, ProgressStatus, RoundFormat, RoundKind, RoundStatus, Visibility
from ..models import Agreement, Chapter, ChapterProgress, Party, ProgressNote, Round, Source, Venue
from .common import citations_set, history_stamp, version_claim
from .rounds import venue_get_or_create

# django-simple-history stores the change reason in a 100-character column.
REASON_MAX_LENGTH = 100


@dataclass(frozen=True)
class ChapterLine:
    """One chapter discussed at the round: its progress status and a public note."""

    chapter: Chapter
    status: str = ProgressStatus.UNDER_NEGOTIATION
    note: str = ""


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


def _check_reason(reason: str) -> None:
    if len(reason or "") > REASON_MAX_LENGTH:
        raise ValidationError({"reason": _("Keep the reason under %(max)s characters.") % {"max": REASON_MAX_LENGTH}})


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


def round_log(
    *,
    agreement: Agreement,
    round: Round | None = None,
    expected_version: int | None = None,
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
    chapters: Iterable[ChapterLine | Mapping] | None = None,
    notes: Iterable[NoteLine | Mapping] = (),
    sources: Iterable[SourceLine | Mapping] = (),
    user=None,
    reason: str = "",
) -> Round:
    """Create a round (``round=None``) or update ``round``, with its chapters, notes and sources.

    - ``chapters``: the round's chapter rows become exactly these (rows left out are removed);
      ``None`` leaves the existing rows alone. A chapter may appear only once.
    - ``notes``: new notes to add (existing notes are edited with :func:`note_update`).
    - ``sources``: sources to cite (added; existing citations stay).
    - The venue is ``venue``, or the one for ``venue_city`` in ``venue_country`` (created once).

    Updating needs the ``expected_version`` the caller loaded (``None`` skips the check, for
    imports); a round changed meanwhile raises ``ConcurrencyConflict``. Any invalid part
    raises ``ValidationError`` (keys: round fields, ``venue``, ``chapters``, ``notes``,
    ``sources``) and writes nothing.
    """
    _check_reason(reason)
    if round is not None and round.agreement_id != agreement.pk:
        raise ValueError("round belongs to another agreement")
    chapter_lines = None if chapters is None else _coerce(chapters, ChapterLine)
    note_lines = _coerce(notes, NoteLine)
    source_lines = _coerce(sources, SourceLine)

    with transaction.atomic():
        created = round is None
        if created:
            round = Round(agreement=agreement)
        else:
            # Claim the version first: the conditional UPDATE also locks the row until commit,
            # so a colleague's save waits for ours and then sees the new version.
            version_claim(round, expected_version=expected_version)

        if venue is None and venue_city.strip():
            if venue_country is None:
                raise ValidationError({"venue_country": _("Say which country the city is in.")})
            try:
                venue = venue_get_or_create(city=venue_city, country=venue_country, place=venue_place, user=user)
            except ValidationError as error:
                raise ValidationError({"venue": _prefixed(error, _("Venue"))}) from error

        fields = {
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
        round.full_clean()
        history_stamp(round, user=user, reason=reason)
        try:
            round.save()
        except IntegrityError as error:
            # A colleague took the same number between our check and our save.
            raise ValidationError({"number": _("This agreement already has a round with this number.")}) from error

        if chapter_lines is not None:
            _chapters_set(round=round, lines=chapter_lines, user=user, reason=reason)
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


def _chapters_set(*, round: Round, lines: list[ChapterLine], user, reason: str) -> None:
    """Make the round's chapter rows exactly ``lines``; validate every row before writing."""
    errors: list[str] = []
    seen: set[int] = set()
    for line in lines:
        if line.chapter.pk in seen:
            errors.append(_("%(code)s is listed twice; keep one row per chapter.") % {"code": line.chapter.code})
        seen.add(line.chapter.pk)
    existing = {row.chapter_id: row for row in ChapterProgress.objects.filter(round=round)}
    to_save = []
    for line in lines:
        row = existing.get(line.chapter.pk) or ChapterProgress(round=round, chapter=line.chapter)
        if row.pk and (row.status, row.note) == (line.status, line.note):
            continue
        row.status, row.note = line.status, line.note
        try:
            # The one-row-per-chapter rule was checked above, against the submitted rows.
            row.full_clean(validate_constraints=False)
        except ValidationError as error:
            errors.extend(_prefixed(error, line.chapter.code))
        to_save.append(row)
    if errors:
        raise ValidationError({"chapters": errors})
    for chapter_id, row in existing.items():
        if chapter_id not in seen:
            history_stamp(row, user=user, reason=reason)
            row.delete()
    for row in to_save:
        if row.pk:
            version_claim(row, expected_version=None)
        history_stamp(row, user=user, reason=reason)
        row.save()


def _notes_add(*, round: Round, lines: list[NoteLine], user, reason: str) -> None:
    errors: list[str] = []
    new_notes = []
    author = user if getattr(user, "is_authenticated", False) else None
    for index, line in enumerate(lines, start=1):
        note = ProgressNote(
            round=round,
            chapter=line.chapter,
            text=line.text.strip(),
            visibility=line.visibility,
            language=line.language,
            source=line.source,
            author=author,
        )
        try:
            note.full_clean()
        except ValidationError as error:
            errors.extend(_prefixed(error, _("Note %(row)s") % {"row": index}))
        new_notes.append(note)
    if errors:
        raise ValidationError({"notes": errors})
    for note in new_notes:
        history_stamp(note, user=user, reason=reason)
        note.save()


def round_delete(*, round: Round, expected_version: int | None = None, user=None, reason: str = "") -> None:
    """Delete a round with its chapter rows, notes and citations, each stamped in the history."""
    _check_reason(reason)
    with transaction.atomic():
        version_claim(round, expected_version=expected_version)
        # Delete the children one by one so each history row carries the user and the reason
        # (a cascade would record them without a reason, and without a user outside requests).
        for child in [*round.notes.all(), *round.progress.all(), *round.citations.all()]:
            history_stamp(child, user=user, reason=reason)
            child.delete()
        history_stamp(round, user=user, reason=reason)
        round.delete()


_UNSET = object()


def note_update(
    *,
    note: ProgressNote,
    expected_version: int | None,
    text=_UNSET,
    visibility=_UNSET,
    language=_UNSET,
    chapter=_UNSET,
    source=_UNSET,
    user=None,
    reason: str = "",
) -> ProgressNote:
    """Change a note's text, visibility, language, chapter or source; refused if it changed meanwhile."""
    _check_reason(reason)
    changes = {"text": text, "visibility": visibility, "language": language, "chapter": chapter, "source": source}
    with transaction.atomic():
        version_claim(note, expected_version=expected_version)
        for name, value in changes.items():
            if value is not _UNSET:
                setattr(note, name, value.strip() if name == "text" else value)
        note.full_clean()
        history_stamp(note, user=user, reason=reason)
        note.save()
    return note


def note_delete(*, note: ProgressNote, expected_version: int | None, user=None, reason: str = "") -> None:
    """Delete a note; refused with ``ConcurrencyConflict`` if it changed after it was loaded."""
    _check_reason(reason)
    with transaction.atomic():
        version_claim(note, expected_version=expected_version)
        history_stamp(note, user=user, reason=reason)
        note.delete()
