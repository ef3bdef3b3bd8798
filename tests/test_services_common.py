"""negotiations/services/common.py: a broken database rule reported on the field it is about."""

import datetime as dt

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError

from negotiations import roles
from negotiations.choices import AgreementKind, AgreementStatus
from negotiations.models import (
    END_BEFORE_START_MESSAGE,
    STATUS_EVENT_KEY_MESSAGE,
    Agreement,
    AgreementParty,
    ProgressNote,
    Round,
    StatusEvent,
    Venue,
)
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
    (  # a key of several fields, reported on the field its model names (not its last)
        "UNIQUE constraint failed: negotiations_statusevent.agreement_id, negotiations_statusevent.date, "
        "negotiations_statusevent.status",
        "date",
        True,
    ),
    ("something else entirely", None, False),
]


@pytest.mark.parametrize("text, field, taken", DATABASE_MESSAGES)
def test_a_database_error_is_reported_on_the_field_of_the_rule_it_broke(text, field, taken):
    error = common.integrity_error_as_validation(IntegrityError(text))
    assert list(error.message_dict) == [field or NON_FIELD_ERRORS]
    assert isinstance(error, common.AlreadyExists) is taken
    if field is None:
        assert error.message_dict[NON_FIELD_ERRORS] == ["This would break a rule of the record."]


def test_a_taken_unique_field_found_from_the_databases_message_says_which_record_kind_holds_it():
    error = common.integrity_error_as_validation(IntegrityError("UNIQUE constraint failed: negotiations_party.code"))
    assert error.message_dict == {"code": ["Party with this Code already exists."]}


# save_checked with the instance: a taken key names the record that holds it (the API's 409
# links to it), on the field the rule is about; a broken rule of a saved record is never
# mistaken for a clash with the record itself.


def _refused(instance) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        common.save_checked(instance)
    return caught.value


@pytest.mark.django_db
def test_a_taken_unique_field_names_the_record_that_holds_it():
    holder = f.agreement(slug="india-peru")
    error = _refused(Agreement(slug="india-peru", name="Another", kind=AgreementKind.FTA))
    assert isinstance(error, common.AlreadyExists) and error.existing == holder
    assert error.message_dict == {"slug": ["Agreement with this Slug already exists."]}
    assert Agreement.objects.count() == 1


@pytest.mark.django_db
def test_a_taken_key_of_several_fields_is_reported_on_the_field_the_model_names():
    agreement = f.agreement()
    holder = StatusEvent.objects.create(agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2024, 5, 1))
    error = _refused(
        StatusEvent(agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2024, 5, 1), sequence=1)
    )
    assert isinstance(error, common.AlreadyExists) and error.existing == holder
    assert error.message_dict == {"date": [STATUS_EVENT_KEY_MESSAGE]}


@pytest.mark.django_db
def test_a_taken_key_of_a_model_without_a_field_map_is_reported_on_its_last_field():
    holder = f.venue("Lima", "PER")
    error = _refused(Venue(city="Lima", country=holder.country, place=""))
    assert isinstance(error, common.AlreadyExists) and error.existing == holder
    assert list(error.message_dict) == ["place"]


@pytest.mark.django_db
def test_a_taken_key_after_the_models_check_constraints_is_still_found():
    author = f.user()
    holder = f.note(f.round_(), "first", author=author, idempotency_key="k-1")
    error = _refused(ProgressNote(round=holder.round, text="again", author=author, idempotency_key="k-1"))
    assert isinstance(error, common.AlreadyExists) and error.existing == holder
    assert list(error.message_dict) == ["idempotency_key"]


@pytest.mark.django_db
def test_a_saved_record_breaking_a_check_is_not_a_clash_with_itself():
    agreement = f.agreement(slug="india-peru")
    agreement.rounds_coverage = "bogus"
    error = _refused(agreement)
    assert not isinstance(error, common.AlreadyExists)
    assert error.message_dict == {NON_FIELD_ERRORS: ["Unknown round record coverage."]}
    round_ = f.round_(number=4, start_date=dt.date(2025, 11, 3), end_date=dt.date(2025, 11, 5))
    round_.end_date = dt.date(2025, 11, 1)
    error = _refused(round_)
    assert not isinstance(error, common.AlreadyExists)
    assert error.message_dict == {"end_date": [END_BEFORE_START_MESSAGE]}


@pytest.mark.django_db
def test_an_instance_written_twice_does_not_carry_the_first_writes_user_or_reason_into_the_second():
    ana = f.user("ana")
    party = f.party("IND")
    common.history_stamp(party, user=ana, reason="official name")
    party.name = "India"
    party.save()
    common.history_stamp(party)  # a second write, by no one in particular, for no stated reason
    party.name = "Republic of India"
    party.save()
    first, second = party.history.order_by("history_id")[1:]
    assert (first.history_user, first.history_change_reason) == (ana, "official name")
    assert (second.history_user, second.history_change_reason) == (None, None)
