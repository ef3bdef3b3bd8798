"""Shared fixtures. Test data helpers live in tests/factories.py."""

import os

import pytest

# pytest-django's live_server runs the app in a thread while Playwright's sync API holds an
# event loop in the test thread; Django must allow ORM calls from that thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# What the real `seed` command wrote, per database vendor, taken the first time a test asks for
# the seed data in this run. Seeding goes through the services (validation and audit trail for
# every row) and costs seconds; later tests get the same rows back in one bulk insert per table.
_seed_snapshots: dict[str, list[tuple[type, list[dict]]]] = {}


def _seed_tables():
    from django.apps import apps

    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label == "negotiations" and not model._meta.proxy and model.__name__ != "DataVersion"
    ]


@pytest.fixture
def seeded(db):
    """The shipped seed data: the rows the real `seed` command writes (run once per test run;
    tests of the command itself call it again)."""
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection, transaction

    snapshot = _seed_snapshots.get(connection.vendor)
    if snapshot is None:
        call_command("seed", verbosity=0)
        _seed_snapshots[connection.vendor] = [
            (model, list(model._base_manager.values(*[f.attname for f in model._meta.concrete_fields])))
            for model in _seed_tables()
        ]
        return
    with transaction.atomic():  # foreign keys are checked at commit, so the table order is free
        for model, rows in snapshot:
            model._base_manager.bulk_create([model(**row) for row in rows], batch_size=500)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [model for model, _ in snapshot]):
                cursor.execute(statement)


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
