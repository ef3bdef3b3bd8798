"""The editing pages: log and edit a round in one form, conflicts, status events, notes, sign-in."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from negotiations import roles
from negotiations.choices import AgreementStatus, ProgressStatus, RoundFormat, Visibility
from negotiations.forms import RoundLogForm
from negotiations.models import ChapterProgress, ProgressNote, Round, Source, StatusEvent
from tests import factories as f
from tests.form_data import form_data, page_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Hashing test passwords with the production hasher would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def official():
    return f.user("ana", role=roles.OFFICIAL)


@pytest.fixture
def agreement(official):
    obj = f.agreement(slug="india-chile-cepa", parties=("IND", "CHL"), name="India–Chile CEPA")
    obj.editors.add(official)
    for code in ("TIG", "SVC", "ROO", "CRM", "IPR"):
        f.chapter(code)
    f.party("PER")
    return obj


@pytest.fixture
def client_for():
    def make(user):
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        return client

    return make


def csrf_post(client, url, data):
    """POST like a browser: load the form first for the CSRF cookie and token."""
    page = client.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def round_post(chapters=(), notes=(), sources=(), **fields):
    """The round form's POST data; ``chapters`` are (Chapter, status, note) triples."""
    data = {
        "number": "5",
        "kind": "numbered",
        "status": "held",
        "format": RoundFormat.IN_PERSON,
        "start": "2026-01-12",
        "end": "2026-01-16",
        "venue_city": "Santiago",
        "venue_country": str(f.party("CHL").pk),
        "reason": "",
        **management("chapters", max(len(chapters), 1)),
        **management("notes", max(len(notes), 1)),
        **management("sources", max(len(sources), 1)),
    }
    for i, (chapter, status, note) in enumerate(chapters):
        data.update(
            {f"chapters-{i}-chapter": str(chapter.pk), f"chapters-{i}-status": status, f"chapters-{i}-note": note}
        )
    for i, (text, visibility) in enumerate(notes):
        data.update({f"notes-{i}-text": text, f"notes-{i}-visibility": visibility})
    for i, (url, title) in enumerate(sources):
        data.update({f"sources-{i}-url": url, f"sources-{i}-title": title})
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def edit_post(round_obj, **overrides):
    """The edit form as the browser would submit it, unchanged, plus ``overrides``."""
    round_obj = Round.objects.select_related("agreement", "venue").get(pk=round_obj.pk)
    form = RoundLogForm(agreement=round_obj.agreement, round=round_obj)
    data = form_data(*form.parts)
    data.update(overrides)
    return data


# --- Log a round -------------------------------------------------------------------------


