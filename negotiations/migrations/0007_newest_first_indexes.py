"""Indexes that keep chapter-filtered lists and the chapter page independent of table size.

- ``progress_chapter_round`` (chapter, round): "the rounds that discussed chapter X" read from
  the index alone.
- ``round_newest_first`` (PostgreSQL only; SQLite cannot index ``NULLS LAST``): the lists'
  newest-first order (``selectors.NEWEST_FIRST``, the round list's default). A page of rounds
  filtered by chapter, the chapter page's agreements and its notes walk it and stop after a
  page instead of sorting every match. The expression must stay exactly that order for
  PostgreSQL to use it (tests/test_selectors.py checks the plan).
"""

from django.db import migrations, models

from negotiations.migration_operations import PostgresOnlySQL

INDEX = "round_newest_first"
CREATE = (
    f'CREATE INDEX IF NOT EXISTS {INDEX} ON negotiations_round ("start_date" DESC NULLS LAST, "number" DESC, "id" DESC)'
)
DROP = f"DROP INDEX IF EXISTS {INDEX}"


class Migration(migrations.Migration):
    dependencies = [("negotiations", "0006_note_search_column")]

    operations = [
        migrations.AddIndex(
            model_name="chapterprogress",
            index=models.Index(fields=["chapter", "round"], name="progress_chapter_round"),
        ),
        PostgresOnlySQL(CREATE, DROP),
    ]
