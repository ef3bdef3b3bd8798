"""The Atom feed of rounds and the iCalendar of planned rounds (RFC 5545 written by hand)."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from negotiations.choices import DatePrecision, RoundStatus
from negotiations.feeds import ics_escape, ics_fold
from tests import factories as f
from tests.test_views import SECRET, build_india_peru

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def site(db):
    data = build_india_peru()
    chile = f.agreement("india-chile-cepa", ("IND", "CHL"), name="India–Chile CEPA")
    data["ic4"] = f.round_(
        chile,
        4,
        venue=f.venue("New Delhi", "IND"),
        status=RoundStatus.PLANNED,
        start_date=dt.date(2027, 12, 1),
        end_date=dt.date(2027, 12, 5),
    )
    return data


def unfold(text: str) -> list[str]:
    """The content lines of an iCalendar text (continuation lines joined)."""
    assert "\n" not in text.replace("\r\n", "")  # only CRLF line ends
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def events(text: str) -> list[dict]:
    found, current = [], None
    for line in unfold(text):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            found.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return found


# --- Atom ---------------------------------------------------------------------------------


def test_atom_feed_lists_rounds_with_links(client, site):
    response = client.get("/feeds/rounds.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    entries = root.findall(f"{ATOM}entry")
    titles = {e.find(f"{ATOM}title").text for e in entries}
    assert "India–Peru TA: Round 9" in titles and "India–Chile CEPA: Round 4" in titles
    links = {e.find(f"{ATOM}link").get("href") for e in entries}
    assert f"http://testserver{site['r9'].get_absolute_url()}" in links


def test_atom_entries_are_dated_by_the_round_not_by_when_it_was_loaded(client, site):
    """Every entry's <updated> (and <published>) is its round's first day; an undated round
    keeps the record's own time. Loading the record (seed) must not give all entries one date."""
    undated = f.round_(site["ic4"].agreement, 3, start_date=None, end_date=None)
    root = ET.fromstring(client.get("/feeds/rounds.atom").content)
    dates = {
        e.find(f"{ATOM}title").text: (e.find(f"{ATOM}updated").text, e.find(f"{ATOM}published").text)
        for e in root.findall(f"{ATOM}entry")
    }
    assert dates["India–Chile CEPA: Round 4"] == ("2027-12-01T00:00:00+00:00", "2027-12-01T00:00:00+00:00")
    r9 = site["r9"]
    assert dates[f"India–Peru TA: {r9.label}"][0] == f"{r9.start_date.isoformat()}T00:00:00+00:00"
    undated.refresh_from_db()
    assert dates["India–Chile CEPA: Round 3"][0] == undated.updated_at.isoformat()


