"""Public, read-only URLs of the tracker: pages, exports and feeds (editing: urls_edit.py)."""

from django.urls import path

from . import feeds, suggest, views

urlpatterns = [
    path("", views.home, name="home"),
    path("agreements/", views.agreement_list, name="agreement-list"),
    path("agreements/suggest.json", suggest.agreement_suggest, name="agreement-suggest"),
    path("agreements/<slug:slug>/", views.agreement_detail, name="agreement-detail"),
    path("agreements/<slug:slug>/export.json", views.agreement_export, name="agreement-export"),
    path("rounds/", views.round_list, name="round-list"),
    path("parties/<str:code>/", views.party_detail, name="party-detail"),
    path("rounds/<int:pk>/", views.round_detail, name="round-detail"),
    path("chapters/", views.chapter_list, name="chapter-list"),
    path("chapters/<str:code>/", views.chapter_detail, name="chapter-detail"),
    path("search/", views.search_view, name="search"),
    path("about/coverage/", views.coverage, name="coverage"),
    path("feeds/rounds.atom", feeds.RoundsFeed(), name="feed-rounds"),
    path("calendar/rounds.ics", feeds.rounds_calendar, name="calendar-rounds"),
]
