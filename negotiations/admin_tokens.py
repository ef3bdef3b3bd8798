"""API tokens in the admin: curators issue and revoke them but can never read one.

Only knox's digest of a token is stored; a new token is shown once, in the message after it is
created. The token list shows whose token it is and when it expires, never the token itself.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken, get_digest_token
from knox.settings import CONSTANTS, knox_settings
from rest_framework.authtoken.models import TokenProxy

# DRF's clear-text tokens are no longer used (their table is emptied by migration 0014).
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


def default_expiry():
    ttl = knox_settings.TOKEN_TTL
    return timezone.now() + ttl if ttl else None


class TokenIssueForm(forms.ModelForm):
    class Meta:
        model = AuthToken
        fields = ["user", "expiry"]
        help_texts = {"expiry": _("Leave empty for a token that never expires.")}

    def __init__(self, *args, requested_by=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.token = None
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        if requested_by is not None and not requested_by.is_superuser:
            # A token acts as its user: a curator may not act as a superuser through one.
            users = users.filter(is_superuser=False)
        self.fields["user"].queryset = users
        self.fields["expiry"].initial = default_expiry

    def save(self, commit=True):
        row = super().save(commit=False)
        row.digest, self.token = get_digest_token()
        row.token_key = self.token[: CONSTANTS.TOKEN_KEY_LENGTH]
        if commit:
            row.save()
        return row


@admin.register(AuthToken)
class TokenAdmin(admin.ModelAdmin):
    """Issue (shown once), list and revoke API tokens; there is nothing to edit in one."""

    list_display = ["user", "created", "expiry", "expired"]
    list_filter = ["created", "expiry"]
    search_fields = ["user__username"]
    fields = ["user", "created", "expiry"]
    readonly_fields = ["user", "created", "expiry"]
    actions = ["delete_selected"]

    @admin.display(boolean=True, description=_("expired"))
    def expired(self, token):
        return token.expiry is not None and token.expiry < timezone.now()

    def get_fields(self, request, obj=None):
        return ["user", "expiry"] if obj is None else self.fields

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TokenIssueForm
            form_class = super().get_form(request, obj, **kwargs)

            class RequestBoundForm(form_class):
                def __init__(self, *args, **inner):
                    super().__init__(*args, requested_by=request.user, **inner)

            return RequestBoundForm
        return super().get_form(request, obj, **kwargs)

    def get_queryset(self, request):
        # Every token, a superuser's too: revoking one gives nothing away.
        return super().get_queryset(request).select_related("user")

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            gettext("API token for %(user)s, shown only this once (store it now): %(token)s")
            % {"user": obj.user.get_username(), "token": form.token},
            messages.WARNING,
        )
