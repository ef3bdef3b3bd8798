"""A status event's natural key (agreement + date + status) becomes a unique constraint.

Events recorded twice before it existed are merged first, deterministically: the kept event is
an actual one if either is (planned=False before True), then the oldest (lowest id); the others'
citations and notes move to it, then they are deleted. The current status does not change: it is
derived from the latest actual event, and an actual event of the same date and status remains.
"""

from django.db import migrations, models


def merge_duplicate_events(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # Check foreign keys as each row changes, so that no check is left pending for the
        # ALTER TABLE that adds the constraint (PostgreSQL refuses one with pending checks).
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    StatusEvent = apps.get_model("negotiations", "StatusEvent")
    StatusEventSource = apps.get_model("negotiations", "StatusEventSource")
    keys = (
        StatusEvent.objects.values("agreement_id", "date", "status")
        .annotate(count=models.Count("id"))
        .filter(count__gt=1)
    )
    for key in keys:
        events = list(
            StatusEvent.objects.filter(
                agreement_id=key["agreement_id"], date=key["date"], status=key["status"]
            ).order_by("planned", "id")
        )
        kept, duplicates = events[0], events[1:]
        cited = set(StatusEventSource.objects.filter(event=kept).values_list("source_id", flat=True))
        notes = [kept.note] if kept.note else []
        for duplicate in duplicates:
            for citation in StatusEventSource.objects.filter(event=duplicate).order_by("id"):
                if citation.source_id not in cited:
                    cited.add(citation.source_id)
                    StatusEventSource.objects.filter(pk=citation.pk).update(event=kept)
            if duplicate.note and duplicate.note not in notes:
                notes.append(duplicate.note)
            duplicate.delete()
        StatusEvent.objects.filter(pk=kept.pk).update(note="\n\n".join(notes))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("negotiations", "0017_chapter_synonyms"),
    ]

    operations = [
        migrations.RunPython(merge_duplicate_events, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="statusevent",
            constraint=models.UniqueConstraint(
                fields=("agreement", "date", "status"),
                name="status_event_unique_key",
                violation_error_message="This agreement already has an event with this status on this date.",
            ),
        ),
    ]
