"""A GIN full-text index on progress notes for /search/ on PostgreSQL; nothing on other databases.

The indexed expression is exactly what ``negotiations.search`` generates for notes
(``SearchVector("text", config="simple")``), so PostgreSQL can use the index for ``@@``.
"""

from django.db import migrations

from negotiations.migration_operations import PostgresOnlySQL

INDEX = "negotiations_progressnote_text_fts"
CREATE = (
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON negotiations_progressnote "
    "USING GIN (to_tsvector('simple'::regconfig, COALESCE(\"text\", ''::text)))"
)
DROP = f"DROP INDEX IF EXISTS {INDEX}"


class Migration(migrations.Migration):
    dependencies = [("negotiations", "0002_roles")]

    operations = [PostgresOnlySQL(CREATE, DROP)]
