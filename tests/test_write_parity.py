"""Every door gives the same answer to the same input.

The same invalid input goes through the site form, the API, the importer and the admin, and each
door refuses it with the message of the one rule it breaks (the rule lives once: the model, its
database constraints or a service). The same valid input is accepted by all four and produces
the same rows.

The importer updates records whose natural key exists (its documented upsert), so its door for
"a duplicate round number" is two lines of one file with the same number.
"""

import datetime as dt
import html
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from negotiations import roles
from negotiations.choices import AgreementStatus, ProgressStatus, RoundFormat
from negotiations.interchange.importer import run_import
from negotiations.models import (
    DUPLICATE_CHAPTER_MESSAGE,
    DUPLICATE_NUMBER_MESSAGE,
    END_BEFORE_START_MESSAGE,
    FUTURE_ACTUAL_MESSAGE,
    ROUND_NUMBER_MESSAGE,
    STATUS_EVENT_KEY_MESSAGE,
    UNKNOWN_CHAPTER_MESSAGE,
    VIRTUAL_VENUE_MESSAGE,
    ChapterProgress,
    Round,
    StatusEvent,
)
from negotiations.services import status_event_record
from tests import factories as f

pytestmark = pytest.mark.django_db

LONG_REASON = "x" * 101
REASON_MESSAGE = "Keep the reason to 100 characters (it has 101)."
DOORS = ["site", "api", "importer", "admin"]


@pytest.fixture
def world():
    agreement = f.agreement(slug="alpha", parties=("IND", "PER"))
    existing = f.round_(agreement, number=3)
    f.progress(existing, "ROO")
    f.chapter("TIG")
    status_event_record(agreement=agreement, status=AgreementStatus.SIGNED, date=dt.date(2020, 5, 5))
    curator = f.user("cora", role=roles.CURATOR)
    agreement.editors.add(curator)
    return {"agreement": agreement, "existing": existing, "curator": curator}


# --- The cases: a round, a status event or chapter rows, described once for every door ----------

ROUND = {
    "number": 7,
    "format": RoundFormat.IN_PERSON,
    "start": "2026-01-12",
    "end": "2026-01-16",
    "city": "Lima",
    "country": "PER",
    "chapters": [("TIG", ProgressStatus.CLOSED)],
    "reason": "",
}

CASES = {
    "end before start": ("round", {"start": "2026-01-16", "end": "2026-01-12"}, END_BEFORE_START_MESSAGE),
    "virtual round with a venue": ("round", {"format": RoundFormat.VIRTUAL}, VIRTUAL_VENUE_MESSAGE),
    "duplicate round number": ("round", {"number": 3}, DUPLICATE_NUMBER_MESSAGE),
    "number out of range": ("round", {"number": 1000}, ROUND_NUMBER_MESSAGE),
    "future actual status date": ("event", {"date": "2099-01-01", "planned": False}, FUTURE_ACTUAL_MESSAGE),
    "an existing status event": ("event", {"date": "2020-05-05", "planned": False}, STATUS_EVENT_KEY_MESSAGE),
    "over-long reason": ("round", {"reason": LONG_REASON}, REASON_MESSAGE),
    "unknown chapter": ("chapters", {"chapters": [("XYZ", ProgressStatus.CLOSED)]}, UNKNOWN_CHAPTER_MESSAGE),
    "the same chapter twice": (
        "chapters",
        {"chapters": [("ROO", ProgressStatus.CLOSED), ("ROO", ProgressStatus.PARKED)]},
        DUPLICATE_CHAPTER_MESSAGE,
    ),
}


def _chapter_pk(code: str) -> str:
    from negotiations.models import Chapter

    chapter = Chapter.objects.filter(code=code).first()
    return str(chapter.pk) if chapter else "999999"


def _messages_in_page(response) -> str:
    return html.unescape(response.content.decode())


# --- Site -------------------------------------------------------------------------------------


