"""Curators' clean-up: merging duplicate venues and sources without losing what cites them,
and bulk changes that still write one history row per record."""

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import AgreementSource, Chapter, ProgressNote, Round, RoundSource, Source, StatusEventSource, Venue
from .common import history_stamp, version_claim

CITATION_OWNERS = ((AgreementSource, "agreement"), (StatusEventSource, "event"), (RoundSource, "round"))


def venue_merge(*, keep: Venue, duplicates: Iterable[Venue], user=None) -> int:
    """Point every round of ``duplicates`` at ``keep`` and delete the duplicates.

    Returns how many rounds moved. Each round and each deleted venue gets a history row.
    """
    duplicates = [venue for venue in duplicates if venue.pk != keep.pk]
    reason = _("merged into venue #%(pk)s") % {"pk": keep.pk}
    moved = 0
    with transaction.atomic():
        for round_ in Round.objects.filter(venue__in=duplicates):
            round_.venue = keep
            history_stamp(round_, user=user, reason=reason)
            round_.save(update_fields=["venue", "updated_at"])
            moved += 1
        for venue in duplicates:
            history_stamp(venue, user=user, reason=reason)
            venue.delete()
    return moved


def source_merge(*, keep: Source, duplicates: Iterable[Source], user=None) -> int:
    """Move every citation and note of ``duplicates`` to ``keep`` and delete the duplicates.

    Where a fact already cites ``keep``, the duplicate citation is removed rather than moved;
    a "conflicting" mark or a note on either survives. Returns how many references moved.
    """
    duplicates = [source for source in duplicates if source.pk != keep.pk]
    reason = _("merged into source #%(pk)s") % {"pk": keep.pk}
    moved = 0
    with transaction.atomic():
        for model, owner_field in CITATION_OWNERS:
            for citation in model.objects.filter(source__in=duplicates):
                existing = model.objects.filter(**{owner_field: getattr(citation, owner_field), "source": keep}).first()
                if existing:
                    existing.conflicting = existing.conflicting or citation.conflicting
                    existing.note = existing.note or citation.note
                    history_stamp(existing, user=user, reason=reason)
                    existing.save()
                    history_stamp(citation, user=user, reason=reason)
                    citation.delete()
                else:
                    citation.source = keep
                    history_stamp(citation, user=user, reason=reason)
                    citation.save()
                moved += 1
        for note in ProgressNote.objects.filter(source__in=duplicates):
            note.source = keep
            history_stamp(note, user=user, reason=reason)
            note.save(update_fields=["source", "updated_at"])
            moved += 1
        for source in duplicates:
            history_stamp(source, user=user, reason=reason)
            source.delete()
    return moved


def rounds_status_set(*, rounds: Iterable[Round], status: str, user=None, reason: str = "") -> int:
    """Set many rounds' status at once (curators' bulk action), one history row per round."""
    changed = 0
    with transaction.atomic():
        for round_ in rounds:
            if round_.status == status:
                continue
            version_claim(round_, expected_version=None)
            round_.status = status
            round_.full_clean(validate_constraints=False)
            history_stamp(round_, user=user, reason=reason)
            round_.save()
            changed += 1
    return changed


def chapters_active_set(*, chapters: Iterable[Chapter], active: bool, user=None, reason: str = "") -> int:
    """Retire or reactivate catalog chapters; retired ones stay on the rounds that used them."""
    changed = 0
    with transaction.atomic():
        for chapter in chapters:
            if chapter.is_active == active:
                continue
            chapter.is_active = active
            history_stamp(chapter, user=user, reason=reason)
            chapter.save()
            changed += 1
    return changed
