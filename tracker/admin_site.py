"""The Django admin is the curators' tool: only curators (and superusers) may use it.

Officials log rounds on the site, where every write is checked against the agreements they
are assigned to; the admin has no per-agreement rules, so it stays closed to them.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class TrackerAdminSite(admin.AdminSite):
    site_header = _("Trade negotiation tracker — curation")
    site_title = _("Negotiation tracker admin")
    index_title = _("Curate the record")

    def has_permission(self, request):
        from negotiations.permissions import is_curator

        return super().has_permission(request) and is_curator(request.user)


class TrackerAdminConfig(AdminConfig):
    default_site = "tracker.admin_site.TrackerAdminSite"
