"""Planned rounds whose dates have passed: "date passed — outcome not recorded", one rule
(``overdue_round_q`` / ``Round.is_overdue``) used by badges, lists, feeds, calendar and filters."""

import datetime as dt

import pytest
from django.utils import timezone

from negotiations.choices import OVERDUE, DatePrecision, RoundStatus
from negotiations.models import Round
from tests import factories as f

LABEL = "Date passed — outcome not recorded"


def planned(agreement, number, start, end=None, precision=DatePrecision.DAY, **fields):
    dates = {"start_date": start, "end_date": end, "date_precision": precision}
    return f.round_(agreement, number, status=RoundStatus.PLANNED, **dates, **fields)


@pytest.fixture
def rounds(db):
    today = timezone.localdate()
    a = f.agreement("india-peru", name="India–Peru TA")
    first_of_month = today.replace(day=1)
    last_month = (first_of_month - dt.timedelta(days=1)).replace(day=1)
    return {
        "agreement": a,
        "today": today,
        "past_day": planned(a, 1, today - dt.timedelta(days=10), today - dt.timedelta(days=8)),
        "past_month": planned(a, 2, last_month, precision=DatePrecision.MONTH),
        "this_month": planned(a, 3, first_of_month, precision=DatePrecision.MONTH),
        "ends_today": planned(a, 4, today - dt.timedelta(days=2), today),
        "future": planned(a, 5, today + dt.timedelta(days=30)),
        "undated": planned(a, 6, None),
        "held": f.round_(a, 7, start_date=today - dt.timedelta(days=40), end_date=today - dt.timedelta(days=38)),
    }


def test_property_and_queryset_agree(rounds):
    overdue = {r.number for r in Round.objects.overdue()}
    assert overdue == {1, 2}
    assert {r.number for r in Round.objects.all() if r.is_overdue} == overdue
    assert rounds["past_month"].shown_status == OVERDUE
    assert rounds["this_month"].shown_status == RoundStatus.PLANNED
    assert rounds["held"].shown_status == RoundStatus.HELD


def test_year_precision_round_is_overdue_only_after_its_year(rounds):
    a = rounds["agreement"]
    today = rounds["today"]
    this_year = planned(a, 20, today.replace(month=1, day=1), precision=DatePrecision.YEAR)
    last_year = planned(a, 21, dt.date(today.year - 1, 1, 1), precision=DatePrecision.YEAR)
    assert not this_year.is_overdue and last_year.is_overdue
    assert set(Round.objects.overdue().values_list("number", flat=True)) == {1, 2, 21}


def test_round_page_and_lists_show_the_overdue_state(client, rounds):
    page = client.get(rounds["past_day"].get_absolute_url()).content.decode()
    assert LABEL in page
    page = client.get(rounds["future"].get_absolute_url()).content.decode()
    assert LABEL not in page and "Planned" in page
    listing = client.get("/rounds/?agreement=india-peru").content.decode()
    assert listing.count(LABEL) >= 2
    detail = client.get(rounds["agreement"].get_absolute_url()).content.decode()
    assert detail.count("badge-overdue") == 2


def test_overdue_filter_lists_them(client, rounds):
    response = client.get("/rounds/?overdue=1")
    assert response.status_code == 200
    listed = {r.number for r in response.context["rounds"]} if "rounds" in response.context else None
    page = response.content.decode()
    assert page.count("badge-overdue") == 2
    if listed is not None:
        assert listed == {1, 2}
    api = client.get("/api/rounds/?overdue=1", HTTP_ACCEPT="application/json")
    if api.status_code == 200:
        body = api.json()
        results = body["results"] if isinstance(body, dict) else body
        assert {r["number"] for r in results} == {1, 2}


def test_feed_and_calendar_say_so(client, rounds):
    atom = client.get("/feeds/rounds.atom").content.decode()
    assert LABEL in atom
    ics = client.get("/calendar/rounds.ics").content.decode().replace("\r\n ", "")
    blocks = ics.split("BEGIN:VEVENT")[1:]
    overdue = [b for b in blocks if "Round 1 (date passed" in b or "Round 2 (date passed" in b]
    assert len(overdue) == 2
    assert all("STATUS:TENTATIVE" not in b for b in overdue)
    future = [b for b in blocks if "SUMMARY:India–Peru TA: Round 5" in b]
    assert future and "STATUS:TENTATIVE" in future[0]


def test_editor_todo_lists_their_overdue_and_incomplete_rounds(client, rounds):
    from negotiations import roles

    official = f.user(role=roles.OFFICIAL)
    rounds["agreement"].editors.add(official)
    other = f.agreement("other-fta", ("CHL", "PER"))
    planned(other, 1, rounds["today"] - dt.timedelta(days=20))  # not theirs
    complete = rounds["held"]
    f.progress(complete)
    complete.citations.create(source=f.source())
    client.force_login(official)
    response = client.get("/todo/")
    assert response.status_code == 200
    assert {r.pk for r in response.context["overdue"]} == {rounds["past_month"].pk, rounds["past_day"].pk}
    page = response.content.decode()
    assert f"/rounds/{rounds['past_day'].pk}/edit/" in page
    incomplete = {r.pk for r in response.context["incomplete"]}
    assert rounds["future"].pk in incomplete and complete.pk not in incomplete
    assert rounds["past_day"].pk not in incomplete
    assert other.pk not in {r.agreement_id for r in response.context["overdue"]}
    assert "/todo/" in page  # the header links to it


def test_todo_needs_sign_in(client, db):
    assert client.get("/todo/").status_code == 302


def test_public_chapter_note_is_not_followed_by_no_notes(client, db):
    r = f.round_()
    f.progress(r, "ROO", note="Agreed the product-specific rules.")
    f.progress(r, "TBT")
    page = client.get(r.get_absolute_url()).content.decode()
    roo = page.split('id="chapter-ROO"', 1)[1].split("</section>", 1)[0]
    tbt = page.split('id="chapter-TBT"', 1)[1].split("</section>", 1)[0]
    assert "Agreed the product-specific rules." in roo and "No notes on this chapter" not in roo
    assert "No notes on this chapter for this round." in tbt


def test_atom_entries_carry_the_date_of_the_round(client, db):
    import xml.etree.ElementTree as ET

    a = f.agreement("india-peru")
    f.round_(a, 1, start_date=dt.date(2019, 3, 4), end_date=dt.date(2019, 3, 6))
    f.round_(a, 2, start_date=dt.date(2021, 8, 1), end_date=None, date_precision=DatePrecision.MONTH)
    atom = "{http://www.w3.org/2005/Atom}"
    root = ET.fromstring(client.get("/feeds/rounds.atom").content)
    updated = sorted(e.find(f"{atom}updated").text[:10] for e in root.findall(f"{atom}entry"))
    assert updated == ["2019-03-04", "2021-08-01"]