def _site_client(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client


def _csrf_post(client, url, data):
    page = client.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def site(world, kind, values):
    client = _site_client(world["curator"])
    agreement = world["agreement"]
    if kind == "event":
        data = {"status": AgreementStatus.SIGNED, "date": values["date"], "note": "", "reason": ""}
        if values["planned"]:
            data["planned"] = "on"
        response = _csrf_post(client, f"/agreements/{agreement.slug}/status/new/", data)
        return response.status_code < 400, _messages_in_page(response)
    if kind == "chapters":
        values = {**ROUND, "number": 3, **values}
        url = f"/rounds/{world['existing'].pk}/edit/"
        from negotiations.forms import RoundLogForm
        from tests.form_data import form_data

        form = RoundLogForm(agreement=agreement, round=world["existing"])
        data = form_data(*form.parts)
        for i, (code, status) in enumerate(values["chapters"]):
            # The loaded ROO row is the first; new rows follow in the blank ones.
            data[f"chapters-{i + 1}-chapter"] = _chapter_pk(code)
            data[f"chapters-{i + 1}-status"] = status
        response = _csrf_post(client, url, data)
        return response.status_code < 400, _messages_in_page(response)
    values = {**ROUND, **values}
    data = {
        "number": str(values["number"]),
        "kind": "numbered",
        "status": "held",
        "format": values["format"],
        "start": values["start"],
        "end": values["end"],
        "venue_city": values["city"],
        "venue_country": str(f.party(values["country"]).pk),
        "reason": values["reason"],
        "chapters-TOTAL_FORMS": str(len(values["chapters"])),
        "chapters-INITIAL_FORMS": "0",
        "notes-TOTAL_FORMS": "0",
        "notes-INITIAL_FORMS": "0",
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
    }
    for i, (code, status) in enumerate(values["chapters"]):
        data[f"chapters-{i}-chapter"] = _chapter_pk(code)
        data[f"chapters-{i}-status"] = status
    response = _csrf_post(client, f"/agreements/{agreement.slug}/rounds/new/", data)
    return response.status_code < 400, _messages_in_page(response)


# --- API --------------------------------------------------------------------------------------


def _flatten(data) -> str:
    if isinstance(data, dict):
        return " ".join(_flatten(value) for value in data.values())
    if isinstance(data, list):
        return " ".join(_flatten(value) for value in data)
    return str(data)


def api(world, kind, values):
    client = APIClient()
    client.force_authenticate(world["curator"])
    if kind == "event":
        payload = {"agreement": "alpha", "status": AgreementStatus.SIGNED, "date": values["date"], "planned": False}
        response = client.post("/api/status-events/", payload, format="json")
        return response.status_code < 400, _flatten(response.json())
    if kind == "chapters":
        answers = []
        for code, status in values["chapters"]:
            payload = {"round": world["existing"].pk, "chapter": code, "status": status}
            answers.append(client.post("/api/chapter-progress/", payload, format="json"))
        ok = all(r.status_code < 400 for r in answers)
        return ok, " ".join(_flatten(r.json()) for r in answers if r.status_code >= 400)
    values = {**ROUND, **values}
    payload = {
        "agreement": "alpha",
        "number": values["number"],
        "format": values["format"],
        "start_date": values["start"],
        "end_date": values["end"],
        "city": values["city"],
        "country": values["country"],
    }
    headers = {"HTTP_X_CHANGE_REASON": values["reason"]} if values["reason"] else {}
    response = client.post("/api/rounds/", payload, format="json", **headers)
    if response.status_code >= 400:
        return False, _flatten(response.json())
    for code, status in values["chapters"]:
        answer = client.post(
            "/api/chapter-progress/",
            {"round": response.json()["id"], "chapter": code, "status": status},
            format="json",
        )
        if answer.status_code >= 400:
            return False, _flatten(answer.json())
    return True, ""


# --- Importer ---------------------------------------------------------------------------------


def _run(kind, lines, reason=""):
    data = ("\n".join(lines) + "\n").encode()
    report = run_import(kind=kind, data=data, filename=f"{kind}.csv", user=None, reason=reason)
    return report.written, " ".join(error.message for error in report.errors)


def importer(world, kind, values):
    if kind == "event":
        planned = "true" if values["planned"] else "false"
        row = f"alpha,signed,{values['date']},{planned},,"
        # The importer updates a recorded event by its natural key: a duplicate is two lines of one file.
        rows = [row, row] if values["date"] == "2020-05-05" else [row]
        return _run("status-events", ["agreement,status,date,planned,note,source_url", *rows])
    if kind == "chapters":
        lines = ["agreement,round_number,chapter,status,note,visibility"]
        lines += [f"alpha,3,{code},{status},,public" for code, status in values["chapters"]]
        return _run("chapter-progress", lines)
    values = {**ROUND, **values}
    header = "agreement,number,kind,title,city,country,format,start_date,end_date,status,summary,source_url"
    row = (
        f"alpha,{values['number']},numbered,,{values['city']},{values['country']},{values['format']},"
        f"{values['start']},{values['end']},held,,"
    )
    # The importer upserts by natural key: a duplicate number is two lines of the same file.
    rows = [row, row] if values["number"] == 3 else [row]
    written, messages = _run("rounds", [header, *rows], reason=values["reason"])
    if not written:
        return written, messages
    lines = ["agreement,round_number,chapter,status,note,visibility"]
    lines += [f"alpha,{values['number']},{code},{status},,public" for code, status in values["chapters"]]
    return _run("chapter-progress", lines)


# --- Admin ------------------------------------------------------------------------------------


def _inline(prefix, rows=()):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def admin(world, kind, values):
    client = _site_client(world["curator"])
    agreement = world["agreement"]
    if kind == "event":
        data = {
            "agreement": str(agreement.pk),
            "status": AgreementStatus.SIGNED,
            "date": values["date"],
            "date_precision": "day",
            "sequence": "0",
            "note": "",
            **_inline("citations"),
        }
        if values["planned"]:
            data["planned"] = "on"
        response = _csrf_post(client, "/admin/negotiations/statusevent/add/", data)
        return response.status_code == 302, _messages_in_page(response)
    if kind == "chapters":
        existing = world["existing"]
        url = f"/admin/negotiations/round/{existing.pk}/change/"
        roo = existing.progress.get()
        data = {
            "agreement": str(agreement.pk),
            "number": "3",
            "kind": "numbered",
            "title": "",
            "venue": "",
            "venue_note": "",
            "format": existing.format,
            "start_date": existing.start_date.isoformat(),
            "end_date": existing.end_date.isoformat(),
            "date_precision": "day",
            "dates_note": "",
            "status": existing.status,
            "summary": "",
            "chief_negotiators": "",
            "change_reason": "",
            "progress-TOTAL_FORMS": str(1 + len(values["chapters"])),
            "progress-INITIAL_FORMS": "1",
            "progress-MIN_NUM_FORMS": "0",
            "progress-MAX_NUM_FORMS": "1000",
            "progress-0-id": str(roo.pk),
            "progress-0-round": str(existing.pk),
            "progress-0-chapter": str(roo.chapter_id),
            "progress-0-status": roo.status,
            "progress-0-note": "",
            **_inline("notes"),
            **_inline("citations"),
        }
        for i, (code, status) in enumerate(values["chapters"], start=1):
            data.update(
                {
                    f"progress-{i}-round": str(existing.pk),
                    f"progress-{i}-chapter": _chapter_pk(code),
                    f"progress-{i}-status": status,
                }
            )
        response = _csrf_post(client, url, data)
        return response.status_code == 302, _messages_in_page(response)
    values = {**ROUND, **values}
    venue = f.venue(values["city"], values["country"])
    data = {
        "agreement": str(agreement.pk),
        "number": str(values["number"]),
        "kind": "numbered",
        "title": "",
        "venue": str(venue.pk),
        "venue_note": "",
        "format": values["format"],
        "start_date": values["start"],
        "end_date": values["end"],
        "date_precision": "day",
        "dates_note": "",
        "status": "held",
        "summary": "",
        "chief_negotiators": "",
        "change_reason": values["reason"],
        **_inline(
            "progress", [{"chapter": _chapter_pk(code), "status": s, "note": ""} for code, s in values["chapters"]]
        ),
        **_inline("notes"),
        **_inline("citations"),
    }
    response = _csrf_post(client, "/admin/negotiations/round/add/", data)
    return response.status_code == 302, _messages_in_page(response)


DOOR_FUNCTIONS = {"site": site, "api": api, "importer": importer, "admin": admin}


def _state():
    return (
        sorted(Round.objects.values_list("number", "format", "start_date", "end_date")),
        sorted(ChapterProgress.objects.values_list("round__number", "chapter__code", "status")),
        StatusEvent.objects.count(),
    )


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("case", list(CASES))
def test_every_door_refuses_invalid_input_with_the_rules_message(world, door, case):
    kind, values, message = CASES[case]
    before = _state()
    accepted, messages = DOOR_FUNCTIONS[door](world, kind, values)
    assert not accepted
    assert str(message) in messages, messages[:2000]
    assert _state() == before  # nothing written


@pytest.mark.parametrize("door", DOORS)
def test_every_door_accepts_valid_input_and_writes_the_same_rows(world, door):
    accepted, messages = DOOR_FUNCTIONS[door](world, "round", {})
    assert accepted, messages[:2000]
    logged = Round.objects.select_related("venue__country").get(agreement=world["agreement"], number=7)
    assert (
        logged.kind,
        logged.status,
        logged.format,
        logged.start_date,
        logged.end_date,
        logged.date_precision,
        logged.venue.city,
        logged.venue.country.code,
    ) == ("numbered", "held", RoundFormat.IN_PERSON, dt.date(2026, 1, 12), dt.date(2026, 1, 16), "day", "Lima", "PER")
    assert dict(logged.progress.values_list("chapter__code", "status")) == {"TIG": ProgressStatus.CLOSED}
    assert logged.version == 1 or door == "importer"  # the importer's rounds and rows are new too
    assert logged.history.count() == 1