def test_new_round_form_suggests_the_next_number_and_offers_blank_chapter_rows(agreement, official, client_for):
    f.round_(agreement, number=3)
    f.round_(agreement, number=4)
    page = client_for(official).get(reverse("round-new", args=[agreement.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="number" value="5"' in html
    assert html.count('name="chapters-') >= 12 * 3
    assert "ROO — Chapter ROO" in html
    assert ">Confidential<" in html


def test_logging_a_round_saves_it_with_chapters_notes_and_sources(agreement, official, client_for):
    client = client_for(official)
    data = round_post(
        chapters=[
            (f.chapter("TIG"), ProgressStatus.SUBSTANTIAL_PROGRESS, ""),
            (f.chapter("ROO"), ProgressStatus.CONVERGENCE, "Few brackets left"),
            (f.chapter("CRM"), ProgressStatus.UNDER_NEGOTIATION, ""),
        ],
        notes=[("Chile pushes for faster tariff cuts", Visibility.CONFIDENTIAL)],
        sources=[("https://example.org/fifth-round", "Fifth round concludes")],
        reason="From the joint statement",
    )
    response = csrf_post(client, reverse("round-new", args=[agreement.slug]), data)
    round_obj = Round.objects.get(agreement=agreement, number=5)
    assert response.status_code == 302 and response["Location"] == round_obj.get_absolute_url()
    assert round_obj.venue.city == "Santiago" and round_obj.end_date == dt.date(2026, 1, 16)
    assert set(round_obj.progress.values_list("chapter__code", flat=True)) == {"TIG", "ROO", "CRM"}
    note = round_obj.notes.get()
    assert note.visibility == Visibility.CONFIDENTIAL and note.author == official
    assert round_obj.citations.get().source.title == "Fifth round concludes"
    record = round_obj.history.get()
    assert (record.history_user, record.history_change_reason) == (official, "From the joint statement")


def test_month_precision_dates(agreement, official, client_for):
    data = round_post(start="2026-01", end="")
    csrf_post(client_for(official), reverse("round-new", args=[agreement.slug]), data)
    assert Round.objects.get(number=5).dates_display == "Jan 2026"


def db_counts():
    return (
        Round.objects.count(),
        ChapterProgress.objects.count(),
        ProgressNote.objects.count(),
        Source.objects.count(),
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"start": "2026-01-16", "end": "2026-01-12"}, "end", "The end date cannot be before the start date."),
        ({"start": "", "end": "2026-01-12"}, "end", "An end date needs a start date"),
        ({"start": "1850-01-01", "end": ""}, "start", "Give a date between 1900 and 2100."),
        ({"start": "2026-13-01"}, "start", "is not a valid calendar date"),
        ({"number": "3"}, "number", "This agreement already has a round with this number."),
        ({"number": "1000"}, "number", "Round numbers run from 1 to 999."),
        ({"venue_city": ""}, "venue_city", "Give the city when the country is given."),
        ({"venue_country": "999999"}, "venue_country", "Unknown country"),
        ({"venue_country": ""}, "venue_country", "Say which country the city is in."),
        ({"format": RoundFormat.VIRTUAL}, "format", "A virtual round has no venue"),
        ({"chapters-0-chapter": "999999"}, "chapters-0-chapter", "Unknown chapter"),
        ({"start": "2026-01-12", "end": "2026-01"}, "end", "same precision"),
    ],
)
def test_bad_input_gives_field_errors_and_saves_nothing(agreement, official, client_for, changes, field, message):
    f.round_(agreement, number=3)
    data = round_post(
        chapters=[(f.chapter("TIG"), ProgressStatus.CLOSED, "")],
        notes=[("A note", Visibility.PUBLIC)],
        sources=[("https://example.org/x", "X")],
        **changes,
    )
    before = db_counts()
    response = csrf_post(client_for(official), reverse("round-new", args=[agreement.slug]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    # The message sits with its field: the field's wrapper or table cell carries the error.
    assert f'id="id_{field}-error"' in html or (
        field.startswith("chapters") and 'class="chapter-row has-error"' in html
    )
    # The summary at the top lists it, linked to the field, and takes the focus.
    summary = error_summary(html)
    assert f'href="#id_{field}"' in summary
    assert db_counts() == before


def error_summary(html: str) -> str:
    match = re.search(r'<div class="alert alert-error error-summary"[^>]*>(.*?)</div>', html, re.S)
    assert match, "no error summary on the page"
    assert "autofocus" in match.group(0).split(">", 1)[0]
    return match.group(1)


def test_the_error_summary_names_each_row_in_error(agreement, official, client_for):
    data = round_post(
        chapters=[(f.chapter("TIG"), ProgressStatus.CLOSED, ""), (f.chapter("TIG"), ProgressStatus.PARKED, "")],
        notes=[("", Visibility.PUBLIC)],
        sources=[("not a url", "A title")],
        start="2026-13-01",
        **{"notes-0-chapter": str(f.chapter("ROO").pk)},
    )
    response = csrf_post(client_for(official), reverse("round-new", args=[agreement.slug]), data)
    assert response.status_code == 400
    summary = error_summary(response.content.decode())
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [target for target, _text in links] == [
        "id_start",
        "id_chapters-1-chapter",
        "id_notes-0-text",
        "id_sources-0-url",
    ]
    texts = [text for _target, text in links]
    assert texts[1].startswith("Chapter row 2 — Chapter: This chapter is already recorded")
    assert texts[2].startswith("Note 1 — Note: Write the note")
    assert texts[3].startswith("Source 1 — URL: ")
    # Every link points at a field on the page.
    for target, _text in links:
        assert f'id="{target}"' in response.content.decode()


def test_a_form_without_errors_has_no_summary(agreement, official, client_for):
    html = client_for(official).get(reverse("round-new", args=[agreement.slug])).content.decode()
    assert "error-summary" not in html.replace("#error-summary", "")
    # The dates are the first thing to type on a fresh form.
    assert re.search(r'<input[^>]*name="start"[^>]*autofocus', html)


@pytest.mark.parametrize(
    ("page", "current"),
    [
        ("round-new", "Log a round"),
        ("round-edit", "Edit"),
        ("round-delete", "Delete"),
        ("note-edit", "Edit a note"),
        ("note-delete", "Delete a note"),
        ("status-event-new", "Record a status event"),
        ("agreement-history", "History"),
    ],
)
def test_edit_pages_breadcrumbs_end_in_the_current_page(note, official, client_for, page, current):
    round_obj = note.round
    args = {
        "round-new": [round_obj.agreement.slug],
        "status-event-new": [round_obj.agreement.slug],
        "agreement-history": [round_obj.agreement.slug],
        "note-edit": [note.pk],
        "note-delete": [note.pk],
    }.get(page, [round_obj.pk])
    html = client_for(official).get(reverse(page, args=args)).content.decode()
    trail = re.search(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', html, re.S).group(1)
    assert trail.endswith(f'› <span aria-current="page">{current}</span>')
    assert f'href="{round_obj.agreement.get_absolute_url()}"' in trail


# --- More rows without JavaScript ---------------------------------------------------------


def test_more_chapter_rows_reshows_the_form_with_everything_typed_and_saves_nothing(agreement, official, client_for):
    client = client_for(official)
    url = reverse("round-new", args=[agreement.slug])
    page = client.get(url).content.decode()
    data = page_form_data(page, "round-form")
    assert data["chapters-TOTAL_FORMS"] == "12"
    for index, code in enumerate(("TIG", "SVC", "ROO")):
        data[f"chapters-{index}-chapter"] = str(f.chapter(code).pk)
    data["chapters-2-note"] = "Typed before asking for more rows"
    data["notes-0-text"] = "A note typed first"
    data["more_rows"] = "chapters"
    before = db_counts()
    response = client.post(url, data)
    assert response.status_code == 200
    assert db_counts() == before
    html = response.content.decode()
    again = page_form_data(html, "round-form")
    assert again["chapters-TOTAL_FORMS"] == "16"
    assert again["chapters-2-note"] == "Typed before asking for more rows"
    assert again["chapters-0-chapter"] == str(f.chapter("TIG").pk)
    assert again["notes-0-text"] == "A note typed first"
    # The new rows start like a fresh form's: blank chapter, the usual progress status.
    assert again["chapters-15-chapter"] == "" and again["chapters-15-status"] == ProgressStatus.UNDER_NEGOTIATION
    # Nothing is checked yet, so no error is shown; the first new row has the focus.
    assert "error-summary" not in html.replace("#error-summary", "") and 'class="error"' not in html
    assert re.search(r'<select[^>]*name="chapters-12-chapter"[^>]*autofocus', html)


def test_another_note_row_starts_confidential(agreement, official, client_for):
    client = client_for(official)
    url = reverse("round-new", args=[agreement.slug])
    data = page_form_data(client.get(url).content.decode(), "round-form")
    data["more_rows"] = "notes"
    response = client.post(url, data)
    again = page_form_data(response.content.decode(), "round-form")
    assert again["notes-TOTAL_FORMS"] == "3"
    assert again["notes-2-visibility"] == Visibility.CONFIDENTIAL
    data["more_rows"] = "sources"
    again = page_form_data(client.post(url, data).content.decode(), "round-form")
    assert again["sources-TOTAL_FORMS"] == "2"


def test_an_official_logs_fifteen_chapters_through_the_more_rows_button(agreement, official, client_for):
    codes = ["TIG", "SVC", "ROO", "CRM", "IPR"] + [f"C{n:02}" for n in range(10)]
    chapters = [f.chapter(code) for code in codes]
    client = client_for(official)
    url = reverse("round-new", args=[agreement.slug])
    data = page_form_data(client.get(url).content.decode(), "round-form")
    data["more_rows"] = "chapters"
    data = page_form_data(client.post(url, data).content.decode(), "round-form")
    data.update({"start": "2026-01-12", "end": "2026-01-16", "venue_city": "Santiago"})
    data["venue_country"] = str(f.party("CHL").pk)
    for index, chapter in enumerate(chapters):
        data[f"chapters-{index}-chapter"] = str(chapter.pk)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    round_obj = Round.objects.get(agreement=agreement, number=1)
    assert sorted(round_obj.progress.values_list("chapter__code", flat=True)) == sorted(codes)


def test_more_rows_works_on_the_edit_form_too(logged_round, official, client_for):
    client = client_for(official)
    url = reverse("round-edit", args=[logged_round.pk])
    data = page_form_data(client.get(url).content.decode(), "round-form")
    loaded = int(data["chapters-TOTAL_FORMS"])
    data["dates_note"] = "Typed, not saved yet"
    data["more_rows"] = "chapters"
    response = client.post(url, data)
    assert response.status_code == 200
    again = page_form_data(response.content.decode(), "round-form")
    assert int(again["chapters-TOTAL_FORMS"]) == loaded + 4
    assert again["dates_note"] == "Typed, not saved yet"
    assert again["version"] == str(logged_round.version)
    logged_round.refresh_from_db()
    assert logged_round.dates_note == ""
    # Saving the re-shown form keeps the typed value.
    assert client.post(url, again).status_code == 302
    logged_round.refresh_from_db()
    assert logged_round.dates_note == "Typed, not saved yet"


def test_the_same_chapter_twice_is_a_row_error_and_nothing_is_saved(agreement, official, client_for):
    data = round_post(
        chapters=[
            (f.chapter("TIG"), ProgressStatus.CLOSED, ""),
            (f.chapter("ROO"), ProgressStatus.CLOSED, ""),
            (f.chapter("TIG"), ProgressStatus.PARKED, ""),
        ],
        notes=[("Kept in the form", Visibility.PUBLIC)],
    )
    before = db_counts()
    response = csrf_post(client_for(official), reverse("round-new", args=[agreement.slug]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "This chapter is already recorded for this round." in html
    assert "Kept in the form" in html  # the user's input is kept
    assert db_counts() == before


def test_an_invalid_chapter_row_leaves_the_database_unchanged(agreement, official, client_for):
    """Atomicity through the site: a bad progress status in one row → no round, no rows, no notes."""
    data = round_post(
        chapters=[(f.chapter("TIG"), ProgressStatus.CLOSED, ""), (f.chapter("ROO"), "nearly_done", "")],
        notes=[("A note", Visibility.CONFIDENTIAL)],
        sources=[("https://example.org/y", "Y")],
    )
    before = db_counts()
    response = csrf_post(client_for(official), reverse("round-new", args=[agreement.slug]), data)
    assert response.status_code == 400
    assert db_counts() == before


def test_a_chapter_note_without_a_chapter_is_an_error(agreement, official, client_for):
    data = round_post(**{"chapters-0-note": "orphan note", "chapters-0-status": ProgressStatus.CLOSED})
    response = csrf_post(client_for(official), reverse("round-new", args=[agreement.slug]), data)
    assert response.status_code == 400
    assert "Choose the chapter this row is about." in response.content.decode()


def test_a_numbered_round_needs_a_number(agreement, official, client_for):
    response = csrf_post(client_for(official), reverse("round-new", args=[agreement.slug]), round_post(number=""))
    assert response.status_code == 400
    assert "A numbered round needs its number" in response.content.decode()


# --- Edit a round, conflicts ----------------------------------------------------------------


@pytest.fixture
def logged_round(agreement):
    round_obj = f.round_(agreement, number=5, venue=f.venue("Santiago", "CHL"))
    f.progress(round_obj, "TIG", ProgressStatus.UNDER_NEGOTIATION)
    f.progress(round_obj, "ROO", ProgressStatus.TEXT_EXCHANGED)
    return round_obj


def test_edit_form_shows_the_current_rows_and_version(logged_round, official, client_for):
    html = client_for(official).get(reverse("round-edit", args=[logged_round.pk])).content.decode()
    assert 'name="version" value="1"' in html
    assert 'name="chapters-TOTAL_FORMS" value="6"' in html  # two rows + four blank
    assert f'<option value="{f.chapter("ROO").pk}" selected>' in html


def test_editing_changes_rows_and_removes_ticked_ones(logged_round, official, client_for):
    data = edit_post(
        logged_round,
        **{
            "chapters-0-status": ProgressStatus.CLOSED,  # ROO (catalog order: by order, then code)
            "chapters-1-DELETE": "on",
            "chapters-2-chapter": str(f.chapter("CRM").pk),
            "chapters-2-status": ProgressStatus.NOT_STARTED,
            "reason": "Debrief",
        },
    )
    response = csrf_post(client_for(official), reverse("round-edit", args=[logged_round.pk]), data)
    assert response.status_code == 302
    rows = dict(logged_round.progress.values_list("chapter__code", "status"))
    assert rows == {"ROO": ProgressStatus.CLOSED, "CRM": ProgressStatus.NOT_STARTED}


def test_two_officials_edit_the_same_round_one_wins_the_other_sees_the_conflict(
    logged_round, agreement, official, client_for
):
    colleague = f.user("ben", role=roles.OFFICIAL)
    agreement.editors.add(colleague)
    first, second = client_for(official), client_for(colleague)
    url = reverse("round-edit", args=[logged_round.pk])
    # Both load the form (version 1).
    first_page, second_page = first.get(url), second.get(url)
    assert 'name="version" value="1"' in first_page.content.decode()
    assert 'name="version" value="1"' in second_page.content.decode()

    def token(page):
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)

    won = first.post(
        url,
        {
            **edit_post(logged_round, start="2026-01-13", end="2026-01-16", reason="First"),
            "csrfmiddlewaretoken": token(first_page),
        },
    )
    assert won.status_code == 302
    lost = second.post(
        url,
        {
            **edit_post(logged_round, start="2026-01-20", end="2026-01-24", dates_note="typed by Ben"),
            "version": "1",
            "csrfmiddlewaretoken": token(second_page),
        },
    )
    assert lost.status_code == 409
    html = lost.content.decode()
    assert "Someone else saved this while you were editing" in html
    assert "Last saved by ana" in html
    # What changed meanwhile, side by side: Ben's start date and the saved one.
    assert "2026-01-20" in html and "2026-01-13" in html
    # Ben's input is kept, and the form now carries the current version for a deliberate retry.
    assert 'value="typed by Ben"' in html
    assert 'name="version" value="2"' in html
    saved = Round.objects.get(pk=logged_round.pk)
    assert saved.start_date == dt.date(2026, 1, 13) and saved.dates_note == ""

    retry = second.post(
        url,
        {
            **edit_post(saved, start="2026-01-20", end="2026-01-24", dates_note="typed by Ben"),
            "csrfmiddlewaretoken": token(second_page),
        },
    )
    assert retry.status_code == 302
    assert Round.objects.get(pk=logged_round.pk).start_date == dt.date(2026, 1, 20)


def test_edit_without_a_version_is_refused(logged_round, official, client_for):
    data = edit_post(logged_round)
    data["version"] = ""
    response = csrf_post(client_for(official), reverse("round-edit", args=[logged_round.pk]), data)
    assert response.status_code == 400
    assert "missing its version" in response.content.decode()


def test_delete_round(logged_round, agreement, official, client_for):
    url = reverse("round-delete", args=[logged_round.pk])
    response = csrf_post(client_for(official), url, {"version": str(logged_round.version), "reason": "Duplicate"})
    assert response.status_code == 302 and response["Location"] == agreement.get_absolute_url()
    assert not Round.objects.filter(pk=logged_round.pk).exists()
    assert Round.history.get(history_type="-").history_change_reason == "Duplicate"


def test_delete_round_with_a_stale_version_is_refused(logged_round, official, client_for):
    url = reverse("round-delete", args=[logged_round.pk])
    response = csrf_post(client_for(official), url, {"version": "7"})
    assert response.status_code == 302 and response["Location"] == reverse("round-edit", args=[logged_round.pk])
    assert Round.objects.filter(pk=logged_round.pk).exists()


# --- Status events ------------------------------------------------------------------------


def test_record_a_status_event_recomputes_the_status(agreement, official, client_for):
    url = reverse("status-event-new", args=[agreement.slug])
    data = {"status": AgreementStatus.CONCLUDED, "date": "2025-05-06", "note": "", "reason": "Announced"}
    response = csrf_post(client_for(official), url, data)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.current_status == AgreementStatus.CONCLUDED
    assert agreement.status_date == dt.date(2025, 5, 6)
    event = StatusEvent.objects.get()
    assert event.history.get().history_user == official


def test_a_future_status_event_must_be_planned(agreement, official, client_for):
    url = reverse("status-event-new", args=[agreement.slug])
    response = csrf_post(client_for(official), url, {"status": AgreementStatus.SIGNED, "date": "2099-01"})
    assert response.status_code == 400
    assert "tick “planned”" in response.content.decode()
    response = csrf_post(
        client_for(official), url, {"status": AgreementStatus.SIGNED, "date": "2099-01", "planned": "on"}
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.current_status == ""  # planned events never change the status


def test_a_status_event_needs_a_plausible_date(agreement, official, client_for):
    url = reverse("status-event-new", args=[agreement.slug])
    response = csrf_post(client_for(official), url, {"status": AgreementStatus.SIGNED, "date": "1492"})
    assert response.status_code == 400
    assert not StatusEvent.objects.exists()


# --- Notes ----------------------------------------------------------------------------------


@pytest.fixture
def note(logged_round, official):
    return f.note(logged_round, text="Peru wants more on CRM", visibility=Visibility.CONFIDENTIAL, author=official)


def test_edit_a_note(note, official, client_for):
    url = reverse("note-edit", args=[note.pk])
    data = {"version": "1", "text": "Peru wants a CRM annex", "visibility": Visibility.PUBLIC, "reason": "Now public"}
    response = csrf_post(client_for(official), url, data)
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.text, note.visibility, note.version) == ("Peru wants a CRM annex", Visibility.PUBLIC, 2)


def test_two_people_edit_the_same_note(note, agreement, official, client_for):
    curator = f.user("cora", role=roles.CURATOR)
    url = reverse("note-edit", args=[note.pk])
    first = csrf_post(
        client_for(curator), url, {"version": "1", "text": "Curator's wording", "visibility": Visibility.CONFIDENTIAL}
    )
    assert first.status_code == 302
    second = csrf_post(
        client_for(official), url, {"version": "1", "text": "Official's wording", "visibility": Visibility.CONFIDENTIAL}
    )
    assert second.status_code == 409
    html = second.content.decode()
    assert "Curator&#x27;s wording" in html and "Official&#x27;s wording" in html
    assert 'name="version" value="2"' in html
    note.refresh_from_db()
    assert note.text == "Curator's wording"


def test_delete_a_note(note, official, client_for):
    url = reverse("note-delete", args=[note.pk])
    response = csrf_post(client_for(official), url, {"version": "1", "reason": "Wrong round"})
    assert response.status_code == 302
    assert not ProgressNote.objects.filter(pk=note.pk).exists()
    deleted = ProgressNote.history.get(history_type="-")
    assert (deleted.history_user, deleted.history_change_reason) == (official, "Wrong round")


def test_delete_a_note_with_a_stale_version_is_refused(note, official, client_for):
    response = csrf_post(client_for(official), reverse("note-delete", args=[note.pk]), {"version": "3"})
    assert response.status_code == 302
    assert ProgressNote.objects.filter(pk=note.pk).exists()


# --- Sign-in, CSRF, actions -----------------------------------------------------------------


def test_writes_need_the_csrf_token(agreement, official):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    response = client.post(reverse("round-new", args=[agreement.slug]), round_post())
    assert response.status_code == 403
    assert not Round.objects.exists()


def test_sign_in_and_out(official):
    client = Client()
    page = client.get(reverse("login"))
    assert page.status_code == 200 and b'name="password"' in page.content
    response = client.post(reverse("login"), {"username": "ana", "password": "correct horse battery"})
    assert response.status_code == 302
    home = client.get("/")
    assert b"ana" in home.content and b"Sign out" in home.content
    client.post(reverse("logout"))
    assert b"Sign in" in client.get("/").content


def test_wrong_password_is_refused(official):
    response = Client().post(reverse("login"), {"username": "ana", "password": "nope"})
    assert response.status_code == 200
    assert b"alert-error" in response.content


def test_password_change_page(official, client_for):
    client = client_for(official)
    assert client.get(reverse("password_change")).status_code == 200
    response = csrf_post(
        client,
        reverse("password_change"),
        {
            "old_password": "correct horse battery",
            "new_password1": "a much longer secret 42",
            "new_password2": "a much longer secret 42",
        },
    )
    assert response.status_code == 302
    official.refresh_from_db()
    assert official.check_password("a much longer secret 42")


def test_agreement_page_shows_the_actions_to_editors_only(agreement, official, client_for):
    url = agreement.get_absolute_url()
    html = client_for(official).get(url).content.decode()
    assert reverse("round-new", args=[agreement.slug]) in html
    assert reverse("status-event-new", args=[agreement.slug]) in html
    assert reverse("agreement-history", args=[agreement.slug]) in html
    for other in (None, f.user("plain")):
        html = client_for(other).get(url).content.decode()
        assert reverse("round-new", args=[agreement.slug]) not in html
        assert reverse("status-event-new", args=[agreement.slug]) not in html


def test_round_form_query_count_does_not_grow_with_rows(agreement, official, client_for, django_assert_max_num_queries):
    client = client_for(official)
    url = reverse("round-new", args=[agreement.slug])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    # The form itself, not a refusal that happens to need fewer queries.
    assert response.status_code == 200
    assert 'name="chapters-TOTAL_FORMS"' in response.content.decode()
    for code in ("A1", "A2", "A3", "A4", "A5", "A6"):
        f.chapter(code)
    round_obj = f.round_(agreement, number=9)
    for code in ("A1", "A2", "A3", "A4", "A5", "A6"):
        f.progress(round_obj, code)
        f.note(round_obj, text=f"Note on {code}", chapter_code=code)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("round-edit", args=[round_obj.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    # Every chapter row and every note is in the form: the budget held with all of them loaded.
    assert re.search(r'name="chapters-INITIAL_FORMS" value="6"', html)
    assert all(f"Note on {code}" in html for code in ("A1", "A2", "A3", "A4", "A5", "A6"))


def test_new_round_can_start_from_the_latest_rounds_chapters(agreement, official, client_for):
    third = f.round_(agreement, number=3, start_date=dt.date(2025, 10, 27), end_date=dt.date(2025, 10, 30))
    f.progress(third, "TIG", ProgressStatus.SUBSTANTIAL_PROGRESS, note="not copied")
    f.progress(third, "CRM", ProgressStatus.TEXT_EXCHANGED)
    f.round_(agreement, number=4, start_date=dt.date(2025, 12, 1), end_date=dt.date(2025, 12, 5))  # no chapters
    client = client_for(official)
    url = reverse("round-new", args=[agreement.slug])
    html = client.get(url).content.decode()
    assert f'href="?from={third.pk}"' in html and "Start from the 2 chapters of Round 3" in html

    html = client.get(f"{url}?from={third.pk}").content.decode()
    assert 'name="chapters-INITIAL_FORMS" value="2"' in html
    assert f'<option value="{f.chapter("TIG").pk}" selected>' in html
    assert '<option value="substantial_progress" selected>' in html
    assert "not copied" not in html
    assert 'name="number" value="5"' in html

    # Another agreement's round cannot be copied from.
    other = f.round_(f.agreement(), number=1)
    f.progress(other, "IPR")
    html = client.get(f"{url}?from={other.pk}").content.decode()
    assert 'name="chapters-INITIAL_FORMS" value="0"' in html


@pytest.fixture
def concluded(agreement, official):
    from negotiations.services import status_event_record

    f.round_(agreement, number=1, start_date=dt.date(2025, 5, 26), end_date=dt.date(2025, 5, 30))
    status_event_record(agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2025, 5, 8))
    return status_event_record(agreement=agreement, status=AgreementStatus.CONCLUDED, date=dt.date(2025, 12, 5))


def test_the_status_form_lists_the_timeline_with_edit_links(agreement, official, client_for, concluded):
    html = client_for(official).get(reverse("status-event-new", args=[agreement.slug])).content.decode()
    assert reverse("status-event-edit", args=[concluded.pk]) in html
    assert reverse("status-event-delete", args=[concluded.pk]) in html


def test_correct_a_status_event(agreement, official, client_for, concluded):
    url = reverse("status-event-edit", args=[concluded.pk])
    page = client_for(official).get(url).content.decode()
    assert 'value="2025-12-05"' in page
    data = {"version": "1", "status": AgreementStatus.CONCLUDED, "date": "2025-12", "reason": "Only the month is sure"}
    response = csrf_post(client_for(official), url, data)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.current_status, agreement.status_date_display) == (AgreementStatus.CONCLUDED, "Dec 2025")
    assert concluded.history.first().history_change_reason == "Only the month is sure"


def test_a_stale_status_event_edit_is_a_conflict(agreement, official, client_for, concluded):
    from negotiations.services import status_event_update

    status_event_update(event=concluded, expected_version=1, note="Confirmed by PIB")
    url = reverse("status-event-edit", args=[concluded.pk])
    response = csrf_post(
        client_for(official), url, {"version": "1", "status": AgreementStatus.SIGNED, "date": "2025-12-05"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Confirmed by PIB" in html and 'name="version" value="2"' in html
    assert StatusEvent.objects.get(pk=concluded.pk).status == AgreementStatus.CONCLUDED


def test_delete_a_status_event_recomputes_the_status(agreement, official, client_for, concluded):
    url = reverse("status-event-delete", args=[concluded.pk])
    stale = csrf_post(client_for(official), url, {"version": "5"})
    assert stale.status_code == 302 and StatusEvent.objects.filter(pk=concluded.pk).exists()
    response = csrf_post(client_for(official), url, {"version": "1", "reason": "Recorded on the wrong agreement"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.current_status == AgreementStatus.LAUNCHED
    deleted = StatusEvent.history.get(history_type="-")
    assert (deleted.history_user, deleted.history_change_reason) == (official, "Recorded on the wrong agreement")


def test_round_page_offers_edit_links_only_to_those_who_may_edit(client):
    round_ = f.round_()
    note = f.note(round_, "A public note")
    edit_url = reverse("round-edit", args=[round_.pk]).encode()
    note_url = reverse("note-edit", args=[note.pk]).encode()
    page = client.get(round_.get_absolute_url())
    assert edit_url not in page.content and note_url not in page.content
    official = f.user(role=roles.OFFICIAL)
    client.force_login(official)
    assert edit_url not in client.get(round_.get_absolute_url()).content
    round_.agreement.editors.add(official)
    page = client.get(round_.get_absolute_url())
    assert edit_url in page.content and note_url in page.content


def test_history_page_is_for_the_agreements_editors_and_curators(client):
    agreement = f.agreement()
    url = reverse("agreement-history", args=[agreement.slug])
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(f.user())
    assert client.get(url).status_code == 403
    client.force_login(f.user(role=roles.OFFICIAL))
    assert client.get(url).status_code == 403
    editor = f.user(role=roles.OFFICIAL)
    agreement.editors.add(editor)
    for reader in (editor, f.user(role=roles.CURATOR)):
        client.force_login(reader)
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["agreement"] == agreement and agreement.name in response.content.decode()


def test_posts_without_the_version_cannot_skip_the_concurrency_check(client):
    official = f.user(role=roles.OFFICIAL)
    round_ = f.round_()
    round_.agreement.editors.add(official)
    note = f.note(round_, "colleague's text")
    client.force_login(official)
    response = client.post(reverse("note-edit", args=[note.pk]), {"text": "mine", "visibility": "public"})
    assert response.status_code in (400, 409)
    assert ProgressNote.objects.get(pk=note.pk).text == "colleague's text"
    response = client.post(reverse("round-delete", args=[round_.pk]), {})
    assert response.status_code in (400, 409)
    assert Round.objects.filter(pk=round_.pk).exists()
