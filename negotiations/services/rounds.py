"""Rounds, venues, chapter progress and progress notes."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from ..choices import DatePrecision, NoteLanguage, ProgressStatus, RoundFormat, RoundKind, RoundStatus, Visibility
from ..models import Agreement, Chapter, ChapterProgress, Party, ProgressNote, Round, Source, Venue
from .agreements import _assign_changed
from .common import citations_set, history_stamp, record_delete, record_update, version_claim


def venue_get_or_create(*, city: str, country: Party, place: str = "", user=None) -> Venue:
    """The venue for ``city`` in ``country`` (and named place), created once and reused."""
    venue = Venue.objects.filter(city__iexact=city.strip(), country=country, place__iexact=place.strip()).first()
    if venue is None:
        venue = Venue(city=city.strip(), country=country, place=place.strip())
        venue.full_clean()
        history_stamp(venue, user=user)
        venue.save()
    return venue


def round_upsert(
    *,
    agreement: Agreement,
    number: int | None = None,
    kind: str = RoundKind.NUMBERED,
    title: str = "",
    venue: Venue | None = None,
    venue_note: str = "",
    format: str = RoundFormat.IN_PERSON,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    date_precision: str = DatePrecision.DAY,
    dates_note: str = "",
    status: str = RoundStatus.HELD,
    summary: str = "",
    chief_negotiators: str = "",
    sources: Iterable = (),
    expected_version: int | None = None,
    user=None,
    reason: str = "",
) -> tuple[Round, bool]:
    """Create or update a round, found by agreement and number (or kind and title if unnumbered).

    Validates the whole round (``full_clean``: dates, uniqueness, venue rules) before
    writing; raises ``ValidationError`` and writes nothing when anything is wrong. With
    ``expected_version`` an update is refused with ``ConcurrencyConflict`` if the round
    changed since it was read. Returns ``(round, created)``.
    """
    fields = {
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
    with transaction.atomic():
        lookup = {"number": number} if number is not None else {"number__isnull": True, "kind": kind, "title": title}
        round_ = Round.objects.filter(agreement=agreement, **lookup).first()
        created = round_ is None
        if created:
            round_ = Round(agreement=agreement, number=number)
        if _assign_changed(round_, fields) or created:
            round_.full_clean()
            if not created:
                version_claim(round_, expected_version=expected_version)
            history_stamp(round_, user=user, reason=reason)
            round_.save()
        citations_set(owner=round_, sources=sources, user=user, reason=reason)
    return round_, created


def chapter_progress_set(
    *,
    round: Round,
    chapter: Chapter,
    status: str = ProgressStatus.UNDER_NEGOTIATION,
    note: str = "",
    expected_version: int | None = None,
    user=None,
    reason: str = "",
) -> tuple[ChapterProgress, bool]:
    """Record how far ``chapter`` got at ``round`` (one row per round and chapter)."""
    with transaction.atomic():
        progress = ChapterProgress.objects.filter(round=round, chapter=chapter).first()
        created = progress is None
        if created:
            progress = ChapterProgress(round=round, chapter=chapter)
        if _assign_changed(progress, {"status": status, "note": note}) or created:
            progress.full_clean()
            if not created:
                version_claim(progress, expected_version=expected_version)
            history_stamp(progress, user=user, reason=reason)
            progress.save()
    return progress, created


def note_add(
    *,
    round: Round,
    text: str,
    chapter: Chapter | None = None,
    visibility: str = Visibility.PUBLIC,
    language: str = NoteLanguage.ENGLISH,
    source: Source | None = None,
    author=None,
    user=None,
    reason: str = "",
) -> ProgressNote:
    """Add a progress note to a round (optionally about one chapter)."""
    note = ProgressNote(
        round=round,
        chapter=chapter,
        text=text,
        visibility=visibility,
        language=language,
        source=source,
        author=author or (user if getattr(user, "is_authenticated", False) else None),
    )
    note.full_clean()
    with transaction.atomic():
        history_stamp(note, user=user, reason=reason)
        note.save()
    return note


def round_update(*, round: Round, expected_version: int | None = None, user=None, reason: str = "", **fields) -> Round:
    """Change any field of a round found by id (its number or agreement included)."""
    return record_update(round, fields, expected_version=expected_version, user=user, reason=reason)


def chapter_progress_update(
    *, progress: ChapterProgress, expected_version: int | None = None, user=None, reason: str = "", **fields
) -> ChapterProgress:
    return record_update(progress, fields, expected_version=expected_version, user=user, reason=reason)


def chapter_progress_delete(
    *, progress: ChapterProgress, expected_version: int | None = None, user=None, reason: str = ""
) -> None:
    record_delete(progress, expected_version=expected_version, user=user, reason=reason)
