"""negotiations/filters/fields.py: codes are case-insensitive, and the form shows what it filters."""

import pytest
from django.http import QueryDict

from negotiations.filtersets import RoundFilterSet
from negotiations.models import Round
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_lower_case_chapter_code_filters_and_shows_as_selected():
    f.chapter("ROO"), f.chapter("TIG")
    rounds = RoundFilterSet(QueryDict("chapter=roo"), queryset=Round.objects.all())
    assert rounds.is_valid() and rounds.form.cleaned_data["chapter"].code == "ROO"
    html = str(rounds.form["chapter"])
    assert 'value="ROO" selected' in html and 'value="TIG" selected' not in html
