"""Shared fixtures. Test data helpers live in tests/factories.py."""

import os

import pytest

# pytest-django's live_server runs the app in a thread while Playwright's sync API holds an
# event loop in the test thread; Django must allow ORM calls from that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def seeded(db):
    """The shipped seed data, loaded through the real `seed` command."""
    from django.core.management import call_command

    call_command("seed", verbosity=0)


@pytest.fixture(autouse=True)
def empty_cache():
    """Cached statistics (home counts, chapter counts) must not carry over from another test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Creating users with the real hasher costs ~0.3 s each on this two-core machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english_after_each_test():
    """A request in Spanish leaves Spanish active in the test thread (LocaleMiddleware activates
    the request's language and nothing deactivates it): the next test must start in English."""
    from django.utils import translation

    yield
    translation.activate("en")
