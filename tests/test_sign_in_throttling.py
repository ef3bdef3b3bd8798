"""Sign-in throttling (django-axes) on the site's and the admin's login, and unlocking it."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse

from negotiations import roles
from tests import factories as f

PASSWORD = "correct horse battery"  # tests.factories.user's password

LOGIN_PAGES = [
    pytest.param(reverse("login"), id="site"),
    pytest.param("/admin/login/", id="admin"),
]


def sign_in(client, url, username, password, address="10.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_until_locked(client, url, username, address="10.0.0.1"):
    statuses = [
        sign_in(client, url, username, "wrong password", address).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    # The form again with its error, until the failure that reaches the limit locks the account.
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_the_right_password_is_refused_after_too_many_failures(db, url):
    curator = f.user("curator", role=roles.CURATOR)
    client = Client()
    fail_until_locked(client, url, curator.username)
    response = sign_in(client, url, curator.username, PASSWORD)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed sign-in attempts" in text
    assert "Try again in 15 minutes" in text
    assert "_auth_user_id" not in client.session
    assert response.headers["Content-Security-Policy"]


def test_a_lock_is_per_username_and_address(db):
    curator = f.user("curator", role=roles.CURATOR)
    other = f.user("other")
    client = Client()
    url = reverse("login")
    fail_until_locked(client, url, curator.username, address="10.0.0.1")
    # The same account from another address, and another account from the same address, still work.
    assert sign_in(Client(), url, curator.username, PASSWORD, address="10.0.0.2").status_code == 302
    assert sign_in(Client(), url, other.username, PASSWORD, address="10.0.0.1").status_code == 302
    assert sign_in(Client(), url, curator.username, PASSWORD, address="10.0.0.1").status_code == 429


def test_a_successful_sign_in_resets_the_count(db):
    official = f.user("official", role=roles.OFFICIAL)
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(Client(), url, official.username, "wrong password")
    assert sign_in(Client(), url, official.username, PASSWORD).status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(Client(), url, official.username, "wrong password")
    assert sign_in(Client(), url, official.username, PASSWORD).status_code == 302


def test_the_lock_lifts_after_the_cool_off(db):
    official = f.user("official", role=roles.OFFICIAL)
    url = reverse("login")
    fail_until_locked(Client(), url, official.username)
    assert sign_in(Client(), url, official.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert sign_in(Client(), url, official.username, PASSWORD).status_code == 302


def test_a_curator_unlocks_an_account_in_the_admin(db):
    official = f.user("official", role=roles.OFFICIAL)
    url = reverse("login")
    fail_until_locked(Client(), url, official.username)
    assert sign_in(Client(), url, official.username, PASSWORD).status_code == 429

    curator_client = Client()
    curator_client.force_login(f.user("curator", role=roles.CURATOR))
    changelist = reverse("admin:axes_accessattempt_changelist")
    listing = curator_client.get(changelist, {"locked_out": "yes"})
    assert listing.status_code == 200
    assert official.username in listing.content.decode()
    attempt = AccessAttempt.objects.get(username=official.username)
    response = curator_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert sign_in(Client(), url, official.username, PASSWORD).status_code == 302


def test_the_unlock_command(db):
    official = f.user("official", role=roles.OFFICIAL)
    url = reverse("login")
    fail_until_locked(Client(), url, official.username)
    call_command("axes_reset_username", official.username, verbosity=0)
    assert sign_in(Client(), url, official.username, PASSWORD).status_code == 302


def test_an_official_cannot_see_the_lock_outs(db):
    client = Client()
    client.force_login(f.user("official", role=roles.OFFICIAL))
    response = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 302  # to the admin's login: officials do not use the admin


def test_a_lock_out_stores_no_password(db):
    official = f.user("official", role=roles.OFFICIAL)
    fail_until_locked(Client(), reverse("login"), official.username)
    assert "wrong password" not in AccessAttempt.objects.get().post_data
