"""tracker.routers.ReplicaRouter: reads to a replica; writes, reads inside a transaction and pinned reads
(after a write, see tests/test_middleware.py) to the primary."""

import os
import subprocess
import sys
import threading
import warnings
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import router, transaction
from django.test import override_settings

from negotiations.models import Agreement, ProgressNote
from tracker.routers import ReplicaRouter, reading_from_primary, reads_from_one_replica, reads_from_primary

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def replicas(*aliases):
    """settings.DATABASES with replica aliases added (the router only looks at the aliases)."""
    databases = {**settings.DATABASES, **{alias: {**settings.DATABASES["default"]} for alias in aliases}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Overriding setting DATABASES can lead to unexpected behavior"
        with override_settings(DATABASES=databases):
            yield


def test_without_replicas_everything_goes_to_default():
    assert ReplicaRouter().db_for_read(Agreement) == "default"
    assert ReplicaRouter().db_for_write(Agreement) == "default"


def test_reads_go_to_a_replica_and_writes_to_default():
    with replicas("replica1", "replica2"):
        reads = {ReplicaRouter().db_for_read(ProgressNote) for _ in range(50)}
        assert reads == {"replica1", "replica2"}  # spread over every replica
        assert ReplicaRouter().db_for_write(ProgressNote) == "default"
        # Django's own router (what querysets use) follows DATABASE_ROUTERS to the same answer.
        assert Agreement.objects.all().db in {"replica1", "replica2"}
        assert router.db_for_write(Agreement) == "default"


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_go_to_default():
    with replicas("replica1"):
        assert ReplicaRouter().db_for_read(Agreement) == "replica1"
        with transaction.atomic():
            # A read that may be followed by a write (select_for_update, read-modify-write)
            # must see the primary's own uncommitted rows.
            assert ReplicaRouter().db_for_read(Agreement) == "default"
            assert Agreement.objects.all().db == "default"
        assert ReplicaRouter().db_for_read(Agreement) == "replica1"


def test_pinned_reads_go_to_default_until_the_pin_ends():
    with replicas("replica1"):
        with reads_from_primary():
            assert reading_from_primary()
            assert ReplicaRouter().db_for_read(Agreement) == "default"
            assert Agreement.objects.all().db == "default"
            with reads_from_primary():
                pass
            assert reading_from_primary()  # a nested block restores, not clears, the pin
        assert not reading_from_primary()
        assert ReplicaRouter().db_for_read(Agreement) == "replica1"


def test_a_pin_stays_in_its_own_thread():
    """Each gunicorn thread serves another request: one user's pin must not move the others."""
    seen = []
    with replicas("replica1"), reads_from_primary():
        other = threading.Thread(target=lambda: seen.append(ReplicaRouter().db_for_read(Agreement)))
        other.start()
        other.join()
        assert ReplicaRouter().db_for_read(Agreement) == "default"
    assert seen == ["replica1"]


def test_migrations_run_only_on_default_and_relations_are_allowed():
    router_ = ReplicaRouter()
    assert router_.allow_migrate("default", "negotiations")
    assert not router_.allow_migrate("replica1", "negotiations")
    assert router_.allow_relation(Agreement(), ProgressNote())


def test_replica_urls_from_the_environment_become_mirrored_aliases():
    """DATABASE_REPLICA_URLS in settings.py turns each URL into an alias the router picks from."""
    script = (
        "from django.conf import settings as s; from tracker.routers import ReplicaRouter; "
        "from negotiations.models import Round; "
        "print(sorted(s.DATABASES)); r2 = s.DATABASES['replica2']; print(r2['HOST'], r2['TEST']['MIRROR']); "
        "print(sorted({ReplicaRouter().db_for_read(Round) for _ in range(40)}))"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://app@primary.internal:5432/tracker",
        "DATABASE_REPLICA_URLS": "postgres://app@replica-a.internal/tracker, postgres://app@replica-b.internal/tracker",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()[-3:]
    assert lines[0] == "['default', 'replica1', 'replica2']"
    assert lines[1] == "replica-b.internal default"
    assert lines[2] == "['replica1', 'replica2']"


def test_one_request_reads_from_one_replica():
    """The HTTP cache reads the data version and the page in one request: one replica's snapshot."""
    with replicas("replica1", "replica2", "replica3"):
        with reads_from_one_replica():
            chosen = {ReplicaRouter().db_for_read(ProgressNote) for _ in range(50)}
        assert len(chosen) == 1 and chosen <= {"replica1", "replica2", "replica3"}
        assert len({ReplicaRouter().db_for_read(ProgressNote) for _ in range(50)}) > 1
