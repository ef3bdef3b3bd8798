"""The permission rules themselves (negotiations/permissions.py), one row per kind of user.

Fast and direct, so that the mutation run can use this file alone; the HTTP surfaces are
covered by test_permission_matrix.py and test_api_permissions.py."""

import pytest
from django.contrib.auth.models import AnonymousUser

from negotiations import permissions, roles
from negotiations.choices import Visibility
from negotiations.models import Agreement, ProgressNote, Round
from tests import factories as f

pytestmark = pytest.mark.django_db

# kind of user -> (is a curator, may edit / read confidential notes of "mine")
TABLE = {
    "anonymous": (False, False),
    "plain": (False, False),
    "assigned": (False, True),
    "by_group": (False, True),
    "former_group_member": (False, False),
    "official_of_another_agreement": (False, False),
    "inactive_assigned": (False, False),
    "curator": (True, True),
    "inactive_curator": (False, False),
    "superuser": (True, True),
    "inactive_superuser": (False, False),
}


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    mine = f.agreement(slug="mine")
    other = f.agreement(slug="other", parties=("CHL", "PER"))
    users = {"anonymous": AnonymousUser(), "plain": f.user()}
    users["assigned"] = f.user(role=roles.OFFICIAL)
    mine.editors.add(users["assigned"])
    delegation = users["assigned"].groups.create(name="Delegation")
    users["by_group"] = f.user(role=roles.OFFICIAL)
    users["by_group"].groups.add(delegation)
    users["former_group_member"] = f.user(role=roles.OFFICIAL)
    users["former_group_member"].groups.add(delegation)
    mine.editor_groups.add(delegation)
    users["former_group_member"].groups.remove(delegation)
    users["official_of_another_agreement"] = f.user(role=roles.OFFICIAL)
    other.editors.add(users["official_of_another_agreement"])
    users["inactive_assigned"] = f.user(role=roles.OFFICIAL, is_active=False)
    mine.editors.add(users["inactive_assigned"])
    users["curator"] = f.user(role=roles.CURATOR)
    users["inactive_curator"] = f.user(role=roles.CURATOR, is_active=False)
    users["superuser"] = f.user(is_superuser=True)
    users["inactive_superuser"] = f.user(is_superuser=True, is_active=False)
    round_mine, round_other = f.round_(mine), f.round_(other)
    f.note(round_mine, "public mine")
    f.note(round_mine, "secret mine", visibility=Visibility.CONFIDENTIAL)
    f.note(round_other, "public other")
    f.note(round_other, "secret other", visibility=Visibility.CONFIDENTIAL)
    return {"mine": mine, "other": other, "users": users}


@pytest.mark.parametrize("kind", list(TABLE))
def test_rules(world, kind):
    user = world["users"][kind]
    curator, edits_mine = TABLE[kind]
    mine, other = world["mine"], world["other"]
    assert permissions.is_curator(user) is curator
    assert permissions.can_edit_agreement(user, mine) is edits_mine
    assert permissions.can_read_confidential(user, mine) is edits_mine
    edits_other = curator or kind == "official_of_another_agreement"
    assert permissions.can_edit_agreement(user, other) is edits_other
    assert permissions.can_read_confidential(user, other) is edits_other
    # The Q filter agrees with the boolean rule, directly and through a relation prefix.
    expected = {a.slug for a, ok in ((mine, edits_mine), (other, edits_other)) if ok}
    editable = Agreement.objects.filter(permissions.editable_agreements_q(user)).distinct()
    assert {a.slug for a in editable} == expected
    rounds = Round.objects.filter(permissions.editable_agreements_q(user, "agreement__")).distinct()
    assert {r.agreement.slug for r in rounds} == expected
    # Notes: public ones for everyone, confidential ones where the user may edit.
    seen = set(permissions.notes_visible_to(user, ProgressNote.objects.all()).values_list("text", flat=True))
    assert seen == {"public mine", "public other"} | {f"secret {a}" for a in expected}


def test_is_curator_is_cached_per_user_object(world, django_assert_num_queries):
    curator = world["users"]["curator"]
    with django_assert_num_queries(1):
        assert permissions.is_curator(curator)
        assert permissions.is_curator(curator)


def test_no_user_at_all_is_treated_as_anonymous(world):
    """Code paths without a request (``user=None``) get public data only, never an error."""
    assert not permissions.is_curator(None)
    assert not permissions.can_edit_agreement(None, world["mine"])
    assert not Agreement.objects.filter(permissions.editable_agreements_q(None)).exists()
    seen = set(permissions.notes_visible_to(None, ProgressNote.objects.all()).values_list("text", flat=True))
    assert seen == {"public mine", "public other"}
