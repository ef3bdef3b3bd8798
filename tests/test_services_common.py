"""negotiations/services/common.py: a broken database rule reported on the field it is about."""

from negotiations.models import AgreementParty, Round
from negotiations.services import common


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
