"""`./dev serve` makes a curator account once and says how to sign in."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from negotiations.permissions import is_curator

pytestmark = pytest.mark.django_db


def test_creates_a_curator_once_and_reminds_of_the_password(tmp_path, capsys):
    credentials = tmp_path / "creds"
    call_command("ensure_dev_curator", credentials_file=str(credentials), site_url="http://127.0.0.1:8124")
    first = capsys.readouterr().out
    password = credentials.read_text().strip()
    assert "http://127.0.0.1:8124/admin/" in first and password in first
    admin = get_user_model().objects.get(username="admin")
    assert admin.check_password(password) and is_curator(admin)
    call_command("ensure_dev_curator", credentials_file=str(credentials))
    assert password in capsys.readouterr().out
    assert get_user_model().objects.count() == 1
