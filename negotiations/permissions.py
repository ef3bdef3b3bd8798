"""Who may edit what, and who may read confidential notes. One place, used by every surface.

- Curators (the Curator group, or superusers) edit everything and read every note.
- Officials edit the agreements they are assigned to (``Agreement.editors`` or a group in
  ``Agreement.editor_groups``) and read those agreements' confidential notes.
- Everyone else, signed in or not, reads public data only.
"""

from django.db.models import Q, QuerySet

from .choices import Visibility
from .roles import CURATOR


def is_curator(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # Cache per request object: the group lookup is one query per user otherwise.
    if not hasattr(user, "_is_curator"):
        user._is_curator = user.groups.filter(name=CURATOR).exists()
    return user._is_curator


def editable_agreements_q(user, prefix: str = "") -> Q:
    """A filter for the agreements ``user`` may edit; ``prefix`` is the path to the agreement."""
    if is_curator(user):
        return Q()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    return Q(**{f"{prefix}editors": user}) | Q(**{f"{prefix}editor_groups__in": user.groups.all()})


def can_edit_agreement(user, agreement) -> bool:
    """True for curators and for officials assigned to ``agreement`` (directly or by group)."""
    if is_curator(user):
        return True
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    from .models import Agreement

    return Agreement.objects.filter(editable_agreements_q(user), pk=agreement.pk).exists()


def can_read_confidential(user, agreement) -> bool:
    """Confidential notes are for those who may edit the agreement."""
    return can_edit_agreement(user, agreement)


def notes_visible_to(user, notes: QuerySet) -> QuerySet:
    """Restrict a ProgressNote queryset to what ``user`` may read.

    Anonymous and unassigned users get public notes only; officials also get confidential
    notes of their assigned agreements; curators get everything.
    """
    if is_curator(user):
        return notes
    public = Q(visibility=Visibility.PUBLIC)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return notes.filter(public)
    from .models import Agreement

    assigned = Agreement.objects.filter(editable_agreements_q(user)).values("pk")
    return notes.filter(public | Q(round__agreement__in=assigned))
