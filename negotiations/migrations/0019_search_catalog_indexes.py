"""GIN full-text indexes on parties, venues and chapters for /search/ on PostgreSQL; nothing
elsewhere.

Small tables, but without an index every search computed ``to_tsvector`` over every row of
each (0.70 ms for the 257 parties on PostgreSQL, against 0.07 ms through the index). Each
expression is exactly what ``negotiations.search.search_vector`` generates for PARTY_FIELDS,
the venues' (city, place) and CHAPTER_FIELDS (``tests/test_search.py`` checks the plans).
"""

from django.db import migrations

from negotiations.migration_operations import PostgresOnlySQL


def _vector(columns: list[tuple[str, str]]) -> str:
    # "a || b || c" parses as "(a || b) || c", the tree search_vector generates.
    return " || ".join(
        f"setweight(to_tsvector('simple'::regconfig, COALESCE(\"{column}\", '')), '{weight}')"
        for column, weight in columns
    )


INDEXES = {
    "negotiations_party_text_fts": ("negotiations_party", [("code", "A"), ("name", "A"), ("official_name", "B")]),
    "negotiations_venue_text_fts": ("negotiations_venue", [("city", "A"), ("place", "A")]),
    "negotiations_chapter_text_fts": (
        "negotiations_chapter",
        [("code", "A"), ("name_en", "A"), ("name_es", "A"), ("description_en", "C"), ("description_es", "C")],
    ),
}


class Migration(migrations.Migration):
    dependencies = [("negotiations", "0018_status_event_unique_key")]

    operations = [
        PostgresOnlySQL(
            f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING GIN (({_vector(columns)}))",
            f"DROP INDEX IF EXISTS {index}",
        )
        for index, (table, columns) in INDEXES.items()
    ]
