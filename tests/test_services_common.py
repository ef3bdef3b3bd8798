"""negotiations/services/common.py: a broken database rule reported on the field it is about."""

import pytest

from negotiations import roles
from negotiations.models import AgreementParty, ProgressNote, Round
from negotiations.services import common
from tests import factories as f


def _constraint(model, name):
    return next(constraint for constraint in model._meta.constraints if constraint.name == name)


def test_a_unique_constraint_of_a_model_without_a_field_map_is_reported_on_its_last_field():
    error = common._constraint_error(AgreementParty, _constraint(AgreementParty, "agreement_party_unique"))
    assert isinstance(error, common.AlreadyExists)
    assert list(error.message_dict) == ["party"]


def test_a_models_field_map_names_the_field():
    error = common._constraint_error(Round, _constraint(Round, "round_number_unique_per_agreement"))
    assert isinstance(error, common.AlreadyExists)
    assert list(error.message_dict) == [Round.CONSTRAINT_FIELDS["round_number_unique_per_agreement"]]


@pytest.mark.django_db
def test_a_deletion_is_stamped_in_the_history_with_who_and_why():
    curator = f.user(role=roles.CURATOR)
    note = f.note(f.round_(), "to go")
    pk = note.pk
    common.record_delete(note, expected_version=1, user=curator, reason="duplicate of another note")
    deleted = ProgressNote.history.get(id=pk, history_type="-")
    assert deleted.history_user == curator
    assert deleted.history_change_reason == "duplicate of another note"
