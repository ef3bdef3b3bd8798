"""Public and editing URLs of the tracker (the API lives under /api/)."""

urlpatterns: list = []
