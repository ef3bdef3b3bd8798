"""negotiations/filters/fields.py: codes are case-insensitive, and the form shows what it filters."""

import pytest
from django.http import QueryDict
from django.utils import translation

from negotiations.filters.fields import FlagField
from negotiations.filtersets import ChapterProgressFilterSet, RoundFilterSet, filter_errors
from negotiations.models import Chapter, ChapterProgress, Round
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


def test_a_date_box_shows_the_asked_text_and_the_expected_shape_in_the_readers_language():
    html = str(RoundFilterSet(QueryDict("start_after=2025-11")).form["start_after"])
    assert html == (
        '<input type="text" name="start_after" value="2025-11" placeholder="YYYY-MM-DD" inputmode="numeric"'
        ' aria-describedby="id_start_after_helptext" id="id_start_after">'
    )
    with translation.override("es"):
        assert 'placeholder="AAAA-MM-DD"' in str(RoundFilterSet().form["start_after"])


@pytest.mark.parametrize(
    ("query", "codes"), [("party=", []), ("party=+&party=per", ["PER"]), ("party=PER&party=", ["PER"])]
)
def test_blank_codes_in_a_repeated_parameter_are_ignored_not_unknown(query, codes):
    f.party("PER"), f.party("IND")
    rounds = RoundFilterSet(QueryDict(query), queryset=Round.objects.all())
    assert rounds.is_valid(), filter_errors(rounds)
    assert [party.code for party in rounds.form.cleaned_data["party"]] == codes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), (" Yes ", True), ("ON", True), (True, True)]
    + [("0", False), ("False", False), ("no", False), ("Off", False)]
    + [("", None), (None, None), (False, None)],
)
def test_a_yes_no_value_is_read_in_any_case_and_empty_means_not_asked(raw, expected):
    assert FlagField(required=False).clean(raw) is expected


def test_a_wrong_date_is_explained_exactly_once_under_its_label():
    found = RoundFilterSet(QueryDict("start_after=2025-13"), queryset=Round.objects.all())
    assert not found.is_valid()
    assert filter_errors(found) == ["Starts on or after: “2025-13” is not a valid calendar date."]


def test_the_chapter_code_and_drop_down_read_the_catalog_once(django_assert_num_queries):
    f.chapter("ROO", order=1), f.chapter("TIG", order=2)
    rounds = RoundFilterSet(QueryDict("chapter=roo"), queryset=Round.objects.all())
    with django_assert_num_queries(1):
        assert rounds.is_valid()
        html = str(rounds.form["chapter"])
    assert rounds.form.cleaned_data["chapter"] == Chapter.objects.get(code="ROO")
    assert html.index('<option value="ROO" selected>') < html.index('<option value="TIG">')


def test_each_form_reads_the_chapter_catalog_afresh():
    f.chapter("ROO")
    assert RoundFilterSet(QueryDict("chapter=ROO"), queryset=Round.objects.all()).is_valid()
    unknown = RoundFilterSet(QueryDict("chapter=TIG"), queryset=Round.objects.all())
    assert filter_errors(unknown) == ["Chapter: Unknown chapter code “TIG”."]
    f.chapter("TIG")
    later = RoundFilterSet(QueryDict("chapter=tig"), queryset=Round.objects.all())
    assert later.is_valid() and later.form.cleaned_data["chapter"].code == "TIG"
    assert '<option value="TIG" selected>' in str(later.form["chapter"])


@pytest.mark.parametrize(
    ("code", "message"), [("XYZ", "Unknown chapter code “XYZ”."), ("R\x00O", "Null characters are not allowed.")]
)
def test_a_chapter_code_not_in_the_catalog_is_refused(code, message):
    f.chapter("ROO")
    query = QueryDict(mutable=True)
    query["chapter"] = code
    found = RoundFilterSet(query, queryset=Round.objects.all())
    assert not found.is_valid()
    assert filter_errors(found) == [f"Chapter: {message}"]


def test_a_chapter_given_as_a_model_is_found_among_the_listed_ones():
    roo = f.chapter("ROO")
    rounds = RoundFilterSet({"chapter": roo}, queryset=Round.objects.all())
    assert rounds.is_valid() and rounds.form.cleaned_data["chapter"] == roo


def test_an_unknown_chapter_code_is_refused_with_djangos_invalid_choice_code():
    f.chapter("ROO")
    rounds = RoundFilterSet(QueryDict("chapter=xyz"), queryset=Round.objects.all())
    assert not rounds.is_valid()
    [error] = rounds.form.errors.as_data()["chapter"]
    assert (error.code, error.params) == ("invalid_choice", {"value": "XYZ"})
