"""Notes get a stored, generated ``tsvector`` column with a GIN index on PostgreSQL.

Ranking search hits needs each candidate's vector; computing ``to_tsvector`` over the text of
thousands of matching notes per search made search time grow with the table. The column is
computed by PostgreSQL on every insert and update, whatever writes the row, and replaces the
expression index of migration 0003. Django's model does not know the column: only
``negotiations.search`` reads it. Nothing changes on other databases.
"""

from django.db import migrations

from negotiations.migration_operations import PostgresOnlySQL

COLUMN = "text_search"
INDEX = "negotiations_progressnote_text_search"
OLD_INDEX = "negotiations_progressnote_text_fts"
FORWARD = [
    f"ALTER TABLE negotiations_progressnote ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, COALESCE(\"text\", ''::text))) STORED",
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON negotiations_progressnote USING GIN ({COLUMN})",
    f"DROP INDEX IF EXISTS {OLD_INDEX}",
]
BACKWARD = [
    f"CREATE INDEX IF NOT EXISTS {OLD_INDEX} ON negotiations_progressnote "
    "USING GIN (to_tsvector('simple'::regconfig, COALESCE(\"text\", ''::text)))",
    f"DROP INDEX IF EXISTS {INDEX}",
    f"ALTER TABLE negotiations_progressnote DROP COLUMN IF EXISTS {COLUMN}",
]


class Migration(migrations.Migration):
    dependencies = [("negotiations", "0005_round_search_index")]

    operations = [PostgresOnlySQL(FORWARD, BACKWARD)]
