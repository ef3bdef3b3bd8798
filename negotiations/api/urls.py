"""REST API under /api/: the viewsets, the OpenAPI schema, its interactive docs and the
full-data export."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter()
router.include_root_view = False  # /api/ is api_index: links to the docs, the schema, the export
router.register("agreements", views.AgreementViewSet, basename="agreement")
router.register("parties", views.PartyViewSet, basename="party")
router.register("chapters", views.ChapterViewSet, basename="chapter")
router.register("rounds", views.RoundViewSet, basename="round")
router.register("chapter-progress", views.ChapterProgressViewSet, basename="chapter-progress")
router.register("notes", views.NoteViewSet, basename="note")
router.register("status-events", views.StatusEventViewSet, basename="status-event")
router.register("sources", views.SourceViewSet, basename="source")

urlpatterns = [
    path("", views.api_index, name="index"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(), name="docs"),
    re_path(r"^docs/assets/(?P<path>[-\w./]+)$", views.docs_asset, name="docs-asset"),
    path("export/", views.export_index, name="export-index"),
    path("export/<str:kind>.<str:fmt>", views.export_kind, name="export"),
    *router.urls,
]
