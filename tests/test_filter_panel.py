"""The list pages' filter panel: the most-used filters first, the others folded under "More
filters" (unfolded when one of them is in use), and a link to the results of the filters applied."""

import datetime as dt
import re

import pytest

from negotiations.choices import RoundFormat
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    f.party("IND", "India")
    f.party("PER", "Peru")
    ip = f.agreement("india-peru-ta", ("IND", "PER"), name="India–Peru Trade Agreement")
    f.round_(ip, 1, venue=f.venue("Lima", "PER"), start_date=dt.date(2017, 8, 1))
    f.round_(ip, 2, venue=None, format=RoundFormat.VIRTUAL, start_date=dt.date(2024, 2, 1))
    return ip


def panel_html(client, url: str) -> tuple[str, str, str]:
    """(the main filters, the "More filters" disclosure, the actions bar) of the page's form."""
    page = client.get(url).content.decode()
    start = page.index('class="filter-form"')
    form = page[start : page.index("</form>", start)]
    more_at = form.find('<details class="more-filters"')
    actions_at = form.index('class="form-actions"')
    if more_at < 0:
        return form[:actions_at], "", form[actions_at:]
    return form[:more_at], form[more_at:actions_at], form[actions_at:]


def field_names(html: str) -> list[str]:
    return re.findall(r'class="field field-(\w+)', html)


def test_rounds_show_the_most_used_filters_and_fold_the_others(client, site):
    main, more, _actions = panel_html(client, "/rounds/?party=PER")
    assert field_names(main) == ["agreement", "party", "chapter", "status", "start_after", "start_before"]
    assert field_names(more) == [
        "q",
        "party_include_members",
        "chapter_status",
        "host_country",
        "city",
        "meeting_format",
        "kind",
        "upcoming",
        "overdue",
    ]
    assert more.startswith('<details class="more-filters">')  # folded: no filter of it in use


@pytest.mark.parametrize(
    "query",
    [
        "city=Lima",
        "party=PER&meeting_format=virtual",
        "format=virtual",  # the meeting format's old name
        "kind=no-such-kind",  # an error to correct
    ],
)
def test_a_folded_filter_in_use_or_wrong_unfolds_more_filters(client, site, query):
    _main, more, _actions = panel_html(client, f"/rounds/?{query}")
    assert more.startswith('<details class="more-filters" open>')


def test_empty_values_and_the_ordering_do_not_unfold_more_filters(client, site):
    _main, more, _actions = panel_html(client, "/rounds/?city=&q=+&ordering=start_date")
    assert more.startswith('<details class="more-filters">')


def test_agreements_fold_their_rarer_filters_and_chapters_fold_none(client, site):
    main, more, _actions = panel_html(client, "/agreements/")
    assert field_names(main) == ["status", "party", "chapter"]
    assert "reached_status" in field_names(more) and "q" in field_names(more)
    main, more, _actions = panel_html(client, "/chapters/")
    assert more == "" and field_names(main) == ["q", "code", "is_active", "agreement"]


def test_the_actions_link_to_the_results_of_the_filters_applied(client, site):
    _main, _more, actions = panel_html(client, "/rounds/?party=PER")
    assert '<a class="to-results" href="#results">Show 2 results</a>' in actions
    page = client.get("/rounds/?party=PER").content.decode()
    assert page.count('id="results"') == 1
    _main, _more, actions = panel_html(client, "/rounds/?city=Lima")
    assert "Show 1 result</a>" in actions


@pytest.mark.parametrize("query", ["city=Nowhere", "kind=no-such-kind"])
def test_no_results_link_without_results(client, site, query):
    _main, _more, actions = panel_html(client, f"/rounds/?{query}")
    assert "to-results" not in actions


def test_the_results_link_is_in_spanish_for_a_spanish_reader(client, site):
    client.cookies["django_language"] = "es"
    _main, _more, actions = panel_html(client, "/rounds/?party=PER")
    assert "Ver 2 resultados</a>" in actions
    assert "Más filtros" in client.get("/rounds/").content.decode()
