"""A GIN full-text index on rounds' own text for /search/ on PostgreSQL; nothing elsewhere.

The expression is exactly what ``negotiations.search.search_vector(ROUND_OWN_FIELDS)``
generates, so PostgreSQL uses the index to find candidate rounds (``tests/test_search.py``
checks the plan).
"""

from django.db import migrations

from negotiations.migration_operations import PostgresOnlySQL

INDEX = "negotiations_round_text_fts"
EXPRESSION = "(((setweight(to_tsvector('simple'::regconfig, COALESCE(\"title\", '')), 'A') || setweight(to_tsvector('simple'::regconfig, COALESCE(\"summary\", '')), 'C')) || setweight(to_tsvector('simple'::regconfig, COALESCE(\"chief_negotiators\", '')), 'C')) || setweight(to_tsvector('simple'::regconfig, COALESCE(\"venue_note\", '')), 'D'))"
CREATE = f"CREATE INDEX IF NOT EXISTS {INDEX} ON negotiations_round USING GIN (({EXPRESSION}))"
DROP = f"DROP INDEX IF EXISTS {INDEX}"


class Migration(migrations.Migration):
    dependencies = [("negotiations", "0004_curator_account_permissions")]

    operations = [PostgresOnlySQL(CREATE, DROP)]
