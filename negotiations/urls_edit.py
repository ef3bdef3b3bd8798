"""Sign-in and editing URLs for officials and curators (issue 4)."""

urlpatterns: list = []
