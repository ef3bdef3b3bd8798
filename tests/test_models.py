"""Constraints and validation that the model promises, each with a clear message."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from negotiations.choices import AgreementRelation, RoundFormat, Visibility
from negotiations.models import VIRTUAL_VENUE_MESSAGE, Chapter, ChapterProgress, Party, ProgressNote, Round, StatusEvent
from tests import factories

pytestmark = pytest.mark.django_db


def messages_of(error: ValidationError) -> str:
    return " ".join(message for messages in error.message_dict.values() for message in messages)


def test_round_end_before_start_is_refused_with_a_clear_message():
    round_ = Round(
        agreement=factories.agreement(), number=1, start_date=dt.date(2025, 11, 5), end_date=dt.date(2025, 11, 3)
    )
    with pytest.raises(ValidationError) as error:
        round_.full_clean()
    assert "The end date cannot be before the start date." in messages_of(error.value)


def test_round_end_before_start_is_refused_by_the_database():
    agreement = factories.agreement()
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(
            agreement=agreement, number=1, start_date=dt.date(2025, 11, 5), end_date=dt.date(2025, 11, 3)
        )


def test_duplicate_round_number_is_refused_with_a_clear_message():
    first = factories.round_(number=9)
    duplicate = Round(agreement=first.agreement, number=9, start_date=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "This agreement already has a round with this number." in messages_of(error.value)


def test_duplicate_round_number_is_refused_by_the_database():
    first = factories.round_(number=9)
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(agreement=first.agreement, number=9)


def test_several_unnumbered_rounds_are_allowed():
    agreement = factories.agreement()
    Round.objects.create(agreement=agreement, number=None, kind="intersessional")
    Round.objects.create(agreement=agreement, number=None, kind="intersessional")
    assert agreement.rounds.count() == 2


def test_same_round_number_in_two_agreements_is_fine():
    factories.round_(number=1)
    factories.round_(number=1)
    assert Round.objects.filter(number=1).count() == 2


def test_duplicate_chapter_in_a_round_is_refused_with_a_clear_message():
    round_ = factories.round_()
    factories.progress(round_, "ROO")
    duplicate = ChapterProgress(round=round_, chapter=Chapter.objects.get(code="ROO"), status="closed")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "This chapter is already recorded for this round." in messages_of(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_unknown_status_values_are_refused_by_validation_and_database():
    agreement = factories.agreement()
    event = StatusEvent(agreement=agreement, status="almost_done", date=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError) as error:
        event.full_clean()
    assert "status" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        event.save()
    progress = ChapterProgress(round=factories.round_(), chapter=factories.chapter("TBT"), status="nearly")
    with pytest.raises(IntegrityError), transaction.atomic():
        progress.save()


def test_implausible_dates_are_refused():
    round_ = Round(agreement=factories.agreement(), number=1, start_date=dt.date(1200, 1, 1))
    with pytest.raises(ValidationError) as error:
        round_.full_clean()
    assert "start_date" in error.value.message_dict


def test_virtual_round_has_no_venue():
    round_ = Round(
        agreement=factories.agreement(), number=1, format=RoundFormat.VIRTUAL, venue=factories.venue("Lima", "PER")
    )
    with pytest.raises(ValidationError) as error:
        round_.full_clean()
    assert error.value.message_dict == {"format": [VIRTUAL_VENUE_MESSAGE]}


def test_predecessor_needs_a_relation_and_the_reverse():
    old = factories.agreement()
    new = factories.agreement(predecessor=old, predecessor_relation=AgreementRelation.SUPERSEDES)
    assert list(old.successors.all()) == [new]
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.agreement(predecessor=old, predecessor_relation="")


def test_reference_data_is_protected_and_owned_children_cascade():
    round_ = factories.round_()
    factories.progress(round_, "ROO")
    factories.note(round_, "note", chapter_code="ROO")
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Chapter.objects.get(code="ROO").delete()
    with pytest.raises(ProtectedError):
        Party.objects.get(code="PER").delete()
    round_.agreement.delete()
    assert not ChapterProgress.objects.exists()
    assert not ProgressNote.objects.exists()


def test_public_notes_manager_excludes_confidential():
    round_ = factories.round_()
    factories.note(round_, "open")
    factories.note(round_, "secret", visibility=Visibility.CONFIDENTIAL)
    assert [note.text for note in ProgressNote.objects.public()] == ["open"]


def test_round_label_and_dates_display_respect_precision():
    agreement = factories.agreement()
    monthly = Round.objects.create(
        agreement=agreement, number=10, start_date=dt.date(2026, 1, 1), date_precision="month"
    )
    assert monthly.dates_display == "Jan 2026"
    assert str(monthly.label) == "Round 10"
    daily = factories.round_(agreement, number=9)
    assert daily.dates_display == "3–5 Nov 2025"
    unknown = Round.objects.create(agreement=agreement, number=8)
    assert unknown.dates_display == "date unknown"


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="plans are PostgreSQL's; CI runs this on PostgreSQL",
)
def test_public_notes_newest_first_stream_from_an_index_without_sorting():
    """The notes list and its full CSV export read public notes in order from
    ``note_public_newest`` instead of sorting all of them before the first row."""
    sql, params = ProgressNote.objects.public().order_by("-created_at", "-pk").query.sql_with_params()
    with connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):  # tiny tables: force the choice
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "note_public_newest" in plan and "Sort" not in plan, plan


@pytest.mark.django_db
def test_a_rounds_url_is_worked_out_once_and_follows_its_id():
    round_obj = factories.round_()
    assert round_obj.get_absolute_url() == f"/rounds/{round_obj.pk}/"
    round_obj.pk = round_obj.pk + 1000  # a copy saved as a new row gets a new id
    assert round_obj.get_absolute_url() == f"/rounds/{round_obj.pk}/"
