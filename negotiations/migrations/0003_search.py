"""A GIN full-text index on progress notes for /search/ on PostgreSQL; nothing on other databases.

The indexed expression is exactly what ``negotiations.search`` generates for notes
(``SearchVector("text", config="simple")``), so PostgreSQL can use the index for ``@@``.
"""

from django.db import migrations

INDEX = "negotiations_progressnote_text_fts"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON negotiations_progressnote "
    "USING GIN (to_tsvector('simple'::regconfig, COALESCE(\"text\", ''::text)))"
)
DROP = f"DROP INDEX IF EXISTS {INDEX}"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("negotiations", "0002_roles")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
