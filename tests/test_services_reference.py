"""negotiations/services/reference.py: reference data deleted with who and why in the history."""

import pytest

from negotiations import roles
from negotiations.models import Source
from negotiations.services import reference
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_a_deleted_source_is_stamped_with_who_and_why():
    curator = f.user(role=roles.CURATOR)
    source = f.source()
    pk = source.pk
    reference.reference_delete(instance=source, user=curator, reason="dead link")
    deleted = Source.history.get(id=pk, history_type="-")
    assert (deleted.history_user, deleted.history_change_reason) == (curator, "dead link")


def test_no_reason_given_records_none():
    source = f.source()
    pk = source.pk
    reference.reference_delete(instance=source)
    assert not Source.history.get(id=pk, history_type="-").history_change_reason
