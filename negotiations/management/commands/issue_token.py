"""``manage.py issue_token USERNAME [--rotate]``: print the API token of a user, creating it."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = (
        "Print the API token of USERNAME (created if missing). Clients send it as "
        "'Authorization: Token <key>'. --rotate replaces an existing token; --revoke deletes it."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--rotate", action="store_true", help="replace the user's token with a new one")
        group.add_argument("--revoke", action="store_true", help="delete the user's token")

    def handle(self, *args, username, rotate, revoke, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive; activate the account first.")
        if rotate or revoke:
            Token.objects.filter(user=user).delete()
        if revoke:
            self.stdout.write(f"Token of {username} revoked.")
            return
        token, _created = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
