"""negotiations/filters/fields.py: codes are case-insensitive, and the form shows what it filters."""

import pytest
from django.http import QueryDict

from negotiations.filtersets import ChapterProgressFilterSet, RoundFilterSet, filter_errors
from negotiations.models import ChapterProgress, Round
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_lower_case_chapter_code_filters_and_shows_as_selected():
    f.chapter("ROO"), f.chapter("TIG")
    rounds = RoundFilterSet(QueryDict("chapter=roo"), queryset=Round.objects.all())
    assert rounds.is_valid() and rounds.form.cleaned_data["chapter"].code == "ROO"
    html = str(rounds.form["chapter"])
    assert 'value="ROO" selected' in html and 'value="TIG" selected' not in html


def _progress_of_round(query: str):
    return ChapterProgressFilterSet(QueryDict(query), queryset=ChapterProgress.objects.all())


@pytest.mark.parametrize("pk", [1, 2**63 - 1])
def test_the_smallest_and_largest_ids_the_database_stores_are_accepted(pk):
    wanted = f.progress(f.round_(id=pk))
    found = _progress_of_round(f"round={pk}")
    assert found.is_valid(), filter_errors(found)
    assert list(found.qs) == [wanted]


def test_id_zero_is_not_a_round_id():
    found = _progress_of_round("round=0")
    assert not found.is_valid()
    assert filter_errors(found) == ["Round: “0” is not a round id."]
