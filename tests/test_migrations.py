"""Data steps of migrations that change rows (not only the schema)."""

import datetime as dt
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection

from negotiations.choices import AgreementStatus
from negotiations.models import StatusEvent, StatusEventSource
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs the unique key dropped inside the test's transaction: PostgreSQL only (SQLite rebuilds the table)",
)
def test_duplicate_status_events_are_merged_into_one_before_their_key_becomes_unique():
    migration = import_module("negotiations.migrations.0018_status_event_unique_key")
    agreement = f.agreement(slug="alpha")
    other = f.agreement(slug="beta")
    first_source, second_source = f.source(title="One"), f.source(title="Two")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE negotiations_statusevent DROP CONSTRAINT status_event_unique_key")
    day = dt.date(2019, 3, 1)
    planned, actual, later_actual, elsewhere = StatusEvent.objects.bulk_create(
        [
            StatusEvent(agreement=agreement, status=AgreementStatus.LAUNCHED, date=day, planned=True, note="a"),
            StatusEvent(agreement=agreement, status=AgreementStatus.LAUNCHED, date=day, sequence=1, note="b"),
            StatusEvent(agreement=agreement, status=AgreementStatus.LAUNCHED, date=day, sequence=2, note="c"),
            StatusEvent(agreement=other, status=AgreementStatus.LAUNCHED, date=day, note="kept as it is"),
        ]
    )
    StatusEventSource.objects.create(event=actual, source=first_source)
    StatusEventSource.objects.create(event=later_actual, source=first_source)
    StatusEventSource.objects.create(event=later_actual, source=second_source, note="moved")

    with connection.schema_editor() as editor:
        migration.merge_duplicate_events(apps, editor)

    kept = StatusEvent.objects.get(agreement=agreement)
    assert kept.pk == actual.pk and not kept.planned  # the actual one, the oldest of them
    assert kept.note == "b\n\nc\n\na"  # the kept one's note first, then the others' in the same order
    assert sorted(kept.citations.values_list("source__title", "note")) == [("One", ""), ("Two", "moved")]
    assert StatusEvent.objects.get(agreement=other).note == "kept as it is"
