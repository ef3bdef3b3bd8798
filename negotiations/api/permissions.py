"""The site's editing rules (``negotiations.permissions``) for the REST API.

- Reading is open to everyone; what a reader sees is limited by each viewset's queryset
  (confidential notes only for those allowed, so that others get 404, never 403).
- Writing needs a signed-in user with the model permission of their role (the Curator and
  Official groups, migration 0002), and, for records that belong to an agreement, the right
  to edit that agreement: curators everything, officials their assigned agreements.
  Reference data (parties, chapters, sources) is changed by curators; officials may add
  sources, as on the site.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from ..permissions import can_edit_agreement, is_curator

ACTION_PERMS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


class TrackerPermission(BasePermission):
    """Model permission of the role, then the agreement the object belongs to."""

    message = _("You may not change this record.")

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        if not user or not user.is_authenticated or not user.is_active:
            return False
        model = view.get_queryset().model
        action = ACTION_PERMS.get(request.method)
        return action is not None and user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in SAFE_METHODS:
            return True
        agreement = view.agreement_of(obj)
        if agreement is None:
            return is_curator(request.user)
        return can_edit_agreement(request.user, agreement)
