"""The public pages: what they show, filters in the URL, pagination, and confidentiality."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from negotiations import roles
from negotiations.choices import (
    AgreementRelation,
    AgreementStatus,
    DatePrecision,
    PartyKind,
    ProgressStatus,
    RoundFormat,
    RoundKind,
    RoundStatus,
    Visibility,
)
from negotiations.models import AgreementSource, ProgressNote, Round, RoundSource
from negotiations.services import status_event_record
from tests import factories as f

SECRET = "CONFIDENTIAL-MARKER-7f3a"


def build_india_peru(*, secret: str = SECRET) -> dict:
    """A small India–Peru negotiation with a planted confidential note (reused by other test files)."""
    f.party("IND", "India")
    f.party("PER", "Peru")
    ip = f.agreement("india-peru-ta", ("IND", "PER"), name="India–Peru Trade Agreement", short_name="India–Peru TA")
    status_event_record(
        agreement=ip, status=AgreementStatus.PROPOSED, date=dt.date(2012, 1, 1), date_precision=DatePrecision.YEAR
    )
    status_event_record(agreement=ip, status=AgreementStatus.LAUNCHED, date=dt.date(2017, 1, 18))
    status_event_record(
        agreement=ip,
        status=AgreementStatus.UNDER_NEGOTIATION,
        date=dt.date(2017, 8, 1),
        date_precision=DatePrecision.MONTH,
    )
    status_event_record(
        agreement=ip,
        status=AgreementStatus.SIGNED,
        date=dt.date(2027, 3, 1),
        date_precision=DatePrecision.MONTH,
        planned=True,
    )
    delhi, lima = f.venue("New Delhi", "IND"), f.venue("Lima", "PER")
    r1 = f.round_(ip, 1, venue=delhi, start_date=dt.date(2017, 8, 1), end_date=None, date_precision=DatePrecision.MONTH)
    r9 = f.round_(ip, 9, venue=lima, summary="Substantive progress; intersessional meetings agreed.")
    r10 = f.round_(
        ip,
        10,
        venue=delhi,
        status=RoundStatus.PLANNED,
        start_date=dt.date(2027, 1, 1),
        end_date=None,
        date_precision=DatePrecision.MONTH,
    )
    for code, name in [("TIG", "Trade in Goods"), ("ROO", "Rules of Origin"), ("CRM", "Critical Minerals")]:
        f.chapter(code, name)
        f.progress(r9, code, ProgressStatus.SUBSTANTIAL_PROGRESS)
    f.progress(r1, "TIG", ProgressStatus.TEXT_EXCHANGED)
    public = f.note(r9, "Both sides exchanged offers on critical minerals.", chapter_code="CRM")
    f.note(r9, f"{secret} walk-away position on CRM", visibility=Visibility.CONFIDENTIAL, chapter_code="CRM")
    f.note(r9, f"{secret} general", visibility=Visibility.CONFIDENTIAL)
    preferred = f.source(title="First round in New Delhi", publisher="Gestión")
    conflicting = f.source(title="India–Peru FTA talks to take stage in March", publisher="Financial Express")
    RoundSource.objects.create(round=r1, source=preferred)
    RoundSource.objects.create(round=r1, source=conflicting, conflicting=True, note="Says the round met in Lima.")
    AgreementSource.objects.create(agreement=ip, source=f.source(title="Cabinet approves talks"))
    return {"ip": ip, "r1": r1, "r9": r9, "r10": r10, "public_note": public}


@pytest.fixture
def site(db):
    return build_india_peru()


def text_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


# --- Pages render -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["home", "agreement-list", "round-list", "chapter-list", "search", "feed-rounds", "calendar-rounds"]
)
def test_list_pages_render(client, site, name):
    assert client.get(reverse(name)).status_code == 200


def test_home_shows_counts_and_upcoming_rounds(client, site):
    page = text_of(client.get("/"))
    assert "Upcoming rounds" in page
    assert f'href="{site["r10"].get_absolute_url()}"' in page
    assert "India–Peru TA: Round 10" in page


def test_home_links_to_every_negotiation_under_way_when_it_shows_only_the_latest(client, site):
    from negotiations.selectors import HOME_NEGOTIATIONS
    from negotiations.services import status_event_record

    for index in range(HOME_NEGOTIATIONS):
        item = f.agreement(f"agreement-n{index:02d}", name=f"N{index:02d}")
        status_event_record(agreement=item, status="under_negotiation", date=dt.date(2021, 1, 1))
    page = text_of(client.get("/"))
    assert page.count('class="badge badge-status"') == HOME_NEGOTIATIONS
    assert "?status=under_negotiation&amp;status=launched&amp;status=paused" in page
    assert f"All {HOME_NEGOTIATIONS + 1} negotiations in progress or paused" in page  # and India–Peru


def test_base_layout_has_landmarks_and_includes(client, site):
    page = text_of(client.get("/agreements/"))
    assert '<main id="main"' in page and "<header" in page and "<footer" in page
    assert 'role="search"' in page
    assert '<label for="nav-q"' in page


def test_every_page_links_a_favicon_that_exists(client, site):
    from django.contrib.staticfiles import finders

    page = text_of(client.get("/"))
    assert '<link rel="icon" href="/static/favicon.svg"' in page
    assert finders.find("favicon.svg")


def test_breadcrumbs_end_in_the_current_page(client, site):
    pages = {
        site["ip"].get_absolute_url(): "India–Peru Trade Agreement",
        site["r9"].get_absolute_url(): "Round 9",
        "/chapters/ROO/": "Rules of Origin",
    }
    for url, current in pages.items():
        page = text_of(client.get(url))
        crumbs = page[page.index('class="breadcrumbs"') : page.index("</nav>", page.index('class="breadcrumbs"'))]
        assert crumbs.endswith(f'<span aria-current="page">{current}</span>'), (url, crumbs)


def test_agreement_detail_shows_parties_meter_timeline_rounds_matrix_sources(client, site):
    response = client.get(site["ip"].get_absolute_url())
    page = text_of(response)
    assert response.context["can_edit"] is False
    assert "India" in page and "Peru" in page
    assert 'aria-current="step"' in page  # stage meter
    assert "<svg" in page and 'class="round planned' in page  # planned round drawn hollow
    assert 'class="event planned' in page  # planned status event drawn hollow
    # Newest first: the planned signature (2027) comes before round 9, which comes before the launch.
    listing = page[page.index('class="timeline-list"') :]
    assert listing.index("Signed, not in force") < listing.index("3–5 Nov 2025") < listing.index("18 Jan 2017")
    assert "Aug 2017" in page and "1 Aug 2017" not in page  # month precision shown as a month
    assert f'href="/rounds/{site["r9"].pk}/#chapter-CRM"' in page  # matrix cell links to the notes
    assert "conflicting source" in page and "Says the round met in Lima." in page


def test_timeline_draws_month_precision_as_a_month_wide_span(client, site):
    chart = client.get(site["ip"].get_absolute_url()).context["chart"]
    round_1 = next(r for r in chart.rounds if r["entry"].obj == site["r1"])
    round_9 = next(r for r in chart.rounds if r["entry"].obj == site["r9"])
    assert round_1["width"] > 2 * round_9["width"]


def test_timeline_chart_links_are_not_inside_an_image_and_the_box_opens_on_the_latest_years(client, site):
    page = text_of(client.get(site["ip"].get_absolute_url()))
    chart = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' not in chart and 'role="group"' in chart and "<a href=" in chart
    assert 'class="chart-scroll" tabindex="0" role="region"' in page  # scrolls by keyboard too
    assert "Round: Held" in page and "Status: Under negotiation" in page  # the legend says what is drawn


def test_agreement_header_says_latest_and_next_round_chapters_by_status_and_last_update(client, site):
    page = text_of(client.get(site["ip"].get_absolute_url()))
    latest = page[page.index('class="summary-latest"') :]
    assert latest.startswith(f'class="summary-latest"><a href="{site["r9"].get_absolute_url()}">Round 9</a>')
    assert "3–5 Nov 2025</time>, Lima, Peru</dd>" in latest
    upcoming = page[page.index('class="summary-next"') :]
    assert "Round 10</a>" in upcoming[: upcoming.index("</dd>")] and "Jan 2027" in upcoming[: upcoming.index("</dd>")]
    chapters = page[page.index('class="summary-chapters"') :]
    chapters = chapters[: chapters.index("</dd>")]
    # Round 9 moved TIG on from "text exchanged": three chapters at substantial progress, none behind.
    assert "Substantial progress</span> 3</li>" in chapters and "Text exchanged" not in chapters
    assert 'class="summary-updated"><time datetime="' in page


def test_agreement_detail_links_predecessor_and_successors(client, site):
    successor = f.agreement(
        "india-peru-cepa",
        name="India–Peru CEPA",
        predecessor=site["ip"],
        predecessor_relation=AgreementRelation.BUILDS_ON,
    )
    assert successor.get_absolute_url() in text_of(client.get(site["ip"].get_absolute_url()))
    page = text_of(client.get(successor.get_absolute_url()))
    assert site["ip"].get_absolute_url() in page and "Builds on" in page


def test_agreement_detail_404(client, db):
    assert client.get("/agreements/nothing-here/").status_code == 404


def test_agreement_page_includes_actions_with_can_edit_for_assigned_official(client, site):
    official = f.user(role=roles.OFFICIAL)
    site["ip"].editors.add(official)
    client.force_login(official)
    assert client.get(site["ip"].get_absolute_url()).context["can_edit"] is True


def test_round_detail_shows_chapters_public_notes_sources_and_neighbours(client, site):
    response = client.get(site["r9"].get_absolute_url())
    page = text_of(response)
    assert 'id="chapter-CRM"' in page
    assert site["public_note"].text in page
    assert SECRET not in page
    assert response.context["previous"] == site["r1"] and response.context["next"] == site["r10"]
    assert "Substantial progress" in page


def test_round_detail_shows_confidential_notes_to_the_assigned_official_only(client, site):
    official = f.user(role=roles.OFFICIAL)
    client.force_login(official)
    assert SECRET not in text_of(client.get(site["r9"].get_absolute_url()))
    site["ip"].editors.add(official)
    assert SECRET in text_of(client.get(site["r9"].get_absolute_url()))


def test_notes_are_dated_by_their_fact_not_by_when_they_were_typed(client, db):
    """A note shows its source's publication date, or else its round's dates; the day it was
    loaded (created_at) is not shown."""
    agreement = f.agreement()
    round_obj = f.round_(agreement, 9, start_date=dt.date(2025, 11, 3), end_date=dt.date(2025, 11, 5))
    published = f.source(published_on=dt.date(2025, 11, 7), published_precision=DatePrecision.DAY)
    f.note(round_obj, text="From the joint statement", chapter_code="ROO", source=published)
    f.note(round_obj, text="Heard at the briefing", source=f.source(published_on=None))
    f.note(round_obj, text="No source")
    ProgressNote.objects.update(created_at=dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC))

    page = client.get(round_obj.get_absolute_url()).content.decode()
    notes = re.findall(r'<article class="note.*?</article>', page, re.S)
    assert len(notes) == 3
    by_text = {next(t for t in ("joint statement", "briefing", "No source") if t in n): n for n in notes}
    assert 'Source published <time datetime="2025-11-07">7 Nov 2025</time>' in by_text["joint statement"]
    assert 'Round of <time datetime="2025-11-03">3–5 Nov 2025</time>' in by_text["briefing"]
    assert 'Round of <time datetime="2025-11-03">3–5 Nov 2025</time>' in by_text["No source"]
    assert "2026" not in "".join(notes) and "Recorded" not in page
    # The chapter page shows the same date.
    chapter_page = client.get("/chapters/ROO/").content.decode()
    assert 'Source published <time datetime="2025-11-07">7 Nov 2025</time>' in chapter_page


def test_an_undated_rounds_note_without_a_dated_source_shows_no_date(client, db):
    round_obj = f.round_(f.agreement(), 2, start_date=None, end_date=None)
    f.note(round_obj, text="Undated")
    page = client.get(round_obj.get_absolute_url()).content.decode()
    note = re.search(r'<article class="note.*?</article>', page, re.S).group(0)
    assert "<time" not in note and "Round of" not in note


def test_round_detail_404(client, db):
    assert client.get("/rounds/999999/").status_code == 404


def test_chapter_detail_shows_negotiations_status_over_rounds_and_notes(client, site):
    response = client.get("/chapters/TIG/")
    page = text_of(response)
    [negotiation] = response.context["negotiations"]
    assert [p.round for p in negotiation["steps"]] == [site["r1"], site["r9"]]
    assert negotiation["latest"].status == ProgressStatus.SUBSTANTIAL_PROGRESS
    assert "Text exchanged" in page
    crm = text_of(client.get("/chapters/CRM/"))
    assert site["public_note"].text in crm and SECRET not in crm


def test_chapter_code_in_lower_case_redirects(client, site):
    response = client.get("/chapters/crm/")
    assert response.status_code == 302 and response["Location"] == "/chapters/CRM/"
    assert client.get("/chapters/NOPE/").status_code == 404


# --- Filters on the pages -----------------------------------------------------------------


def test_round_list_applies_filters_from_the_url(client, site):
    other = f.round_(f.agreement("mexico-peru-tia", ("MEX", "PER")), 1, venue=f.venue("Lima", "PER"))
    rows = list(client.get("/rounds/?agreement=india-peru-ta&host_country=PER").context["page_obj"])
    assert rows == [site["r9"]]
    assert list(client.get("/rounds/?host_country=PER&start_after=2025").context["page_obj"]) == [site["r9"], other]


def test_round_list_is_newest_first_and_sortable_by_date(client, site):
    assert list(client.get("/rounds/").context["page_obj"]) == [site["r10"], site["r9"], site["r1"]]
    assert list(client.get("/rounds/?ordering=start_date").context["page_obj"]) == [site["r1"], site["r9"], site["r10"]]


def test_round_list_format_filter_and_export_format_live_together(client, site):
    virtual = f.round_(
        site["ip"],
        None,
        kind=RoundKind.SPECIAL,
        title="Virtual",
        format=RoundFormat.VIRTUAL,
        start_date=dt.date(2023, 10, 10),
        end_date=None,
    )
    assert list(client.get("/rounds/?format=virtual").context["page_obj"]) == [virtual]
    csv_text = text_of(client.get("/rounds/?format=virtual&format=csv"))
    assert len(csv_text.strip().splitlines()) == 2 and "Virtual" in csv_text


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/rounds/?chapter=XYZ", "Unknown chapter code “XYZ”."),
        ("/rounds/?start_after=2025-02-30", "is not a valid calendar date"),
        ("/rounds/?status=nope", "Unknown round status “nope”."),
        ("/agreements/?party=ZZZ", "Unknown party code “ZZZ”."),
        ("/chapters/?is_active=perhaps", "is not a yes/no value"),
    ],
)
def test_invalid_filters_show_a_message_not_a_500(client, site, url, message):
    response = client.get(url)
    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert 'role="alert"' in page
    assert list(response.context["page_obj"]) == []  # never silently unfiltered


def test_pagination_keeps_the_filters(client, site):
    for number in range(11, 40):
        f.round_(site["ip"], number, venue=f.venue("Lima", "PER"))
    response = client.get("/rounds/?host_country=PER&ordering=start_date")
    page = text_of(response)
    assert response.context["page_obj"].paginator.num_pages == 2
    next_link = re.search(r'<a rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert "host_country=PER" in next_link and "ordering=start_date" in next_link and "page=2" in next_link
    second = client.get("/rounds/" + next_link)
    assert all(r.venue.country.code == "PER" for r in second.context["page_obj"])
    assert len(second.context["page_obj"]) == 30 - 25


def test_filter_form_keeps_the_values(client, site):
    page = text_of(client.get("/rounds/?chapter=CRM&status=held"))
    assert re.search(r'<option value="CRM" selected>', page)
    assert re.search(r'value="held"[^>]*checked', page)


def test_agreement_list_by_chapter_and_party(client, site):
    f.agreement("india-chile-cepa", ("IND", "CHL"))
    assert list(client.get("/agreements/?chapter=CRM").context["page_obj"]) == [site["ip"]]
    assert len(client.get("/agreements/?party=IND").context["page_obj"]) == 2


def test_agreement_list_and_its_export_by_status_reached_between_dates(client, site):
    f.agreement("india-chile-cepa", ("IND", "CHL"))
    query = "reached_status=launched&reached_after=2017-01-18&reached_before=2017-01-18"
    response = client.get(f"/agreements/?{query}")
    assert list(response.context["page_obj"]) == [site["ip"]]
    assert re.search(r'<option value="launched" selected>', text_of(response))
    assert 'value="2017-01-18"' in text_of(response)
    assert list(client.get("/agreements/?reached_status=launched&reached_after=2017-01-19").context["page_obj"]) == []
    export = b"".join(client.get(f"/agreements/?{query}&format=csv").streaming_content).decode("utf-8-sig")
    assert "india-peru-ta" in export and "india-chile-cepa" not in export
    # The planned signature (2027) is not a status reached.
    assert list(client.get("/agreements/?reached_status=signed").context["page_obj"]) == []


def test_search_page(client, site):
    response = client.get("/search/?q=critical minerals")
    assert response.status_code == 200
    urls = [hit.url for hit in response.context["page_obj"]]
    assert f"/rounds/{site['r9'].pk}/#chapter-CRM" in urls


# --- Confidentiality on every surface -----------------------------------------------------


def public_surfaces(site) -> list[str]:
    r9 = site["r9"].pk
    return [
        "/",
        "/agreements/",
        "/agreements/?format=csv",
        "/agreements/?format=json",
        "/agreements/india-peru-ta/",
        "/agreements/india-peru-ta/export.json",
        "/rounds/",
        "/rounds/?format=csv",
        "/rounds/?format=json",
        f"/rounds/{r9}/",
        "/chapters/",
        "/chapters/?format=csv",
        "/chapters/CRM/",
        "/chapters/CRM/?format=csv",
        "/chapters/CRM/?format=json",
        "/search/?q=walk-away",
        "/search/?q=position",
        "/search/?q=CRM",
        "/feeds/rounds.atom",
        "/feeds/rounds.atom?chapter=CRM",
        "/calendar/rounds.ics?status=held&status=planned",
    ]


def test_confidential_note_is_absent_from_every_public_surface(client, site):
    for url in public_surfaces(site):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in text_of(response), url
        assert "walk-away position" not in text_of(response), url


def test_search_for_the_confidential_text_finds_nothing(client, site):
    assert client.get(f"/search/?q={SECRET}").context["hit_count"] == 0
    assert client.get("/search/?q=walk-away position").context["hit_count"] == 0


def test_the_public_note_is_on_the_surfaces_that_show_notes(client, site):
    """Guards the test above: the pages do show notes, just not confidential ones."""
    for url in [f"/rounds/{site['r9'].pk}/", "/chapters/CRM/", "/agreements/india-peru-ta/export.json"]:
        assert "exchanged offers on critical minerals" in text_of(client.get(url)), url


def test_signed_in_unassigned_official_sees_no_confidential_note(client, site):
    client.force_login(f.user(role=roles.OFFICIAL))
    for url in public_surfaces(site):
        assert SECRET not in text_of(client.get(url)), url


# --- Seed data smoke tests ----------------------------------------------------------------


@pytest.mark.django_db
def test_every_page_renders_on_the_seed_data(client, seeded):
    from negotiations.models import Agreement, Chapter, Round

    urls = [
        "/",
        "/agreements/",
        "/rounds/",
        "/chapters/",
        "/search/?q=Lima",
        "/feeds/rounds.atom",
        "/calendar/rounds.ics",
    ]
    urls += [a.get_absolute_url() for a in Agreement.objects.all()]
    urls += [f"/agreements/{a.slug}/export.json" for a in Agreement.objects.all()]
    urls += [r.get_absolute_url() for r in Round.objects.all()]
    urls += [c.get_absolute_url() for c in Chapter.objects.all()]
    for url in urls:
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_seed_india_peru_page_shows_round_9_in_lima_and_round_10_planned(client, seeded):
    response = client.get("/agreements/india-peru-ta/")
    page = text_of(response)
    assert re.search(r"Round 9</strong></a> — Lima, Peru", page)
    entry_10 = next(e for e in response.context["timeline"] if e.is_round and e.obj.number == 10)
    assert entry_10.planned and entry_10.precision == DatePrecision.MONTH and "New Delhi" in entry_10.place
    matrix = response.context["matrix"]
    round_9 = next(r for r in matrix.rounds if r.number == 9)
    codes = {chapter.code for chapter, cells in matrix.rows if cells[matrix.rounds.index(round_9)]}
    assert codes >= {"TIG", "SVC", "ROO", "TBT", "CPTF", "DS", "CRM"}


@pytest.mark.django_db
def test_seed_answers_which_rounds_peru_hosted_since_2024(client, seeded):
    rows = list(client.get("/rounds/?host_country=PER&start_after=2024").context["page_obj"])
    assert rows and all(r.venue.country.code == "PER" and r.start_date.year >= 2024 for r in rows)
    assert any(r.number == 9 and r.agreement.slug == "india-peru-ta" for r in rows)


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=%00",
        "/rounds/?q=%00",
        "/rounds/?city=%00",
        "/rounds/99999999999999999999/",
        "/rounds/?page=abc",
        "/rounds/?page=999",
        "/agreements/?ordering=-name,foo",
        "/feeds/rounds.atom?q=%00",
        "/calendar/rounds.ics?city=%00",
        "/chapters/CRM/?format=csv&round=99999999999999999999",
        "/rounds/?start_after=0000",
        "/rounds/?start_before=9999-12-31",
    ],
)
def test_odd_input_never_causes_a_server_error(client, site, url):
    assert client.get(url).status_code in {200, 400, 404}


@pytest.mark.parametrize(
    "page, number, rows",
    [
        ("", 1, 25),
        ("1", 1, 25),
        ("2", 2, 25),
        ("3", 3, 1),  # the last page holds the rest
        ("4", 3, 1),  # past the last: the last
        ("0", 3, 1),  # below the first: Django's get_page also gives the last
        ("-1", 3, 1),
        ("abc", 1, 25),  # not a number: the first
        ("1.5", 1, 25),
    ],
)
def test_list_page_numbers_at_their_edges(client, db, page, number, rows):
    agreement = f.agreement(slug="many")
    Round.objects.bulk_create(
        Round(agreement=agreement, number=n, start_date=dt.date(2020, 1, 1) + dt.timedelta(days=n), status="held")
        for n in range(1, 52)
    )
    response = client.get(f"/rounds/?page={page}")
    assert response.status_code == 200
    page_obj = response.context["page_obj"]
    assert (page_obj.number, len(page_obj.object_list)) == (number, rows)
    assert page_obj.paginator.per_page == 25 and page_obj.paginator.count == 51
    # Newest first: the last page holds the oldest round.
    if number == 3:
        assert [r.number for r in page_obj.object_list] == [1]


def test_chapter_page_paginates_negotiations_and_notes_separately(client, site):
    for index in range(25):
        other = f.agreement(f"other-{index}", name=f"Other {index:02d}")
        r = f.round_(other, 1, start_date=dt.date(2020, 1, 1) + dt.timedelta(days=index))
        f.progress(r, "CRM")
        f.note(r, f"note {index}", chapter_code="CRM")
    first = client.get("/chapters/CRM/")
    negotiations = [n["agreement"] for n in first.context["negotiations"]]
    assert negotiations[0] == site["ip"]  # latest discussion first: India–Peru (2025), then 2020's newest
    assert [a.name for a in negotiations[1:4]] == ["Other 24", "Other 23", "Other 22"]
    assert len(negotiations) == 10
    page = text_of(first)
    assert 'href="?notes_page=2#chapter-notes-heading"' in page
    assert 'href="?page=2#negotiations-heading"' in page and 'rel="prev"' not in page.split("chapter-notes-heading")[0]
    # 26 negotiations: pages of 10, 10 and 6; pages are walked, not counted.
    second = client.get("/chapters/CRM/?page=2&notes_page=2")
    assert [n["agreement"].name for n in second.context["negotiations"]][0] == "Other 15"
    assert second.context["page_obj"].has_previous and second.context["page_obj"].has_next
    assert second.context["notes_page"].number == 2 and len(second.context["notes_page"]) == 1
    third = client.get("/chapters/CRM/?page=3")
    assert len(third.context["negotiations"]) == 6 and not third.context["page_obj"].has_next
    for junk in ("0", "-1", "x"):
        assert client.get(f"/chapters/CRM/?page={junk}").status_code == 200
    # Past the last page: back to the first, other parameters kept.
    beyond = client.get("/chapters/CRM/?page=4&notes_page=2")
    assert beyond.status_code == 302 and beyond["Location"] == "/chapters/CRM/?notes_page=2"
    assert client.get("/chapters/CRM/?page=99999999999999999999")["Location"] == "/chapters/CRM/"


def test_filter_form_lists_used_parties_and_keeps_the_asked_one(client, site):
    f.party("PA", "Pacific Alliance", kind=PartyKind.BLOC)
    f.party("ZWE", "Zimbabwe")
    page = text_of(client.get("/agreements/?party=PA"))
    assert '<option value="IND">India (IND)</option>' in page
    assert '<option value="PA" selected>Pacific Alliance (PA)</option>' in page
    assert "ZWE" not in page  # in no agreement: not offered


def filter_form_html(page: str) -> str:
    start = page.index('class="filter-form"')
    return page[start : page.index("</form>", start)]


def test_agreement_filter_box_takes_a_comma_separated_list_and_shows_it(client, site):
    other = f.round_(f.agreement("mexico-peru-tia", ("MEX", "PER")), 1)
    f.round_(f.agreement("india-chile-cepa", ("IND", "CHL")), 1)
    listed = client.get("/rounds/?agreement=india-peru-ta,+Mexico-Peru-TIA")
    repeated = client.get("/rounds/?agreement=india-peru-ta&agreement=mexico-peru-tia")
    rows = list(listed.context["page_obj"])
    assert rows == list(repeated.context["page_obj"])
    assert {r.agreement.slug for r in rows} == {"india-peru-ta", "mexico-peru-tia"} and other in rows
    form = filter_form_html(text_of(listed))
    assert 'name="agreement" value="india-peru-ta, Mexico-Peru-TIA"' in form
    assert 'name="agreement" value="india-peru-ta, mexico-peru-tia"' in filter_form_html(text_of(repeated))


@pytest.mark.parametrize("query", ["agreement=no-such-thing", "agreement=india-peru-ta,+no-such-thing"])
def test_unknown_agreement_in_the_box_is_a_400_with_the_message(client, site, query):
    response = client.get(f"/rounds/?{query}")
    assert response.status_code == 400
    assert "Unknown agreement “no-such-thing”." in text_of(response)
    assert list(response.context["page_obj"]) == []


@pytest.mark.parametrize("path", ["/rounds/", "/chapters/"])
def test_filter_form_does_not_grow_with_the_number_of_agreements(client, site, path):
    for index in range(4):
        f.agreement(f"few-{index}", name=f"Few {index}", parties=())
    few = filter_form_html(text_of(client.get(path)))
    for index in range(55):
        f.agreement(f"more-{index}", name=f"More {index}", parties=())
    many = filter_form_html(text_of(client.get(path)))
    assert len(few) == len(many)
    assert "More 1" not in many and 'value="more-1"' not in many


def test_filter_help_texts_are_the_ones_the_inputs_point_to(client, site):
    form = filter_form_html(text_of(client.get("/rounds/")))
    described = re.findall(r'aria-describedby="([^"]+)"', form)
    assert {"id_agreement_helptext", "id_party_helptext", "id_host_country_helptext"} <= set(described)
    for help_id in described:
        assert re.search(rf'<small class="help" id="{help_id}"[ >]', form), help_id
    assert "separated by commas" in form


def test_lower_case_codes_in_the_url_show_as_selected(client, site):
    form = filter_form_html(text_of(client.get("/rounds/?party=per&host_country=per&chapter=crm")))
    assert '<option value="PER" selected>Peru (PER)</option>' in form
    host = re.search(r'<select name="host_country"[^>]* multiple>.*?</select>', form, re.S).group(0)
    assert '<option value="PER" selected>Peru (PER)</option>' in host
    assert '<option value="CRM" selected>' in form


def test_list_pages_keep_their_sort_links(client, site):
    page = text_of(client.get("/agreements/?ordering=-status_date"))
    assert '<a href="?ordering=name">name</a>' in page
    assert '<a href="?ordering=-status_date" aria-current="true">latest status change first</a>' in page
    page = text_of(client.get("/rounds/"))
    assert '<a href="?ordering=-start_date" aria-current="true">newest first</a>' in page
    assert '<a href="?ordering=start_date">oldest first</a>' in page


@pytest.mark.django_db
def test_sources_name_their_language_and_say_why_there_is_no_link(client):
    agreement = f.agreement("mexico-peru-tia", parties=("MEX", "PER"))
    spanish = f.source(title="Entra en vigor nuevo tratado", language="es")
    unlinked = f.source(title="Decree approving the agreement", url="", note="No public copy was found.")
    AgreementSource.objects.create(agreement=agreement, source=spanish)
    AgreementSource.objects.create(agreement=agreement, source=unlinked)
    html = client.get(agreement.get_absolute_url()).content.decode()
    assert f'href="{spanish.url}" rel="noopener" hreflang="es" lang="es">Entra en vigor nuevo tratado</a>' in html
    assert "No link: No public copy was found." in html
