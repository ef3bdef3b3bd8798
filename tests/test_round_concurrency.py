"""Optimistic concurrency over everything the round form writes (and the API's single rows).

An official loads a round's edit form; a colleague then changes one row the form shows; the
official saves the form as loaded, changing only the summary. Whatever the colleague changed —
the round, one of its chapter rows, a chapter row added, a note, a source — the official gets a
conflict (409), nothing of the stale form is written, and the colleague's change is kept.
After the conflict the re-shown form keeps the official's own edit and carries the colleague's
values, so saving it again keeps both.
"""

import html
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from negotiations import roles, services
from negotiations.choices import ProgressStatus, Visibility
from negotiations.models import ChapterProgress, ProgressNote, Round, RoundSource
from tests import factories as f
from tests.form_data import page_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    agreement = f.agreement(slug="alpha", parties=("IND", "PER"))
    round_obj = f.round_(agreement, number=5, venue=f.venue("Lima", "PER"), summary="")
    f.progress(round_obj, "ROO", ProgressStatus.TEXT_EXCHANGED, note="two brackets")
    f.progress(round_obj, "TIG", ProgressStatus.UNDER_NEGOTIATION)
    note = f.note(round_obj, text="Peru asks for a CRM annex", visibility=Visibility.CONFIDENTIAL)
    RoundSource.objects.create(round=round_obj, source=f.source(title="Joint statement"))
    official, colleague = f.user("ana", role=roles.OFFICIAL), f.user("ben", role=roles.OFFICIAL)
    agreement.editors.add(official, colleague)
    return {"round": round_obj, "note": note, "official": official, "colleague": colleague}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _load(client, round_obj) -> dict:
    """The official opens the edit form: what the browser will post back."""
    page = client.get(f"/rounds/{round_obj.pk}/edit/")
    assert page.status_code == 200
    return page_form_data(page.content.decode())


def _save(client, round_obj, data, **changes):
    return client.post(f"/rounds/{round_obj.pk}/edit/", {**data, **changes})


def _patch(api, url, data):
    etag = api.get(url)["ETag"]
    response = api.patch(url, data, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    return response


def _assert_stale_form_refused(world, loaded, official_client):
    before = (
        Round.objects.values_list("summary", "version").get(pk=world["round"].pk),
        sorted(ChapterProgress.objects.values_list("pk", "chapter__code", "status", "note", "version")),
    )
    response = _save(official_client, world["round"], loaded, summary="Official's summary")
    assert response.status_code == 409
    assert "Someone else saved this while you were editing" in response.content.decode()
    after = (
        Round.objects.values_list("summary", "version").get(pk=world["round"].pk),
        sorted(ChapterProgress.objects.values_list("pk", "chapter__code", "status", "note", "version")),
    )
    assert after == before  # the stale form wrote nothing
    return response


def test_a_round_edited_meanwhile_is_a_conflict(world):
    official = _client(world["official"])
    loaded = _load(official, world["round"])
    _patch(_api(world["colleague"]), f"/api/rounds/{world['round'].pk}/", {"dates_note": "as announced"})
    _assert_stale_form_refused(world, loaded, official)
    assert Round.objects.get(pk=world["round"].pk).dates_note == "as announced"


def test_a_chapter_row_edited_meanwhile_is_a_conflict(world):
    official = _client(world["official"])
    loaded = _load(official, world["round"])
    roo = ChapterProgress.objects.get(chapter__code="ROO")
    _patch(_api(world["colleague"]), f"/api/chapter-progress/{roo.pk}/", {"note": "one bracket left"})
    _assert_stale_form_refused(world, loaded, official)
    assert ChapterProgress.objects.get(pk=roo.pk).note == "one bracket left"


def test_a_chapter_row_added_meanwhile_is_a_conflict_and_is_not_deleted(world):
    official = _client(world["official"])
    loaded = _load(official, world["round"])
    f.chapter("CRM")
    added = _api(world["colleague"]).post(
        "/api/chapter-progress/", {"round": world["round"].pk, "chapter": "CRM", "status": "parked"}, format="json"
    )
    assert added.status_code == 201
    _assert_stale_form_refused(world, loaded, official)
    assert ChapterProgress.objects.filter(round=world["round"], chapter__code="CRM", status="parked").exists()


def test_a_note_edited_meanwhile_is_a_conflict(world):
    official = _client(world["official"])
    loaded = _load(official, world["round"])
    _patch(_api(world["colleague"]), f"/api/notes/{world['note'].pk}/", {"text": "Peru drops the annex"})
    response = _assert_stale_form_refused(world, loaded, official)
    assert ProgressNote.objects.get(pk=world["note"].pk).text == "Peru drops the annex"
    # The conflict names the note, the field, who changed it, and both values.
    assert _conflict_table_rows(response) == [
        [f"Note {world['note'].pk}, text: changed by ben", "Peru asks for a CRM annex", "Peru drops the annex"]
    ]


def test_a_source_added_meanwhile_is_a_conflict(world):
    official = _client(world["official"])
    loaded = _load(official, world["round"])
    # The colleague cites a second source through the service that writes citations, without
    # touching the round itself: only the form's snapshot of its rows can tell.
    services.citations_set(owner=world["round"], sources=[f.source(title="Press release")], user=world["colleague"])
    response = _assert_stale_form_refused(world, loaded, official)
    assert RoundSource.objects.filter(round=world["round"]).count() == 2
    assert _conflict_table_rows(response) == [
        ["Source “Press release”: added by ben", "—", "Press release, Example News"]
    ]


def test_the_conflict_page_shows_a_citation_changed_and_a_note_removed_field_by_field(world):
    official = _client(world["official"])
    loaded = _load(official, world["round"])
    citation = RoundSource.objects.get(round=world["round"])
    services.citations_set(
        owner=world["round"], sources=[(citation.source, "gives other dates", True)], user=world["colleague"]
    )
    note_id = world["note"].pk
    services.note_delete(note=world["note"], expected_version=None, user=world["colleague"])
    rows = _conflict_table_rows(_assert_stale_form_refused(world, loaded, official))
    assert rows == [
        [f"Note {note_id}: removed by ben", "Peru asks for a CRM annex — Confidential — English", "—"],
        ["Source “Joint statement”, conflicting: changed by ben", "no", "yes"],
        ["Source “Joint statement”, note: changed by ben", "—", "gives other dates"],
    ]


def _conflict_table_rows(response) -> list[list[str]]:
    """The conflict table's rows about notes and sources (row and field, your input, saved now),
    as text (the summary the official changed has its own row, left out here)."""
    table = re.search(r'<table class="data conflict-table">.*?</table>', response.content.decode(), re.S).group(0)
    body = table.split("<tbody>", 1)[1]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
        if "Summary" not in row
    ]


