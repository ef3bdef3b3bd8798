"""negotiations/services/reference.py: reference data deleted with who and why in the history."""

import pytest

from negotiations import roles
from negotiations.models import Chapter, Source
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


def test_a_saved_change_is_stamped_with_who_and_why():
    curator = f.user(role=roles.CURATOR)
    chapter = f.chapter("ROO", name="Rules of origin")
    reference.reference_save(instance=chapter, user=curator, reason="official name", name="Rules of Origin")
    assert Chapter.objects.get(pk=chapter.pk).name == "Rules of Origin"
    changed = chapter.history.latest()
    assert (changed.history_user, changed.history_change_reason) == (curator, "official name")


def test_a_save_without_a_reason_records_none():
    source = reference.reference_save(instance=Source(), url="https://example.org/a", title="A", publisher="P")
    assert not source.history.get().history_change_reason
