"""A GIN full-text index on rounds' own text for /search/ on PostgreSQL; nothing elsewhere.

The expression is exactly what ``negotiations.search.search_vector(ROUND_OWN_FIELDS)``
generates, so PostgreSQL uses the index to find candidate rounds (``tests/test_search.py``
checks the plan).
"""

from django.db import migrations

INDEX = "negotiations_round_text_fts"
EXPRESSION = "(((setweight(to_tsvector('simple'::regconfig, COALESCE(\"title\", '')), 'A') || setweight(to_tsvector('simple'::regconfig, COALESCE(\"summary\", '')), 'C')) || setweight(to_tsvector('simple'::regconfig, COALESCE(\"chief_negotiators\", '')), 'C')) || setweight(to_tsvector('simple'::regconfig, COALESCE(\"venue_note\", '')), 'D'))"
CREATE = f"CREATE INDEX IF NOT EXISTS {INDEX} ON negotiations_round USING GIN (({EXPRESSION}))"
DROP = f"DROP INDEX IF EXISTS {INDEX}"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("negotiations", "0004_curator_account_permissions")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
