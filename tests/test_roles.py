"""The role groups exist with their permissions, and can be restored after a flush."""

import pytest
from django.contrib.auth.models import Group

from negotiations import roles

pytestmark = pytest.mark.django_db


def permissions_of(name):
    return set(Group.objects.get(name=name).permissions.values_list("content_type__app_label", "codename"))


def test_migrations_create_both_roles_with_their_permissions():
    curator, official = permissions_of(roles.CURATOR), permissions_of(roles.OFFICIAL)
    assert ("negotiations", "delete_agreement") in curator
    assert ("auth", "add_user") in curator and ("auth", "add_group") not in curator
    assert ("negotiations", "change_round") in official
    assert ("negotiations", "change_agreement") not in official
    assert ("auth", "add_user") not in official


def test_roles_ensure_restores_the_same_groups_after_they_are_deleted():
    before = {name: permissions_of(name) for name in (roles.CURATOR, roles.OFFICIAL)}
    Group.objects.all().delete()
    roles.roles_ensure()
    roles.roles_ensure()  # idempotent
    assert {name: permissions_of(name) for name in (roles.CURATOR, roles.OFFICIAL)} == before
