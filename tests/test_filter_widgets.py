"""The filter forms' widgets: the fast <select>s write exactly what Django's templates write,
and the slug box reads a list from commas or repeated parameters."""

import pytest
from django import forms
from django.http import QueryDict

from negotiations.filters.widgets import FastCheckboxSelectMultiple, FastSelect, FastSelectMultiple, SlugListInput


def test_slug_list_input_reads_and_shows_the_list():
    widget = SlugListInput()
    assert widget.value_from_datadict(QueryDict("a=x,+y&a=z"), {}, "a") == ["x", "y", "z"]
    assert widget.value_from_datadict({"a": " x ,y"}, {}, "a") == ["x", "y"]
    assert widget.value_from_datadict(QueryDict("a=%00"), {}, "a") == []
    assert widget.value_from_datadict(QueryDict(""), {}, "a") == []
    assert widget.format_value(["x", "y"]) == "x, y"
    assert widget.format_value([]) is None


PARTY_CHOICES = [("IND", "India (IND)"), ("PER", "Peru & <Co> (PER)"), ("PA", "Pacific Alliance (PA)")]


@pytest.mark.parametrize("value", [None, [], ["PER"], ["PER", "PA"], ["XXX"], "PER"])
def test_fast_select_multiple_renders_what_django_s_template_renders(value):
    attrs = {"aria-describedby": "id_party_helptext", "id": "id_party"}
    fast = FastSelectMultiple(choices=PARTY_CHOICES).render("party", value, dict(attrs))
    assert fast == forms.SelectMultiple(choices=PARTY_CHOICES).render("party", value, dict(attrs))
    assert fast.startswith('<select name="party" aria-describedby="id_party_helptext" id="id_party" multiple>')
    assert "Peru &amp; &lt;Co&gt; (PER)" in fast


@pytest.mark.parametrize("value", [None, "", "PER", "nope"])
def test_fast_select_renders_what_django_s_template_renders_with_groups(value):
    choices = [("", "---------"), ("Americas", [("PER", "Peru"), ("MEX", "Mexico")]), ("IND", "India")]
    fast = FastSelect(choices=choices).render("chapter", value, {"id": "id_chapter"})
    assert fast == forms.Select(choices=choices).render("chapter", value, {"id": "id_chapter"})
    assert "multiple" not in fast


@pytest.mark.parametrize("value", [None, [], ["held"], ["held", "x"], "held", ["nope"]])
@pytest.mark.parametrize("attrs", [{"id": "id_status"}, {}, {"id": "id_status", "class": "c", "aria-describedby": "h"}])
@pytest.mark.parametrize(
    "choices",
    [
        [("held", "Held"), ("planned", "Planned & <soon>"), ("x", "X")],
        [("held", "Held"), ("Group", [("planned", "Planned"), ("x", "X")])],
    ],
)
def test_fast_checkboxes_render_what_django_s_template_renders(value, attrs, choices):
    fast = FastCheckboxSelectMultiple(choices=choices).render("status", value, dict(attrs))
    assert fast == forms.CheckboxSelectMultiple(choices=choices).render("status", value, dict(attrs))
    assert "Held</label>" in fast
