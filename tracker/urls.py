"""URL configuration of the tracker."""

from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from negotiations.admin_import import import_view
from negotiations.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Before admin/ so that the admin's catch-all does not take it; curators only (checked in the view).
    path("admin/import/", import_view, name="admin-import"),
    path("admin/", admin.site.urls),
    path("api/", include("negotiations.api.urls")),
    # The language switcher posts here (Django's set_language); URLs are the same in every
    # language, so a shared filter link shows the same records to every reader.
    # CSRF-exempt so that pages carry no per-visitor token and can be shared from a cache: a
    # forged post can only switch a reader's language (set_language redirects only within the site).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("", include("negotiations.urls_edit")),
    path("", include("negotiations.urls")),
]
