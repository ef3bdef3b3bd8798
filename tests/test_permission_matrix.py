"""Who may do what: five kinds of visitor × every write URL (GET and POST), and who sees a
confidential note on each surface that shows notes. Every cell is asserted on its own."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from negotiations import roles
from negotiations.choices import AgreementStatus, ProgressStatus, RoundFormat, Visibility
from negotiations.models import ChapterProgress, ProgressNote, Round, StatusEvent
from negotiations.services import round_snapshot
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Hashing test passwords with the production hasher would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


ANONYMOUS, PLAIN, ASSIGNED, UNASSIGNED, CURATOR = (
    "anonymous",
    "plain",
    "official_assigned",
    "official_unassigned",
    "curator",
)
# Assigned through a group in ``editor_groups``; removed from that group; assigned directly but
# deactivated (its session no longer authenticates, so it is treated as anonymous).
BY_GROUP, FORMER_MEMBER, INACTIVE = "official_by_group", "former_group_member", "inactive_assigned"
VISITORS = [ANONYMOUS, PLAIN, ASSIGNED, UNASSIGNED, CURATOR, BY_GROUP, FORMER_MEMBER, INACTIVE]
EDITORS = {ASSIGNED, CURATOR, BY_GROUP}
SIGNED_OUT = {ANONYMOUS, INACTIVE}

SECRET = "Chile will accept the CRM annex if Peru drops GI"
PUBLIC = "Both sides exchanged market-access offers"


class World:
    """One agreement with a round, a public and a confidential note, and the five visitors."""

    def __init__(self):
        self.agreement = f.agreement(slug="india-chile-cepa", parties=("IND", "CHL"), name="India–Chile CEPA")
        self.round = f.round_(self.agreement, number=4, venue=f.venue("New Delhi", "IND"))
        f.progress(self.round, "CRM", ProgressStatus.UNDER_NEGOTIATION)
        self.public_note = f.note(self.round, text=PUBLIC, chapter_code="CRM")
        self.secret_note = f.note(self.round, text=SECRET, visibility=Visibility.CONFIDENTIAL, chapter_code="CRM")
        self.event = StatusEvent.objects.create(
            agreement=self.agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2025, 5, 8)
        )
        assigned = f.user("assigned", role=roles.OFFICIAL)
        self.agreement.editors.add(assigned)
        group_member = f.user("unassigned", role=roles.OFFICIAL)
        other = f.agreement(slug="mexico-peru-tia", parties=("MEX", "PER"))
        other.editors.add(group_member)
        by_group = f.user("by-group", role=roles.OFFICIAL)
        former = f.user("former", role=roles.OFFICIAL)
        delegation = by_group.groups.create(name="Chile delegation")
        former.groups.add(delegation)
        self.agreement.editor_groups.add(delegation)
        former.groups.remove(delegation)
        inactive = f.user("inactive", role=roles.OFFICIAL)
        self.agreement.editors.add(inactive)
        self.users = {
            ANONYMOUS: None,
            PLAIN: f.user("plain"),
            ASSIGNED: assigned,
            UNASSIGNED: group_member,
            CURATOR: f.user("curator", role=roles.CURATOR),
            BY_GROUP: by_group,
            FORMER_MEMBER: former,
            INACTIVE: inactive,
        }

    def client(self, visitor):
        client = Client()
        if self.users[visitor] is not None:
            client.force_login(self.users[visitor])
        if visitor == INACTIVE:
            # Deactivated after signing in: the open session must stop granting anything.
            self.users[visitor].is_active = False
            self.users[visitor].save()
        return client


@pytest.fixture
def world():
    return World()


# --- Write URLs -----------------------------------------------------------------------------
# Each: (name, url, POST data, check that the POST took effect).


def _round_new(w):
    data = {
        "number": "5",
        "kind": "numbered",
        "status": "held",
        "format": RoundFormat.IN_PERSON,
        "start": "2026-01-12",
        "chapters-TOTAL_FORMS": "1",
        "chapters-INITIAL_FORMS": "0",
        "chapters-0-chapter": str(f.chapter("ROO").pk),
        "chapters-0-status": ProgressStatus.CLOSED,
        "notes-TOTAL_FORMS": "0",
        "notes-INITIAL_FORMS": "0",
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
    }
    return reverse("round-new", args=[w.agreement.slug]), data, lambda: Round.objects.filter(number=5).exists()


def _round_edit(w):
    row = ChapterProgress.objects.get(round=w.round)
    data = {
        "version": "1",
        "snapshot": round_snapshot(w.round),
        "chapters-0-id": str(row.pk),
        "chapters-0-version": str(row.version),
        "number": "4",
        "kind": "numbered",
        "status": "held",
        "format": RoundFormat.IN_PERSON,
        "start": "2025-12-01",
        "end": "2025-12-05",
        "chapters-TOTAL_FORMS": "1",
        "chapters-INITIAL_FORMS": "1",
        "chapters-0-chapter": str(f.chapter("CRM").pk),
        "chapters-0-status": ProgressStatus.CLOSED,
        "notes-TOTAL_FORMS": "0",
        "notes-INITIAL_FORMS": "0",
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
    }
    return (
        reverse("round-edit", args=[w.round.pk]),
        data,
        lambda: ChapterProgress.objects.get(round=w.round).status == ProgressStatus.CLOSED,
    )


def _round_delete(w):
    return (
        reverse("round-delete", args=[w.round.pk]),
        {"version": "1"},
        lambda: not Round.objects.filter(pk=w.round.pk).exists(),
    )


def _status_new(w):
    return (
        reverse("status-event-new", args=[w.agreement.slug]),
        {"status": AgreementStatus.CONCLUDED, "date": "2025-05-06"},
        lambda: StatusEvent.objects.filter(agreement=w.agreement, status=AgreementStatus.CONCLUDED).exists(),
    )


def _status_edit(w):
    data = {"version": "1", "status": AgreementStatus.SIGNED, "date": "2025-05-08"}
    return (
        reverse("status-event-edit", args=[w.event.pk]),
        data,
        lambda: StatusEvent.objects.get(pk=w.event.pk).status == AgreementStatus.SIGNED,
    )


def _status_delete(w):
    return (
        reverse("status-event-delete", args=[w.event.pk]),
        {"version": "1"},
        lambda: not StatusEvent.objects.filter(pk=w.event.pk).exists(),
    )


def _note_edit(note_attr):
    def build(w):
        note = getattr(w, note_attr)
        data = {"version": "1", "text": "Rewritten", "visibility": note.visibility}
        return (
            reverse("note-edit", args=[note.pk]),
            data,
            lambda: ProgressNote.objects.get(pk=note.pk).text == "Rewritten",
        )

    return build


def _note_delete(note_attr):
    def build(w):
        note = getattr(w, note_attr)
        return (
            reverse("note-delete", args=[note.pk]),
            {"version": "1"},
            lambda: not ProgressNote.objects.filter(pk=note.pk).exists(),
        )

    return build


WRITE_URLS = {
    "round-new": _round_new,
    "round-edit": _round_edit,
    "round-delete": _round_delete,
    "status-event-new": _status_new,
    "status-event-edit": _status_edit,
    "status-event-delete": _status_delete,
    "note-edit-public": _note_edit("public_note"),
    "note-delete-public": _note_delete("public_note"),
    "note-edit-confidential": _note_edit("secret_note"),
    "note-delete-confidential": _note_delete("secret_note"),
}

# Refused visitors who may not learn that a confidential note exists get 404 rather than 403.
HIDES_EXISTENCE = {"note-edit-confidential", "note-delete-confidential"}


def expected_refusal(visitor, url_name):
    if visitor in SIGNED_OUT:
        return 302
    if url_name in HIDES_EXISTENCE:
        return 404
    return 403


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("url_name", list(WRITE_URLS))
def test_get(world, visitor, url_name):
    url, _data, _done = WRITE_URLS[url_name](world)
    response = world.client(visitor).get(url)
    if visitor in EDITORS:
        assert response.status_code == 200
        assert b'name="csrfmiddlewaretoken"' in response.content
    else:
        assert response.status_code == expected_refusal(visitor, url_name)
        if visitor in SIGNED_OUT:
            assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("url_name", list(WRITE_URLS))
def test_post(world, visitor, url_name):
    url, data, done = WRITE_URLS[url_name](world)
    response = world.client(visitor).post(url, data)
    if visitor in EDITORS:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert done()
    else:
        assert response.status_code == expected_refusal(visitor, url_name)
        assert not done()


@pytest.mark.parametrize("url_name", list(WRITE_URLS))
def test_post_without_csrf_token_is_refused_even_for_curators(world, url_name):
    url, data, done = WRITE_URLS[url_name](world)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[CURATOR])
    assert client.post(url, data).status_code == 403
    assert not done()


def test_an_inactive_curator_is_refused(world):
    curator = world.users[CURATOR]
    client = world.client(CURATOR)
    curator.is_active = False
    curator.save()
    assert client.get(reverse("round-new", args=[world.agreement.slug])).status_code == 302


# --- Confidential-note surfaces -----------------------------------------------------------
# Each: (name, url builder, who sees the confidential note there).

SURFACES = {
    "round page": (lambda w: reverse("round-detail", args=[w.round.pk]), EDITORS),
    "chapter page": (lambda w: reverse("chapter-detail", args=["CRM"]), EDITORS),
    "agreement history": (lambda w: reverse("agreement-history", args=[w.agreement.slug]), EDITORS),
    "round edit form": (lambda w: reverse("round-edit", args=[w.round.pk]), EDITORS),
    "agreement page": (lambda w: reverse("agreement-detail", args=[w.agreement.slug]), set()),
    "agreement export": (lambda w: reverse("agreement-export", args=[w.agreement.slug]), set()),
    "search": (lambda w: reverse("search") + "?q=annex", set()),
    "rounds feed": (lambda w: reverse("feed-rounds"), set()),
    # Surfaces that show no note text today: a guard should they ever start to.
    "rounds calendar": (lambda w: reverse("calendar-rounds"), set()),
    "home": (lambda w: reverse("home"), set()),
    "agreement list": (lambda w: reverse("agreement-list"), set()),
    "agreement list CSV": (lambda w: reverse("agreement-list") + "?format=csv", set()),
    "round list": (lambda w: reverse("round-list") + "?q=annex", set()),
    "round list CSV": (lambda w: reverse("round-list") + "?format=csv", set()),
    "round list JSON": (lambda w: reverse("round-list") + "?format=json", set()),
    "chapter CSV": (lambda w: reverse("chapter-detail", args=["CRM"]) + "?format=csv", set()),
    "chapter JSON": (lambda w: reverse("chapter-detail", args=["CRM"]) + "?format=json", set()),
    "party page": (lambda w: reverse("party-detail", args=["CHL"]), set()),
    "agreement suggestions": (lambda w: reverse("agreement-suggest") + "?q=annex", set()),
}


SHOWS_NOTES = {"round page", "chapter page", "agreement export"}


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("surface", list(SURFACES))
def test_confidential_note_surfaces(world, visitor, surface):
    url_for, readers = SURFACES[surface]
    response = world.client(visitor).get(url_for(world))
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    if visitor in readers:
        assert response.status_code == 200
        assert SECRET in body
    else:
        assert SECRET not in body
        if response.status_code == 200 and surface in SHOWS_NOTES:
            assert PUBLIC in body  # the public note is there, so the page did render notes


@pytest.mark.parametrize("who", [UNASSIGNED, ASSIGNED])
def test_admin_is_closed_to_officials_even_with_staff_status(world, who):
    """The admin is a confidential-note surface without per-agreement rules: curators only."""
    official = world.users[who]
    official.is_staff = True
    official.save()
    client = Client()
    client.force_login(official)
    response = client.get(reverse("admin:negotiations_progressnote_changelist"))
    assert response.status_code == 302
    assert SECRET not in response.content.decode()
