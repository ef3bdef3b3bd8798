"""Every concrete field of every domain model is a column of the backup; cells are reversible."""

import pytest

from negotiations.backup.tables import TABLES, text_cell, text_from_cell
from tests.backup_support import domain_models


def test_every_domain_model_has_a_table():
    assert {t.model for t in TABLES} == set(domain_models())
    assert len({t.name for t in TABLES}) == len(TABLES)


@pytest.mark.parametrize("model", domain_models(), ids=lambda m: m._meta.label)
def test_every_concrete_field_is_a_column(model):
    (table,) = [t for t in TABLES if t.model is model]
    expected = [f.name for f in model._meta.concrete_fields if not (model._meta.auto_created and f.primary_key)]
    assert table.columns == expected


def test_fields_added_by_other_libraries_are_columns_too():
    (chapters,) = [t for t in TABLES if t.name == "chapters"]
    assert {"name_en", "name_es", "description_en", "description_es"} <= set(chapters.columns)


def test_a_table_comes_after_every_table_it_refers_to():
    seen = set()
    for table in TABLES:
        for f in table.fields:
            if f.is_relation and f.related_model in {t.model for t in TABLES} and f.related_model is not table.model:
                assert f.related_model in seen, (table.name, f.name)
        seen.add(table.model)


@pytest.mark.parametrize("value", [None, "", "N", "\\N", "\\\\N", "a\\N", "\\"])
def test_nullable_text_cells_round_trip(value):
    assert text_from_cell(text_cell(value)) == value
