"""The active-filters summary above a list: each filter in use, named as the reader reads it,
with a link to the same list without it, and how many results match."""

import datetime as dt
import re

import pytest

from negotiations.choices import AgreementStatus, RoundFormat
from negotiations.services import status_event_record
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    f.party("IND", "India")
    f.party("PER", "Peru")
    f.party("CHL", "Chile")
    ip = f.agreement("india-peru-ta", ("IND", "PER"), name="India–Peru Trade Agreement", short_name="India–Peru TA")
    ic = f.agreement("india-chile-cepa", ("IND", "CHL"), name="India–Chile CEPA")
    status_event_record(agreement=ip, status=AgreementStatus.UNDER_NEGOTIATION, date=dt.date(2017, 8, 1))
    status_event_record(agreement=ic, status=AgreementStatus.SIGNED, date=dt.date(2006, 3, 8))
    lima = f.venue("Lima", "PER")
    f.round_(ip, 1, venue=lima, start_date=dt.date(2017, 8, 1), end_date=dt.date(2017, 8, 3))
    f.round_(ip, 2, venue=None, format=RoundFormat.VIRTUAL, start_date=dt.date(2024, 2, 1), end_date=None)
    f.round_(ic, 1, venue=f.venue("Santiago", "CHL"), start_date=dt.date(2025, 1, 1), end_date=None)
    return {"ip": ip, "ic": ic}


def summary(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return [(item.label, item.value, item.remove_query) for item in response.context["active_filters"]]


def test_each_value_of_a_repeatable_filter_is_removable_on_its_own(client, site):
    assert summary(client, "/agreements/?party=per&status=under_negotiation&status=signed") == [
        ("Party", "Peru (PER)", "?status=under_negotiation&status=signed"),
        ("Status", "Under negotiation", "?party=per&status=signed"),
        ("Status", "Signed, not in force", "?party=per&status=under_negotiation"),
    ]


def test_following_a_removal_link_drops_that_filter_only(client, site):
    response = client.get("/agreements/?party=PER&status=signed")
    assert list(response.context["page_obj"]) == []
    [party, status] = response.context["active_filters"]
    assert list(client.get("/agreements/" + status.remove_query).context["page_obj"]) == [site["ip"]]
    assert list(client.get("/agreements/" + party.remove_query).context["page_obj"]) == [site["ic"]]


def test_each_agreement_of_a_comma_list_is_removable(client, site):
    assert summary(client, "/rounds/?agreement=india-peru-ta,%20india-chile-cepa") == [
        ("Agreement", "India–Peru TA", "?agreement=india-chile-cepa"),
        ("Agreement", "India–Chile CEPA", "?agreement=india-peru-ta"),
    ]


def test_dates_text_flags_and_the_old_format_name_read_as_the_form_shows_them(client, site):
    assert summary(client, "/rounds/?start_after=2024&q=lima&format=virtual&upcoming=0") == [
        ("Starts on or after", "2024", "?q=lima&format=virtual&upcoming=0"),
        ("Search", "“lima”", "?start_after=2024&format=virtual&upcoming=0"),
        ("Meeting format", "Virtual", "?start_after=2024&q=lima&upcoming=0"),
        ("Upcoming only", "no", "?start_after=2024&q=lima&format=virtual"),
    ]


def test_the_page_number_is_dropped_and_the_order_kept(client, site):
    assert summary(client, "/rounds/?host_country=PER&page=2&ordering=start_date") == [
        ("Host country", "Peru (PER)", "?ordering=start_date"),
    ]


def test_no_summary_without_filters_or_with_invalid_ones(client, site):
    assert summary(client, "/rounds/?ordering=start_date&page=1") == []
    assert client.get("/rounds/?party=ZZZ").context["active_filters"] == []


def test_the_summary_says_how_many_results_match_and_links_each_removal(client, site):
    page = client.get("/rounds/?party=PER&host_country=PER").content.decode()
    assert "1 result matches these filters:" in page  # the virtual round has no host country
    assert re.search(r'<a class="active-filter" href="/rounds/\?host_country=PER">Party: <strong>Peru \(PER\)', page)
    assert '<a class="clear-filters" href="/rounds/">' in page
    page = client.get("/rounds/?party=PER").content.decode()
    assert "2 results match these filters:" in page
    assert re.search(r'<a class="active-filter" href="/rounds/">Party: <strong>Peru \(PER\)', page)


def test_the_summary_is_in_spanish_for_a_spanish_reader(client, site):
    client.cookies["django_language"] = "es"
    page = client.get("/agreements/?status=signed").content.decode()
    assert "1 resultado coincide con estos filtros:" in page
    assert "Estado: <strong>Suscrito, aún no en vigor" in page


def test_parameters_that_are_not_filters_are_skipped_wherever_they_stand(client, site):
    assert summary(client, "/rounds/?ordering=start_date&utm_source=mail&page=2&party=per") == [
        ("Party", "Peru (PER)", "?ordering=start_date&utm_source=mail"),
    ]


def test_a_chapter_is_named_from_the_forms_own_value_in_any_case(client, site):
    f.chapter("ROO", name="Rules of origin")
    f.chapter("TIG", name="Trade in goods")
    assert summary(client, "/rounds/?chapter=roo") == [("Chapter", "ROO — Rules of origin", "")]
    assert summary(client, "/chapters/?code=roo&code=TIG") == [
        ("Code", "ROO — Rules of origin", "?code=TIG"),
        ("Code", "TIG — Trade in goods", "?code=roo"),
    ]


def test_a_flag_asked_reads_yes_and_typed_text_with_a_comma_is_one_value(client, site):
    assert summary(client, "/rounds/?upcoming=1&q=lima,%20peru") == [
        ("Upcoming only", "yes", "?q=lima%2C+peru"),
        ("Search", "“lima, peru”", "?upcoming=1"),
    ]


def test_removing_one_agreement_of_a_longer_comma_list_keeps_the_others_as_a_list(client, site):
    f.agreement("india-mercosur-pta", ("IND", "PER"), name="India–Mercosur PTA")
    url = "/rounds/?agreement=india-peru-ta,india-mercosur-pta,india-chile-cepa"
    assert [remove for _label, _value, remove in summary(client, url)] == [
        "?agreement=india-mercosur-pta%2C+india-chile-cepa",
        "?agreement=india-peru-ta%2C+india-chile-cepa",
        "?agreement=india-peru-ta%2C+india-mercosur-pta",
    ]
