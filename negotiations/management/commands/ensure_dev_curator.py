import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from negotiations.roles import CURATOR


class Command(BaseCommand):
    help = (
        "Development only: make sure a curator account 'admin' exists, print how to sign in. "
        "The generated password is kept in the given credentials file (git-ignored)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--credentials-file", default=".dev-credentials")
        parser.add_argument("--site-url", default="http://127.0.0.1:8000", help="where the tracker runs")

    def handle(self, *args, username, credentials_file, site_url, **options):
        admin_url = f"{site_url.rstrip('/')}/admin/"
        users = get_user_model().objects
        credentials = Path(credentials_file)
        if users.filter(username=username).exists():
            remembered = credentials.read_text().strip() if credentials.exists() else ""
            hint = remembered or f"your password (reset it with: .venv/bin/python manage.py changepassword {username})"
            self.stdout.write(f"Sign in at {admin_url} as {username} / {hint}")
            return
        password = secrets.token_urlsafe(12)
        user = users.create_superuser(username=username, email="", password=password)
        user.groups.add(Group.objects.get(name=CURATOR))
        credentials.write_text(password + "\n")
        credentials.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS(f"Created the curator account. Sign in at {admin_url} as {username} / {password}")
        )
