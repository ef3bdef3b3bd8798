"""Sign-in and editing URLs for officials and curators."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views_edit

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("todo/", views_edit.editor_todo, name="editor-todo"),
    path("agreements/<slug:slug>/rounds/new/", views_edit.round_new, name="round-new"),
    path("agreements/<slug:slug>/status/new/", views_edit.status_event_new, name="status-event-new"),
    path("status/<int:pk>/edit/", views_edit.status_event_edit, name="status-event-edit"),
    path("status/<int:pk>/delete/", views_edit.status_event_delete_view, name="status-event-delete"),
    path("agreements/<slug:slug>/history/", views_edit.agreement_history_view, name="agreement-history"),
    path("rounds/<int:pk>/edit/", views_edit.round_edit, name="round-edit"),
    path("rounds/<int:pk>/delete/", views_edit.round_delete_view, name="round-delete"),
    path("notes/<int:pk>/edit/", views_edit.note_edit, name="note-edit"),
    path("notes/<int:pk>/delete/", views_edit.note_delete_view, name="note-delete"),
]