def test_atom_feed_takes_the_round_filters(client, site):
    root = ET.fromstring(client.get("/feeds/rounds.atom?agreement=india-chile-cepa").content)
    assert [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")] == ["India–Chile CEPA: Round 4"]
    root = ET.fromstring(client.get("/feeds/rounds.atom?chapter=CRM").content)
    assert [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")] == ["India–Peru TA: Round 9"]
    categories = {c.get("term") for c in root.iter(f"{ATOM}category")}
    assert categories == {"TIG", "ROO", "CRM"}


def test_atom_feed_rejects_bad_filters(client, site):
    response = client.get("/feeds/rounds.atom?chapter=NOPE")
    assert response.status_code == 400
    assert "Unknown chapter code “NOPE”." in response.content.decode()


def test_atom_feed_carries_no_notes(client, site):
    text = client.get("/feeds/rounds.atom").content.decode()
    assert SECRET not in text and "exchanged offers" not in text


# --- iCalendar ----------------------------------------------------------------------------


def test_calendar_has_only_planned_rounds_by_default(client, site):
    response = client.get("/calendar/rounds.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    lines = unfold(text)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and lines[-1] == "END:VCALENDAR"
    assert any(line.startswith("PRODID:") for line in lines)
    assert {e["SUMMARY"] for e in events(text)} == {
        "India–Peru TA: Round 10 (dates to be confirmed)",
        "India–Chile CEPA: Round 4",
    }


def test_month_precision_round_is_an_all_day_event_spanning_the_month(client, site):
    [round_10] = [e for e in events(client.get("/calendar/rounds.ics").content.decode()) if "Round 10" in e["SUMMARY"]]
    assert round_10["DTSTART;VALUE=DATE"] == "20270101"
    assert round_10["DTEND;VALUE=DATE"] == "20270201"  # exclusive: the whole of January
    assert round_10["STATUS"] == "TENTATIVE"
    assert round_10["LOCATION"] == "New Delhi\\, India"


def test_day_precision_round_ends_the_day_after(client, site):
    [round_4] = [e for e in events(client.get("/calendar/rounds.ics").content.decode()) if "Round 4" in e["SUMMARY"]]
    assert (round_4["DTSTART;VALUE=DATE"], round_4["DTEND;VALUE=DATE"]) == ("20271201", "20271206")


def test_uid_is_stable_across_edits(client, site):
    def uid():
        [event] = [e for e in events(client.get("/calendar/rounds.ics").content.decode()) if "Round 4" in e["SUMMARY"]]
        return event["UID"], event["SEQUENCE"]

    before = uid()
    site["ic4"].venue = f.venue("Mumbai", "IND")
    site["ic4"].save()
    after = uid()
    assert before[0] == after[0] == f"round-{site['ic4'].pk}@testserver"


def test_calendar_takes_the_round_filters(client, site):
    text = client.get("/calendar/rounds.ics?agreement=india-peru-ta").content.decode()
    assert [e["SUMMARY"] for e in events(text)] == ["India–Peru TA: Round 10 (dates to be confirmed)"]
    text = client.get("/calendar/rounds.ics?status=held&agreement=india-peru-ta").content.decode()
    assert {e["SUMMARY"] for e in events(text)} == {
        "India–Peru TA: Round 1 (dates to be confirmed)",
        "India–Peru TA: Round 9",
    }
    assert client.get("/calendar/rounds.ics?start_after=tomorrow").status_code == 400


def test_every_line_is_at_most_75_octets(client, site):
    site["r10"].dates_note = "Proposed by both ministers; " * 10
    site["r10"].save()
    raw = client.get("/calendar/rounds.ics").content
    assert raw.endswith(b"\r\n")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75, line


def test_fold_never_splits_a_utf8_character():
    line = "SUMMARY:" + "India–Perú " * 20
    folded = ics_fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line
    for part in parts:
        part.encode("utf-8").decode("utf-8")


def test_escaping_of_text_values():
    assert ics_escape("Lima, Peru; day 1\\2\nnext") == "Lima\\, Peru\\; day 1\\\\2\\nnext"


def test_year_precision_round_spans_the_year(client, site):
    f.round_(
        site["ip"],
        30,
        status=RoundStatus.PLANNED,
        start_date=dt.date(2028, 1, 1),
        end_date=None,
        date_precision=DatePrecision.YEAR,
    )
    [event] = [e for e in events(client.get("/calendar/rounds.ics").content.decode()) if "Round 30" in e["SUMMARY"]]
    assert (event["DTSTART;VALUE=DATE"], event["DTEND;VALUE=DATE"]) == ("20280101", "20290101")
    assert event["SUMMARY"].endswith("(dates to be confirmed)")


def test_undated_planned_round_is_left_out(client, site):
    f.round_(site["ip"], 31, status=RoundStatus.PLANNED, start_date=None, end_date=None)
    assert "Round 31" not in client.get("/calendar/rounds.ics").content.decode()


@pytest.mark.parametrize(
    "url",
    ["/feeds/rounds.atom?agreement=india-peru-ta%00", "/feeds/rounds.atom?q=%01", "/feeds/rounds.atom?city=%1f"],
)
def test_control_characters_in_the_query_never_break_the_feed(client, site, url):
    response = client.get(url)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert "\x00" not in response.content.decode() and "\x01" not in response.content.decode()


HOSTILE = '<img src=x onerror="alert(document.cookie)"> & <b>bold</b>'


def test_user_written_text_in_the_atom_feed_is_plain_text(client, site):
    """A feed reader shows an official's summary as text: it never becomes a live element."""
    round_9 = site["r9"]
    round_9.summary = HOSTILE
    round_9.title = "<script>alert(1)</script>"
    round_9.save()
    root = ET.fromstring(client.get("/feeds/rounds.atom?agreement=india-peru-ta").content)
    url = f"http://testserver{round_9.get_absolute_url()}"
    [entry] = [e for e in root.findall(f"{ATOM}entry") if e.find(f"{ATOM}link").get("href") == url]
    assert "<script>alert(1)</script>" in entry.find(f"{ATOM}title").text
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "text"
    assert summary.text.endswith(HOSTILE)  # the very characters the official typed, as text
    assert all(s.get("type") == "text" for s in root.iter(f"{ATOM}summary"))
    assert {t.get("type") for t in root.iter(f"{ATOM}title")} <= {None, "text"}


def test_user_written_text_in_the_calendar_stays_escaped(client, site):
    site["ic4"].dates_note = HOSTILE + "\nBEGIN:VEVENT"
    site["ic4"].save()
    text = client.get("/calendar/rounds.ics").content.decode()
    assert "\r\nBEGIN:VEVENT\r\n" in text  # the real events
    unfolded = text.replace("\r\n ", "")
    assert ics_escape(HOSTILE) + "\\nBEGIN:VEVENT" in unfolded  # the typed one, escaped into the text
    assert text.count("BEGIN:VEVENT\r\n") == len(events(text))
