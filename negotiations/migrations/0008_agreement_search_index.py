"""A GIN full-text index on agreements for /search/ on PostgreSQL; nothing elsewhere.

Without it every search computed ``to_tsvector`` over the name and summary of every
agreement (27 ms at 1,000 agreements). The expression is exactly what
``negotiations.search.search_vector(AGREEMENT_FIELDS)`` generates, so PostgreSQL uses the
index both for ranked agreement hits and for finding candidate rounds by their agreement
(``tests/test_search.py`` checks the plans).
"""

from django.db import migrations

from negotiations.migration_operations import PostgresOnlySQL

INDEX = "negotiations_agreement_text_fts"
EXPRESSION = (
    "(((setweight(to_tsvector('simple'::regconfig, COALESCE(\"name\", '')), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, COALESCE(\"short_name\", '')), 'A'))"
    " || setweight(to_tsvector('simple'::regconfig, COALESCE(\"slug\", '')), 'B'))"
    " || setweight(to_tsvector('simple'::regconfig, COALESCE(\"summary\", '')), 'C'))"
)
CREATE = f"CREATE INDEX IF NOT EXISTS {INDEX} ON negotiations_agreement USING GIN (({EXPRESSION}))"
DROP = f"DROP INDEX IF EXISTS {INDEX}"


class Migration(migrations.Migration):
    dependencies = [("negotiations", "0007_newest_first_indexes")]

    operations = [PostgresOnlySQL(CREATE, DROP)]
