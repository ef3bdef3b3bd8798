"""The filter forms' widgets: the fast <select>s write exactly what Django's templates write,
and the slug box reads a list from commas or repeated parameters."""

import copy

import pytest
from django import forms
from django.http import QueryDict
from django.utils.safestring import mark_safe

from negotiations.filters.widgets import (
    FastCheckboxSelectMultiple,
    FastSelect,
    FastSelectMultiple,
    FlagWidget,
    OneOfManySelect,
    SlugListInput,
    html_attrs,
)


def test_slug_list_input_reads_and_shows_the_list():
    widget = SlugListInput()
    assert widget.value_from_datadict(QueryDict("a=x,+y&a=z"), {}, "a") == ["x", "y", "z"]
    assert widget.value_from_datadict({"a": " x ,y"}, {}, "a") == ["x", "y"]
    assert widget.value_from_datadict(QueryDict("a=%00"), {}, "a") == []
    assert widget.value_from_datadict(QueryDict(""), {}, "a") == []
    assert widget.format_value(["x", "y"]) == "x, y"
    assert widget.format_value([]) is None
    assert widget.format_value("x, y") == "x, y"


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


@pytest.mark.parametrize("value", [None, "", "PER", "IND"])
def test_fast_select_matches_django_with_its_own_attributes_a_none_value_and_a_repeated_value(value):
    """A single select marks only the first option of a value listed twice; None is the empty value."""
    choices = [(None, "Unknown"), ("PER", "Peru"), ("IND", "India"), ("Again", [("PER", "Peru (again)")])]
    fast = FastSelect(attrs={"class": "wide"}, choices=choices).render("party", value, {"id": "id_party"})
    assert fast == forms.Select(attrs={"class": "wide"}, choices=choices).render("party", value, {"id": "id_party"})
    assert fast.startswith('<select name="party" class="wide" id="id_party">')


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


# A label that is already HTML (marked safe) is written as it is; any other is escaped.
SAFE_LABEL_CHOICES = [("PER", mark_safe("Peru &amp; <em>Co</em>")), ("IND", "India & <Co>")]


@pytest.mark.parametrize(
    ("fast_widget", "django_widget"),
    [
        (FastSelect, forms.Select),
        (FastSelectMultiple, forms.SelectMultiple),
        (FastCheckboxSelectMultiple, forms.CheckboxSelectMultiple),
    ],
)
def test_a_label_already_safe_html_is_written_as_it_is_like_django_does(fast_widget, django_widget):
    fast = fast_widget(choices=SAFE_LABEL_CHOICES).render("party", "PER", {"id": "id_party"})
    assert fast == django_widget(choices=SAFE_LABEL_CHOICES).render("party", "PER", {"id": "id_party"})
    assert "Peru &amp; <em>Co</em>" in fast
    assert "India &amp; &lt;Co&gt;" in fast


@pytest.mark.parametrize(
    ("asked", "checked"),
    [("1", True), ("true", True), (" On ", True), ("YES", True), (True, True)]
    + [("0", False), ("off", False), ("", False), (None, False), ("maybe", False), (False, False)],
)
def test_a_flag_box_always_submits_1_and_is_ticked_for_a_yes(asked, checked):
    html = FlagWidget(attrs={"id": "id_upcoming"}).render("upcoming", asked)
    ticked = " checked" if checked else ""
    assert html == f'<input type="checkbox" name="upcoming" value="1" id="id_upcoming"{ticked}>'


@pytest.mark.django_db
def test_the_upcoming_box_of_a_page_asked_for_not_upcoming_still_submits_1(client):
    page = client.get("/rounds/?upcoming=0").content.decode()
    assert '<input type="checkbox" name="upcoming" value="1" id="id_upcoming">' in page


def test_a_flag_box_hands_the_field_the_raw_text_so_that_garbage_is_refused():
    widget = FlagWidget()
    assert widget.value_from_datadict(QueryDict("upcoming=maybe"), {}, "upcoming") == "maybe"
    assert widget.value_from_datadict(QueryDict(""), {}, "upcoming") is None


def test_slug_list_input_defaults_and_picker_attributes():
    plain = SlugListInput().render("agreement", None)
    assert plain == '<input type="text" name="agreement" autocomplete="off" spellcheck="false" autocapitalize="none">'
    picker = SlugListInput(attrs={"spellcheck": "true"}, suggest_url="agreement-suggest")
    picker.names = {"ccc": "Cañete “CCC” pact"}
    assert picker.render("agreement", ["ccc"]) == (
        '<input type="text" name="agreement" value="ccc" autocomplete="off" spellcheck="true" autocapitalize="none"'
        ' data-suggest-url="/agreements/suggest.json" data-names="{&quot;ccc&quot;: &quot;Cañete “CCC” pact&quot;}">'
    )


STATUSES = [("held", "Held"), ("planned", "Planned")]


def test_one_of_many_select_leads_with_any_and_shows_one_of_the_asked_values():
    widget = OneOfManySelect({"class": "short"}, choices=STATUSES, blank_label="Any status")
    html = widget.render("status", ["planned", "held"], {"id": "id_status"})
    assert html == (
        '<select name="status" class="short" id="id_status">\n  <option value="">Any status</option>\n\n'
        '  <option value="held" selected>Held</option>\n\n  <option value="planned">Planned</option>\n\n</select>'
    )


def test_one_of_many_select_copies_keep_a_single_any_option():
    widget = copy.deepcopy(copy.deepcopy(OneOfManySelect(choices=STATUSES, blank_label="Any status")))
    assert widget.choices == [("", "Any status"), *STATUSES]
    assert widget.render("status", None).count('<option value=""') == 1


def test_one_of_many_select_reads_every_value_and_drops_blanks():
    widget = OneOfManySelect(choices=STATUSES, blank_label="Any status")
    assert widget.value_from_datadict(QueryDict("status=held&status=&status=planned"), {}, "status") == [
        "held",
        "planned",
    ]
    assert widget.value_from_datadict({"status": "held"}, {}, "status") == ["held"]
    assert widget.value_from_datadict({"status": ""}, {}, "status") == []
    assert widget.value_from_datadict({}, {}, "status") == []


def test_attributes_true_are_bare_and_false_or_none_are_left_out():
    assert html_attrs({"a": None, "b": False, "c": True, "d": "x & y"}) == ' c d="x &amp; y"'
