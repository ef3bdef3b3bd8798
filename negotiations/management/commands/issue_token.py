"""``manage.py issue_token USERNAME [--days N] [--rotate | --revoke]``: issue an API token."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken
from knox.settings import knox_settings


class Command(BaseCommand):
    help = (
        "Issue a new API token for USERNAME and print it once: only its digest is stored, so it "
        "cannot be shown again. Clients send it as 'Authorization: Token <token>'. It expires "
        "after API_TOKEN_TTL_DAYS (or --days; 0 = never). --rotate first revokes the user's other "
        "tokens; --revoke only revokes them all."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, help="days until the token expires (0: never)")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--rotate", action="store_true", help="revoke the user's other tokens first")
        group.add_argument("--revoke", action="store_true", help="revoke every token of the user")

    def handle(self, *args, username, days, rotate, revoke, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if rotate or revoke:
            revoked, _ = AuthToken.objects.filter(user=user).delete()
            if revoke:
                self.stdout.write(f"{revoked} token(s) of {username} revoked.")
                return
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive; activate the account first.")
        if days is not None and days < 0:
            raise CommandError("--days must be 0 (never expires) or more.")
        expiry = knox_settings.TOKEN_TTL if days is None else (timedelta(days=days) if days else None)
        token_row, token = AuthToken.objects.create(user=user, expiry=expiry)
        self.stdout.write(token)
        expires = token_row.expiry.isoformat(timespec="minutes") if token_row.expiry else "never"
        self.stderr.write(f"Shown only this once: store it now. Expires: {expires}.")
