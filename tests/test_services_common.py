"""negotiations/services/common.py: a broken database rule reported on the field it is about."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import IntegrityError

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


# What SQLite and PostgreSQL say when a constraint is broken, and the field it is reported on
# (None: a whole-record error); True when it is a taken key (AlreadyExists, 409 in the API).
DATABASE_MESSAGES = [
    ("UNIQUE constraint failed: negotiations_round.agreement_id, negotiations_round.number", "number", True),
    ("UNIQUE constraint failed: negotiations_agreement.slug", "slug", True),
    ("UNIQUE constraint failed: negotiations_chapter.code", "code", True),
    (
        "UNIQUE constraint failed: negotiations_venue.city, negotiations_venue.country_id, negotiations_venue.place",
        "place",
        True,
    ),
    ("CHECK constraint failed: round_number_range", "number", False),
    ("CHECK constraint failed: round_end_not_before_start", "end_date", False),
    (
        'duplicate key value violates unique constraint "round_number_unique_per_agreement"\n'
        "DETAIL:  Key (agreement_id, number)=(1, 4) already exists.",
        "number",
        True,
    ),
    (
        'duplicate key value violates unique constraint "negotiations_agreement_slug_key"\n'
        "DETAIL:  Key (slug)=(india-peru-ta) already exists.",
        "slug",
        True,
    ),
    (
        # a unique index named unlike the model's constraint (e.g. an older one): found by its columns
        'duplicate key value violates unique constraint "negotiations_venue_pkey2"\n'
        "DETAIL:  Key (city, country_id, place)=(Lima, 5, ) already exists.",
        "place",
        True,
    ),
    ('new row for relation "negotiations_round" violates check constraint "round_number_range"', "number", False),
    ("UNIQUE constraint failed: negotiations_unknown.thing", None, False),
    ("something else entirely", None, False),
]


@pytest.mark.parametrize("text, field, taken", DATABASE_MESSAGES)
def test_a_database_error_is_reported_on_the_field_of_the_rule_it_broke(text, field, taken):
    error = common.integrity_error_as_validation(IntegrityError(text))
    assert list(error.message_dict) == [field or NON_FIELD_ERRORS]
    assert isinstance(error, common.AlreadyExists) is taken
    if field is None:
        assert error.message_dict[NON_FIELD_ERRORS] == ["This would break a rule of the record."]