def test_a_source_added_through_the_site_form_is_a_conflict(world):
    official, colleague = _client(world["official"]), _client(world["colleague"])
    loaded = _load(official, world["round"])
    theirs = _load(colleague, world["round"])
    theirs.update({"sources-0-url": "https://example.org/press", "sources-0-title": "Press release"})
    assert _save(colleague, world["round"], theirs).status_code == 302
    _assert_stale_form_refused(world, loaded, official)
    assert RoundSource.objects.filter(round=world["round"], source__title="Press release").exists()


def test_saving_again_after_a_conflict_keeps_both_changes(world):
    """The re-shown form keeps the official's own edit and takes the colleague's values in every
    field the official did not touch: saving it again reverts nothing."""
    official = _client(world["official"])
    loaded = _load(official, world["round"])
    colleague = _api(world["colleague"])
    _patch(colleague, f"/api/rounds/{world['round'].pk}/", {"dates_note": "as announced"})
    roo = ChapterProgress.objects.get(chapter__code="ROO")
    _patch(colleague, f"/api/chapter-progress/{roo.pk}/", {"note": "one bracket left"})
    f.chapter("CRM")
    added = colleague.post(
        "/api/chapter-progress/", {"round": world["round"].pk, "chapter": "CRM", "status": "parked"}, format="json"
    )
    assert added.status_code == 201

    conflict = _save(official, world["round"], loaded, summary="Official's summary")
    assert conflict.status_code == 409
    reshown = page_form_data(conflict.content.decode())
    assert reshown["summary"] == "Official's summary"  # the official's own edit
    assert reshown["dates_note"] == "as announced"  # the colleague's, in a field the official left alone
    saved = _save(official, world["round"], reshown)
    assert saved.status_code == 302, saved.content.decode()[:3000]

    round_obj = Round.objects.get(pk=world["round"].pk)
    assert (round_obj.summary, round_obj.dates_note) == ("Official's summary", "as announced")
    rows = dict(ChapterProgress.objects.filter(round=round_obj).values_list("chapter__code", "note"))
    assert rows == {"ROO": "one bracket left", "TIG": "", "CRM": ""}


def test_a_form_without_its_snapshot_cannot_skip_the_check(world):
    official = _client(world["official"])
    loaded = _load(official, world["round"])
    loaded.pop("snapshot")
    f.chapter("CRM")
    services.chapter_progress_create(round=world["round"], chapter=f.chapter("CRM"), user=world["colleague"])
    response = _save(official, world["round"], loaded, summary="mine")
    assert response.status_code == 409
    assert ChapterProgress.objects.filter(chapter__code="CRM").exists()


@pytest.mark.parametrize("kind", ["round", "progress", "note"])
def test_a_stale_api_write_is_refused_and_keeps_the_colleagues_change(world, kind):
    ana, ben = _api(world["official"]), _api(world["colleague"])
    url, field = {
        "round": (f"/api/rounds/{world['round'].pk}/", "summary"),
        "progress": (f"/api/chapter-progress/{ChapterProgress.objects.get(chapter__code='ROO').pk}/", "note"),
        "note": (f"/api/notes/{world['note'].pk}/", "text"),
    }[kind]
    stale = ana.get(url)["ETag"]
    _patch(ben, url, {field: "Ben's"})
    response = ana.patch(url, {field: "Ana's"}, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert ben.get(url).json()[field] == "Ben's"


def test_the_conflict_page_lists_the_colleagues_chapter_row(world):
    official = _client(world["official"])
    loaded = _load(official, world["round"])
    f.chapter("CRM")
    services.chapter_progress_create(round=world["round"], chapter=f.chapter("CRM"), status="parked")
    page = _save(official, world["round"], loaded).content.decode()
    table = re.search(r'<table class="data conflict-table">.*?</table>', page, re.S).group(0)
    assert "CRM" in table
