"""URL configuration of the tracker."""

from django.contrib import admin
from django.urls import include, path

from negotiations.admin_import import import_view
from negotiations.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before admin/ so that the admin's catch-all does not take it; curators only (checked in the view).
    path("admin/import/", import_view, name="admin-import"),
    path("admin/", admin.site.urls),
    path("api/", include("negotiations.api.urls")),
    path("", include("negotiations.urls_edit")),
    path("", include("negotiations.urls")),
]
