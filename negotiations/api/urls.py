"""REST API under /api/ (issue 5)."""

urlpatterns: list = []
