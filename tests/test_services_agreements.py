"""The agreement's current status is derived from its timeline, by one service function."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from negotiations import services
from negotiations.choices import AgreementStatus, DatePrecision
from negotiations.models import Agreement, AgreementParty, AgreementSource, Party, StatusEvent, StatusEventSource
from negotiations.services.agreements import status_events_bulk_write
from tests import factories

pytestmark = pytest.mark.django_db


def record(agreement, status, date, **kwargs):
    return services.status_event_record(agreement=agreement, status=status, date=date, **kwargs)


def test_current_status_follows_the_latest_actual_event():
    agreement = factories.agreement()
    record(agreement, AgreementStatus.LAUNCHED, dt.date(2017, 1, 18))
    record(agreement, AgreementStatus.UNDER_NEGOTIATION, dt.date(2017, 8, 1), date_precision=DatePrecision.MONTH)
    agreement.refresh_from_db()
    assert agreement.current_status == AgreementStatus.UNDER_NEGOTIATION
    assert agreement.status_date == dt.date(2017, 8, 1)
    assert agreement.status_date_precision == DatePrecision.MONTH


def test_an_older_event_added_later_does_not_change_the_current_status():
    agreement = factories.agreement()
    record(agreement, AgreementStatus.IN_FORCE, dt.date(2012, 2, 1))
    record(agreement, AgreementStatus.SIGNED, dt.date(2011, 4, 6))
    agreement.refresh_from_db()
    assert agreement.current_status == AgreementStatus.IN_FORCE


def test_planned_events_never_change_the_current_status():
    agreement = factories.agreement()
    record(agreement, AgreementStatus.CONCLUDED, dt.date(2025, 5, 6))
    record(agreement, AgreementStatus.SIGNED, dt.date(2026, 3, 1), date_precision=DatePrecision.MONTH, planned=True)
    agreement.refresh_from_db()
    assert agreement.current_status == AgreementStatus.CONCLUDED
    assert agreement.status_date == dt.date(2025, 5, 6)


def test_same_day_events_are_ordered_by_sequence():
    agreement = factories.agreement()
    day = dt.date(2012, 2, 1)
    first = record(agreement, AgreementStatus.SIGNED, day)
    second = record(agreement, AgreementStatus.IN_FORCE, day)
    assert (first.sequence, second.sequence) == (0, 1)
    agreement.refresh_from_db()
    assert agreement.current_status == AgreementStatus.IN_FORCE
    # Reordering the same day changes the outcome.
    services.status_event_update(event=first, sequence=5)
    agreement.refresh_from_db()
    assert agreement.current_status == AgreementStatus.SIGNED


def test_deleting_the_latest_event_falls_back_to_the_previous_one_and_then_to_blank():
    agreement = factories.agreement()
    launched = record(agreement, AgreementStatus.LAUNCHED, dt.date(2025, 4, 1))
    paused = record(agreement, AgreementStatus.PAUSED, dt.date(2025, 6, 1))
    services.status_event_delete(event=paused)
    agreement.refresh_from_db()
    assert agreement.current_status == AgreementStatus.LAUNCHED
    services.status_event_delete(event=launched)
    agreement.refresh_from_db()
    assert (agreement.current_status, agreement.status_date) == ("", None)


def test_turning_a_planned_event_into_an_actual_one_updates_the_status():
    agreement = factories.agreement()
    record(agreement, AgreementStatus.UNDER_NEGOTIATION, dt.date(2025, 1, 1))
    planned = record(agreement, AgreementStatus.CONCLUDED, dt.date(2025, 5, 6), planned=True)
    services.status_event_update(event=planned, planned=False)
    agreement.refresh_from_db()
    assert agreement.current_status == AgreementStatus.CONCLUDED


def test_an_invalid_event_writes_nothing():
    agreement = factories.agreement()
    with pytest.raises(ValidationError):
        record(agreement, "nearly_there", dt.date(2025, 1, 1))
    assert not agreement.status_events.exists()


def test_status_event_history_records_the_acting_user_and_reason():
    user = factories.user()
    agreement = factories.agreement()
    event = record(agreement, AgreementStatus.CONCLUDED, dt.date(2025, 5, 6), user=user, reason="press release")
    row = event.history.latest()
    assert row.history_user == user
    assert row.history_change_reason == "press release"
    assert row.history_type == "+"


def test_stale_version_raises_a_conflict_and_changes_nothing():
    agreement = factories.agreement()
    event = record(agreement, AgreementStatus.LAUNCHED, dt.date(2025, 4, 1))
    services.status_event_update(event=event, expected_version=1, note="first edit")
    stale = type(event).objects.get(pk=event.pk)
    stale.version = 1
    with pytest.raises(services.ConcurrencyConflict) as conflict:
        services.status_event_update(event=stale, expected_version=1, note="second edit")
    assert conflict.value.current.note == "first edit"
    event.refresh_from_db()
    assert (event.note, event.version) == ("first edit", 2)


def test_agreement_upsert_sets_parties_exactly_and_is_idempotent():
    ind, per, chl = (factories.party(code) for code in ("IND", "PER", "CHL"))
    agreement, created = services.agreement_upsert(slug="x", name="X", kind="fta", parties=[ind, per])
    assert created
    history_rows = agreement.history.count()
    again, created = services.agreement_upsert(slug="x", name="X", kind="fta", parties=[ind, per])
    assert not created and again.pk == agreement.pk
    assert agreement.history.count() == history_rows  # nothing changed, nothing recorded
    services.agreement_upsert(slug="x", name="X", kind="fta", parties=[ind, chl])
    assert set(Agreement.objects.get(slug="x").parties.values_list("code", flat=True)) == {"IND", "CHL"}
    assert Party.objects.filter(code="PER").exists()  # the party itself stays


def test_agreement_update_sets_parties_and_editing_rights_and_records_who_and_why():
    curator = factories.user("cur")
    ana, group = factories.user("ana"), Group.objects.create(name="Pacific desk")
    ind, per, chl = (factories.party(code) for code in ("IND", "PER", "CHL"))
    agreement = factories.agreement(parties=("IND", "PER"))
    links_before = AgreementParty.history.count()
    services.agreement_update(
        agreement=agreement,
        expected_version=agreement.version,
        parties=[ind, chl],
        editors=[ana],
        editor_groups=[group],
        summary="Talks resumed",
        user=curator,
        reason="minutes of round 3",
    )
    agreement = Agreement.objects.get(pk=agreement.pk)
    assert agreement.summary == "Talks resumed"
    assert set(agreement.parties.values_list("code", flat=True)) == {"IND", "CHL"}
    assert (list(agreement.editors.all()), list(agreement.editor_groups.all())) == ([ana], [group])
    why = (curator, "minutes of round 3")
    latest = agreement.history.latest()
    assert (latest.history_user, latest.history_change_reason) == why
    links = AgreementParty.history.order_by("history_id")[links_before:]
    assert [(r.party_id, r.history_type, r.history_user, r.history_change_reason) for r in links] == [
        (per.pk, "-", *why),
        (chl.pk, "+", *why),
    ]


def test_agreement_update_without_a_reason_records_none():
    agreement = factories.agreement()
    services.agreement_update(agreement=agreement, summary="New summary")
    assert agreement.history.latest().history_change_reason is None


def test_deleting_an_event_or_an_agreement_records_who_and_why_and_no_reason_by_default():
    user = factories.user()
    agreement, other = factories.agreement(), factories.agreement()
    first = record(agreement, AgreementStatus.LAUNCHED, dt.date(2025, 4, 1))
    second = record(agreement, AgreementStatus.CONCLUDED, dt.date(2025, 5, 1))
    first_pk, second_pk, agreement_pk, other_pk = first.pk, second.pk, agreement.pk, other.pk

    services.status_event_delete(event=first, user=user, reason="wrong date")
    services.status_event_delete(event=second)
    services.agreement_delete(agreement=agreement, user=user, reason="duplicate")
    services.agreement_delete(agreement=other)

    def deleted(model, pk):
        row = model.history.get(id=pk, history_type="-")
        return row.history_user, row.history_change_reason

    assert deleted(StatusEvent, first_pk) == (user, "wrong date")
    assert deleted(StatusEvent, second_pk) == (None, None)
    assert deleted(Agreement, agreement_pk) == (user, "duplicate")
    assert deleted(Agreement, other_pk) == (None, None)


def test_agreement_upsert_creates_with_blank_defaults_then_updates_the_fields_and_coverage_it_is_given():
    ana, ind = factories.user("ana"), factories.party("IND")
    agreement, created = services.agreement_upsert(slug="x", name="X", kind="fta", parties=[ind])
    assert created
    agreement.refresh_from_db()
    assert (agreement.short_name, agreement.spanish_name, agreement.summary) == ("", "", "")
    assert agreement.history.latest().history_change_reason is None

    again, created = services.agreement_upsert(
        slug="x",
        name="Renamed",
        kind="fta",
        parties=[ind],
        coverage={"rounds_coverage": "partial"},
        user=ana,
        reason="official name",
    )
    assert not created and again.pk == agreement.pk
    agreement.refresh_from_db()
    assert (agreement.name, agreement.rounds_coverage, agreement.coverage_note, agreement.coverage_checked_on) == (
        "Renamed",
        "partial",
        "",
        None,
    )
    latest = agreement.history.latest()
    assert (latest.name, latest.history_user, latest.history_change_reason) == ("Renamed", ana, "official name")


def test_agreement_upsert_records_who_and_why_on_everything_it_creates_and_saves_new_editing_rights():
    ana, eduardo, ind = factories.user("ana"), factories.user("eduardo"), factories.party("IND")
    source = factories.source()
    agreement, created = services.agreement_upsert(
        slug="x", name="X", kind="fta", parties=[ind], sources=[source], user=ana, reason="launch"
    )
    why = (ana, "launch")
    created_record = agreement.history.get(history_type="+")
    link = AgreementParty.history.get(agreement_id=agreement.pk)
    citation = AgreementSource.history.get(agreement_id=agreement.pk)
    assert [(r.history_user, r.history_change_reason) for r in (created_record, link, citation)] == [why] * 3

    records = agreement.history.count()
    services.agreement_upsert(slug="x", name="X", kind="fta", parties=[ind], editors=[eduardo], user=ana)
    assert agreement.history.count() == records + 1  # only the editing rights changed: one version
    assert list(agreement.history.latest().editors.values_list("user__username", flat=True)) == ["eduardo"]

    with pytest.raises(services.AlreadyExists) as taken:
        services.agreement_upsert(slug="x", name="Y", kind="fta", parties=[ind], create_only=True)
    assert taken.value.message_dict == {"slug": ["An agreement with this slug already exists."]}
    assert Agreement.objects.get(slug="x").name == "X"


def test_an_event_moved_to_another_agreement_recomputes_both_and_records_who_and_why():
    ana = factories.user("ana")
    first, second = factories.agreement(), factories.agreement()
    event = record(first, AgreementStatus.CONCLUDED, dt.date(2025, 5, 6))
    services.status_event_update(event=event, agreement=second, user=ana, reason="wrong agreement")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.current_status, second.current_status) == ("", AgreementStatus.CONCLUDED)
    latest = event.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (ana, "wrong agreement")
    services.status_event_update(event=event, note="signed")
    assert event.history.latest().history_change_reason is None


def test_editing_rights_given_again_unchanged_write_no_version_and_groups_alone_are_set():
    ana, ind = factories.user("ana"), factories.party("IND")
    desk = Group.objects.create(name="Lima desk")
    agreement, _ = services.agreement_upsert(slug="x", name="X", kind="fta", parties=[ind], editors=[ana])
    records = agreement.history.count()
    services.agreement_upsert(slug="x", name="X", kind="fta", parties=[ind], editors=[ana])
    assert agreement.history.count() == records  # the same rights: nothing written
    services.agreement_upsert(slug="x", name="X", kind="fta", parties=[ind], editor_groups=[desk])
    assert list(Agreement.objects.get(slug="x").editor_groups.all()) == [desk]
    assert agreement.history.count() == records + 1
    other = factories.agreement()
    services.agreement_update(agreement=other, editor_groups=[desk])
    assert list(other.editor_groups.all()) == [desk]


def test_renaming_an_agreement_to_a_taken_slug_names_the_agreement_that_holds_it():
    holder, other = factories.agreement(slug="taken"), factories.agreement()
    with pytest.raises(services.AlreadyExists) as taken:
        services.agreement_update(agreement=other, slug="taken")
    assert (taken.value.existing, list(taken.value.message_dict)) == (holder, ["slug"])


def test_moving_an_event_onto_a_taken_status_and_date_names_the_event_that_holds_it():
    agreement = factories.agreement()
    launched = record(agreement, AgreementStatus.LAUNCHED, dt.date(2025, 4, 1))
    concluded = record(agreement, AgreementStatus.CONCLUDED, dt.date(2025, 5, 1))
    with pytest.raises(services.AlreadyExists) as taken:
        services.status_event_update(
            event=concluded, status=AgreementStatus.LAUNCHED, date=dt.date(2025, 4, 1), sequence=1
        )
    assert taken.value.existing == launched
    assert taken.value.message_dict == {"date": ["This agreement already has an event with this status on this date."]}
    stored = StatusEvent.objects.get(pk=concluded.pk)
    assert (stored.status, stored.date, stored.version) == (AgreementStatus.CONCLUDED, dt.date(2025, 5, 1), 1)


def test_new_editors_given_with_the_same_groups_are_saved_as_one_version():
    ana, eduardo, ind = factories.user("ana"), factories.user("eduardo"), factories.party("IND")
    desk = Group.objects.create(name="Lima desk")
    agreement, _ = services.agreement_upsert(
        slug="x", name="X", kind="fta", parties=[ind], editors=[ana], editor_groups=[desk]
    )
    records = agreement.history.count()
    services.agreement_upsert(slug="x", name="X", kind="fta", parties=[ind], editors=[eduardo], editor_groups=[desk])
    assert agreement.history.count() == records + 1
    latest = agreement.history.latest()
    assert list(latest.editors.values_list("user__username", flat=True)) == ["eduardo"]
    assert list(latest.editor_groups.values_list("group__name", flat=True)) == ["Lima desk"]


def test_status_events_bulk_write_upserts_by_key_and_puts_new_events_after_the_days_others():
    ana = factories.user("ana")
    first, second = factories.agreement(), factories.agreement()
    april, may, june = dt.date(2025, 4, 1), dt.date(2025, 5, 2), dt.date(2025, 6, 1)
    launched = record(first, AgreementStatus.LAUNCHED, april)
    record(first, AgreementStatus.CONCLUDED, april, sequence=2)
    record(first, AgreementStatus.PAUSED, may)
    minutes, press = (
        factories.source(url="https://example.org/minutes"),
        factories.source(url="https://example.org/press"),
    )

    def event(agreement, status, date, note=""):
        return StatusEvent(agreement=agreement, status=status, date=date, note=note)

    result = status_events_bulk_write(
        events=[
            (event(first, AgreementStatus.SIGNED, april), [minutes]),
            (event(first, AgreementStatus.IN_FORCE, april), [press]),
            (event(first, AgreementStatus.LAUNCHED, april, note="reworded"), [press]),
            (event(first, AgreementStatus.CONCLUDED, april), []),
            (event(first, AgreementStatus.UNDER_NEGOTIATION, may), []),
            (event(second, AgreementStatus.LAUNCHED, june), [minutes]),
        ],
        user=ana,
        reason="import events.csv",
    )

    assert (result.created, result.updated, result.unchanged) == (4, 1, 1)
    assert result.agreements == {first.pk, second.pk}
    stored = {(e.agreement_id, e.status): e for e in StatusEvent.objects.all()}
    # After the highest same-day order of the day (2 in April, 0 in May), in the order given.
    added = (AgreementStatus.SIGNED, AgreementStatus.IN_FORCE, AgreementStatus.UNDER_NEGOTIATION)
    assert [stored[first.pk, status].sequence for status in added] == [3, 4, 1]
    assert stored[second.pk, AgreementStatus.LAUNCHED].sequence == 0
    changed = stored[first.pk, AgreementStatus.LAUNCHED]
    assert (changed.pk, changed.note, changed.version) == (launched.pk, "reworded", 2)
    cited = {(e.agreement_id, e.status, e.sources.get().url) for e in StatusEvent.objects.filter(sources__isnull=False)}
    assert cited == {
        (first.pk, AgreementStatus.SIGNED, minutes.url),
        (first.pk, AgreementStatus.IN_FORCE, press.url),
        (first.pk, AgreementStatus.LAUNCHED, press.url),
        (second.pk, AgreementStatus.LAUNCHED, minutes.url),
    }
    written = [
        *StatusEvent.history.filter(history_change_reason="import events.csv"),
        *StatusEventSource.history.all(),
    ]
    assert len(written) == 5 + 4
    assert {(r.history_user, r.history_change_reason) for r in written} == {(ana, "import events.csv")}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.current_status, second.current_status) == (
        AgreementStatus.UNDER_NEGOTIATION,
        AgreementStatus.LAUNCHED,
    )


def test_status_events_bulk_write_without_a_reason_records_none():
    agreement = factories.agreement()
    status_events_bulk_write(
        events=[(StatusEvent(agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2025, 4, 1)), [])]
    )
    assert StatusEvent.history.get().history_change_reason is None
