"""URL configuration of the tracker."""

from django.contrib import admin
from django.urls import include, path

from negotiations.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("negotiations.api.urls")),
    path("", include("negotiations.urls_edit")),
    path("", include("negotiations.urls")),
]
