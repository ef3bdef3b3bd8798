"""A round's rows edited one at a time: chapter progress and progress notes.

The one writer of each row, whichever door the request came through (API, admin, seed; the
round form writes them with the round through ``round_log``). Each write takes the round's lock
(:func:`round_lock`), claims the row's version (``ConcurrencyConflict`` if it moved on), runs in
one transaction and stamps the audit trail with the acting user and reason. A create whose
natural key is taken raises ``AlreadyExists``: it never updates the existing row.
"""

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from ..choices import NoteLanguage, ProgressStatus, Visibility
from ..models import Chapter, ChapterProgress, ProgressNote, Round, Source
from . import bulk
from .common import history_stamp, reason_check, save_checked, version_claim

_UNSET = object()


def round_lock(round_id: int) -> None:
    """Lock a round's row until the end of the transaction (PostgreSQL; SQLite has one writer).

    Every write of a round's chapter rows, notes or citations takes this lock first, so that a
    round form's check of what it loaded (``round_snapshot``) and its own writes see no change
    slip in between."""
    list(Round.objects.select_for_update().filter(pk=round_id).values_list("pk", flat=True))


def _assign(instance, fields: dict) -> None:
    for name, value in fields.items():
        if value is not _UNSET:
            setattr(instance, name, value)


def _row_save(row, *, created: bool, expected_version: int | None = None, changes=None, user, reason: str):
    """The write of one chapter row or note: round lock, version claim (an update), the model's
    rules, the audit stamp, and the database's keys (``AlreadyExists``), in one transaction."""
    reason = reason_check(reason)
    with transaction.atomic():
        round_lock(row.round_id)
        if not created:
            version_claim(row, expected_version=expected_version)
        _assign(row, changes or {})
        row.full_clean(validate_constraints=False)
        history_stamp(row, user=user, reason=reason)
        save_checked(row)
    return row


def _row_delete(row, *, expected_version: int | None, user, reason: str) -> None:
    reason = reason_check(reason)
    with transaction.atomic():
        round_lock(row.round_id)
        version_claim(row, expected_version=expected_version)
        history_stamp(row, user=user, reason=reason)
        row.delete()


# --- Chapter progress -------------------------------------------------------------------


def chapter_progress_create(
    *,
    round: Round,
    chapter: Chapter,
    status: str = ProgressStatus.UNDER_NEGOTIATION,
    note: str = "",
    user=None,
    reason: str = "",
) -> ChapterProgress:
    """Record how far ``chapter`` got at ``round``; ``AlreadyExists`` if the round has its row."""
    progress = ChapterProgress(round=round, chapter=chapter, status=status, note=note)
    return _row_save(progress, created=True, user=user, reason=reason)


def chapter_progress_update(
    *,
    progress: ChapterProgress,
    expected_version: int | None,
    chapter=_UNSET,
    status=_UNSET,
    note=_UNSET,
    user=None,
    reason: str = "",
) -> ChapterProgress:
    """Change a chapter row's status, note or chapter; refused if it changed since it was read."""
    changes = {"chapter": chapter, "status": status, "note": note}
    return _row_save(
        progress, created=False, expected_version=expected_version, changes=changes, user=user, reason=reason
    )


def chapter_progress_delete(
    *, progress: ChapterProgress, expected_version: int | None, user=None, reason: str = ""
) -> None:
    _row_delete(progress, expected_version=expected_version, user=user, reason=reason)


def chapter_progress_set(
    *,
    round: Round,
    chapter: Chapter,
    status: str = ProgressStatus.UNDER_NEGOTIATION,
    note: str = "",
    user=None,
    reason: str = "",
) -> tuple[ChapterProgress, bool]:
    """The seed's upsert: create the row, or bring the existing one in line (unchecked)."""
    with transaction.atomic():
        round_lock(round.pk)
        progress = ChapterProgress.objects.filter(round=round, chapter=chapter).first()
        if progress is None:
            return chapter_progress_create(
                round=round, chapter=chapter, status=status, note=note, user=user, reason=reason
            ), True
        if (progress.status, progress.note) != (status, note):
            chapter_progress_update(
                progress=progress, expected_version=None, status=status, note=note, user=user, reason=reason
            )
    return progress, False


# --- Notes ------------------------------------------------------------------------------


def note_add(
    *,
    round: Round,
    text: str,
    chapter: Chapter | None = None,
    visibility: str = Visibility.PUBLIC,
    language: str = NoteLanguage.ENGLISH,
    source: Source | None = None,
    author=None,
    idempotency_key: str | None = None,
    user=None,
    reason: str = "",
) -> ProgressNote:
    """Add a progress note to a round (optionally about one chapter).

    ``idempotency_key`` (the API's ``Idempotency-Key``): a note has no natural key, so a client
    that retries a POST names the attempt; the key is unique per author, and a second note
    with it raises ``AlreadyExists`` holding the first."""
    note = ProgressNote(
        round=round,
        chapter=chapter,
        text=text,
        visibility=visibility,
        language=language,
        source=source,
        author=author or (user if getattr(user, "is_authenticated", False) else None),
        idempotency_key=idempotency_key or None,
    )
    return _row_save(note, created=True, user=user, reason=reason)


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
    if text is not _UNSET:
        text = (text or "").strip()
    changes = {"text": text, "visibility": visibility, "language": language, "chapter": chapter, "source": source}
    return _row_save(note, created=False, expected_version=expected_version, changes=changes, user=user, reason=reason)


def note_delete(*, note: ProgressNote, expected_version: int | None, user=None, reason: str = "") -> None:
    """Delete a note; refused with ``ConcurrencyConflict`` if it changed after it was loaded."""
    _row_delete(note, expected_version=expected_version, user=user, reason=reason)


# --- The importer's bulk fast path (see services/bulk.py for the rules it keeps) ----------


def chapter_progress_bulk_write(
    *,
    progress: list[ChapterProgress],
    confidential_notes: list[ProgressNote],
    user=None,
    reason: str = "",
) -> bulk.BulkResult:
    """Upsert validated progress rows by (round, chapter); add confidential notes not yet there.

    A confidential note is added once: the same text on the same round and chapter is not
    duplicated when a file is imported again.
    """
    result = bulk.BulkResult()
    with transaction.atomic():
        round_ids = {obj.round_id for obj in progress} | {n.round_id for n in confidential_notes}
        existing = {
            (p.round_id, p.chapter_id): p
            for p in ChapterProgress.objects.select_for_update().filter(round_id__in=round_ids)
        }
        keyed = [((obj.round_id, obj.chapter_id), obj) for obj in progress]
        new, changed, result.unchanged = bulk.split_changes(keyed, existing, ["status", "note"])
        fast = (lambda *key: key, ["round_id", "chapter_id"], {"round_id__in": round_ids})
        bulk.bulk_write(ChapterProgress, new, changed, ["status", "note"], user=user, reason=reason, fast=fast)
        result.created, result.updated = len(new), len(changed)
        have = set(
            ProgressNote.objects.filter(round_id__in=round_ids, visibility=Visibility.CONFIDENTIAL).values_list(
                "round_id", "chapter_id", "text"
            )
        )
        notes = [n for n in confidential_notes if (n.round_id, n.chapter_id, n.text) not in have]
        for note in notes:
            note.author = user if getattr(user, "is_authenticated", False) else None
        bulk_create_with_history(notes, ProgressNote, batch_size=500, default_user=user, default_change_reason=reason)
        result.created += len(notes)
    return result
