"""The FilterSets: every URL parameter alone and combined, and readable errors for bad values."""

import datetime as dt

import pytest
from django.forms.models import ModelChoiceIterator
from django.http import QueryDict
from django.utils import timezone, translation
from rest_framework.test import APIClient

from negotiations.choices import (
    AgreementKind,
    AgreementStatus,
    DatePrecision,
    PartyKind,
    ProgressStatus,
    RoundFormat,
    RoundKind,
    RoundStatus,
    Visibility,
)
from negotiations.filtersets import (
    AgreementFilterSet,
    ChapterFilterSet,
    ChapterProgressFilterSet,
    PartyFilterSet,
    ProgressNoteFilterSet,
    RoundFilterSet,
    SourceFilterSet,
    StatusEventFilterSet,
    filter_errors,
)
from negotiations.models import (
    Agreement,
    AgreementSource,
    BlocMembership,
    Chapter,
    ChapterProgress,
    Party,
    ProgressNote,
    Round,
    Source,
    StatusEvent,
)
from negotiations.services import status_event_record
from tests import factories as f

pytestmark = pytest.mark.django_db


def apply(filterset_class, query: str, queryset):
    filterset = filterset_class(QueryDict(query), queryset=queryset)
    assert filterset.is_valid(), filter_errors(filterset)
    return filterset.qs


def rounds(query: str) -> set:
    return set(apply(RoundFilterSet, query, Round.objects.all()))


def agreements(query: str) -> set:
    return set(apply(AgreementFilterSet, query, Agreement.objects.all()))


def errors(filterset_class, query: str, queryset) -> list[str]:
    filterset = filterset_class(QueryDict(query), queryset=queryset)
    assert not filterset.is_valid()
    return filter_errors(filterset)


@pytest.fixture
def data():
    """Four agreements, a bloc, rounds in three countries, chapters with statuses."""
    for code, name in [("IND", "India"), ("PER", "Peru"), ("CHL", "Chile"), ("MEX", "Mexico"), ("COL", "Colombia")]:
        f.party(code, name)
    bloc = f.party("PA", "Pacific Alliance", kind=PartyKind.BLOC)
    for code in ("CHL", "COL", "MEX", "PER"):
        BlocMembership.objects.create(bloc=bloc, member=f.party(code))
    d = {
        "ip": f.agreement(
            "india-peru-ta", ("IND", "PER"), name="India–Peru Trade Agreement", kind=AgreementKind.TRADE_AGREEMENT
        ),
        "ic": f.agreement("india-chile-cepa", ("IND", "CHL"), name="India–Chile CEPA", kind=AgreementKind.CEPA),
        "pa": f.agreement("pacific-alliance", ("PA",), name="Pacific Alliance", kind=AgreementKind.FRAMEWORK),
        "mp": f.agreement("mexico-peru-tia", ("MEX", "PER"), name="Mexico–Peru TIA", kind=AgreementKind.TIA),
    }
    status_event_record(agreement=d["ip"], status=AgreementStatus.UNDER_NEGOTIATION, date=dt.date(2025, 11, 3))
    status_event_record(
        agreement=d["ic"], status=AgreementStatus.LAUNCHED, date=dt.date(2025, 4, 1), date_precision=DatePrecision.MONTH
    )
    status_event_record(agreement=d["pa"], status=AgreementStatus.IN_FORCE, date=dt.date(2015, 7, 20))
    status_event_record(agreement=d["mp"], status=AgreementStatus.IN_FORCE, date=dt.date(2012, 2, 1))
    lima, delhi, santiago = f.venue("Lima", "PER"), f.venue("New Delhi", "IND"), f.venue("Santiago", "CHL")
    d["ip6"] = f.round_(d["ip"], 6, venue=lima, start_date=dt.date(2024, 2, 12), end_date=dt.date(2024, 2, 14))
    d["ip7"] = f.round_(d["ip"], 7, venue=delhi, start_date=dt.date(2024, 4, 8), end_date=dt.date(2024, 4, 11))
    d["ip9"] = f.round_(d["ip"], 9, venue=lima, summary="Critical minerals discussed.")
    d["ip1"] = f.round_(
        d["ip"], 1, venue=delhi, start_date=dt.date(2017, 8, 1), end_date=None, date_precision=DatePrecision.MONTH
    )
    d["ipv"] = f.round_(
        d["ip"],
        None,
        kind=RoundKind.SPECIAL,
        title="Special virtual round",
        format=RoundFormat.VIRTUAL,
        start_date=dt.date(2023, 10, 10),
        end_date=dt.date(2023, 10, 11),
    )
    d["ic3"] = f.round_(d["ic"], 3, venue=santiago, start_date=dt.date(2025, 10, 27), end_date=dt.date(2025, 10, 30))
    d["mp1"] = f.round_(
        d["mp"], 1, venue=f.venue("Mexico City", "MEX"), start_date=dt.date(2006, 1, 24), end_date=dt.date(2006, 1, 26)
    )
    f.progress(d["ip9"], "CRM", ProgressStatus.SUBSTANTIAL_PROGRESS)
    f.progress(d["ip9"], "ROO", ProgressStatus.CLOSED)
    f.progress(d["ip7"], "ROO", ProgressStatus.UNDER_NEGOTIATION)
    f.progress(d["ic3"], "CRM", ProgressStatus.TEXT_EXCHANGED)
    f.progress(d["ipv"], "TBT", ProgressStatus.UNDER_NEGOTIATION)
    return d


# --- Agreements ---------------------------------------------------------------------------


def test_agreements_without_filters_are_all(data):
    assert agreements("") == {data["ip"], data["ic"], data["pa"], data["mp"]}


def test_agreement_q_searches_name(data):
    assert agreements("q=chile") == {data["ic"]}


def test_agreement_status_is_repeatable(data):
    assert agreements("status=in_force") == {data["pa"], data["mp"]}
    assert agreements("status=in_force&status=launched") == {data["pa"], data["mp"], data["ic"]}


def test_agreement_kind(data):
    assert agreements("kind=cepa") == {data["ic"]}


def test_agreement_party_is_repeatable_and_means_any(data):
    assert agreements("party=CHL") == {data["ic"]}
    assert agreements("party=CHL&party=MEX") == {data["ic"], data["mp"]}


def test_agreement_party_code_is_case_insensitive(data):
    assert agreements("party=chl") == {data["ic"]}


def test_bloc_matches_its_members_agreements_only_when_asked(data):
    assert agreements("party=PA") == {data["pa"]}
    assert agreements("party=PA&party_include_members=1") == {data["pa"], data["ip"], data["ic"], data["mp"]}
    assert agreements("party=PA&party_include_members=0") == {data["pa"]}


def test_a_former_member_stands_for_the_bloc_only_in_agreements_begun_before_it_left(data):
    pacific = Party.objects.get(code="PA")
    chile = BlocMembership.objects.get(bloc=pacific, member__code="CHL")
    chile.left_on, chile.left_precision = dt.date(2020, 1, 1), DatePrecision.YEAR  # left "in 2020"
    chile.save()
    members = "party=PA&party_include_members=1"
    assert agreements(members) == {data["pa"], data["ip"], data["mp"]}  # India–Chile began Apr 2025
    chile.left_on = dt.date(2025, 1, 1)  # left "in 2025": possibly after April 2025, so it counts
    chile.save()
    assert data["ic"] in agreements(members)
    chile.left_on, chile.left_precision = dt.date(2025, 3, 31), DatePrecision.DAY  # the day before
    chile.save()
    assert data["ic"] not in agreements(members)

    undated = f.agreement("chile-undated", ("IND", "CHL"), name="Undated talks")
    assert undated in agreements(members)  # no recorded date: it may have begun before
    BlocMembership.objects.create(bloc=pacific, member=f.party("CHL"), joined_on=dt.date(2026, 1, 1))
    assert data["ic"] in agreements(members)  # Chile rejoined: a member again
    assert rounds(members) >= {data["ip6"], data["ip7"]}  # the round list takes the same rule


def test_country_party_ignores_include_members(data):
    assert agreements("party=MEX&party_include_members=1") == {data["mp"]}


def test_agreement_chapter_means_discussed_at_one_of_its_rounds(data):
    assert agreements("chapter=CRM") == {data["ip"], data["ic"]}
    assert agreements("chapter=TBT") == {data["ip"]}


def test_agreement_filters_combine_with_and(data):
    assert agreements("chapter=CRM&party=CHL") == {data["ic"]}
    assert agreements("chapter=CRM&status=in_force") == set()


def test_agreement_status_reached_alone_means_ever_reached(data):
    assert agreements("reached_status=in_force") == {data["pa"], data["mp"]}
    assert agreements("reached_status=in_force&reached_status=launched") == {data["pa"], data["mp"], data["ic"]}


def test_agreement_status_reached_between_dates(data):
    assert agreements("reached_status=in_force&reached_after=2013&reached_before=2016") == {data["pa"]}
    # Without a status: any status event in the range.
    assert agreements("reached_after=2025") == {data["ip"], data["ic"]}


def test_agreement_status_reached_is_one_event_with_that_status_in_the_range(data):
    """Launched in 2019 and in force in 2025 is not "launched in 2025"."""
    status_event_record(agreement=data["ic"], status=AgreementStatus.IN_FORCE, date=dt.date(2025, 6, 1))
    assert agreements("reached_status=launched&reached_after=2025-05") == set()
    assert agreements("reached_status=in_force&reached_after=2025-05") == {data["ic"]}


def test_agreement_status_reached_ignores_planned_events(data):
    status_event_record(agreement=data["ip"], status=AgreementStatus.CONCLUDED, date=dt.date(2030, 1, 1), planned=True)
    assert agreements("reached_status=concluded") == set()


def test_agreement_status_reached_combines_with_the_other_filters(data):
    assert agreements("reached_status=in_force&party=PER") == {data["mp"]}


def test_agreement_ordering_by_status_date(data):
    ordered = list(apply(AgreementFilterSet, "ordering=-status_date", Agreement.objects.all()))
    assert ordered == [data["ip"], data["ic"], data["pa"], data["mp"]]
    ordered = list(apply(AgreementFilterSet, "ordering=status_date", Agreement.objects.all()))
    assert ordered == [data["mp"], data["pa"], data["ic"], data["ip"]]


def test_agreement_chapter_filter_yields_no_duplicates(data):
    f.progress(data["ip7"], "CRM", ProgressStatus.NOT_STARTED)
    assert list(apply(AgreementFilterSet, "chapter=CRM", Agreement.objects.all())).count(data["ip"]) == 1


# --- Rounds -------------------------------------------------------------------------------


def test_round_q_searches_summary_city_and_agreement(data):
    assert rounds("q=critical minerals") == {data["ip9"]}
    assert rounds("q=santiago") == {data["ic3"]}
    assert rounds("q=Mexico–Peru") == {data["mp1"]}


def test_round_agreement_by_slug_repeatable(data):
    assert rounds("agreement=india-chile-cepa") == {data["ic3"]}
    assert rounds("agreement=india-chile-cepa&agreement=mexico-peru-tia") == {data["ic3"], data["mp1"]}


@pytest.mark.parametrize(
    "query",
    [
        "agreement=india-chile-cepa,mexico-peru-tia",
        "agreement=india-chile-cepa&agreement=mexico-peru-tia",
        "agreement=+India-Chile-CEPA+,+MEXICO-peru-tia+,",
        "agreement=india-chile-cepa,&agreement=mexico-peru-tia",
    ],
)
def test_round_agreement_takes_comma_separated_or_repeated_slugs(data, query):
    assert rounds(query) == {data["ic3"], data["mp1"]}


def test_an_empty_agreement_box_does_not_filter(data):
    assert rounds("agreement=") == rounds("agreement=+,+") == set(Round.objects.all())


@pytest.mark.parametrize(
    "query", ["agreement=india-chile-cepa,no-such-thing", "agreement=india-chile-cepa&agreement=no-such-thing"]
)
def test_one_unknown_slug_in_the_list_is_named_in_the_error(data, query):
    assert errors(RoundFilterSet, query, Round.objects.all()) == ["Agreement: Unknown agreement “no-such-thing”."]


def test_agreement_box_is_a_text_input_showing_the_filtered_slugs(data):
    filterset = RoundFilterSet(QueryDict("agreement=india-chile-cepa&agreement=mexico-peru-tia"))
    html = str(filterset.form["agreement"])
    assert '<input type="text" name="agreement" value="india-chile-cepa, mexico-peru-tia"' in html
    assert 'data-suggest-url="/agreements/suggest.json"' in html
    assert "<option" not in html and "<select" not in html


def test_agreement_box_names_the_asked_agreements_for_the_picker(data):
    filterset = RoundFilterSet(QueryDict("agreement=india-chile-cepa"), queryset=Round.objects.all())
    assert filterset.is_valid()
    filterset.narrow_choices()
    html = str(filterset.form["agreement"])
    assert 'data-names="{&quot;india-chile-cepa&quot;: &quot;India–Chile CEPA&quot;}"' in html


def test_party_and_host_country_selects_keep_the_asked_codes_selected(data):
    filterset = RoundFilterSet(QueryDict("party=per&party=MEX&host_country=PER"), queryset=Round.objects.all())
    assert filterset.is_valid()
    filterset.narrow_choices()
    party = str(filterset.form["party"])
    assert party.startswith('<select name="party" aria-describedby="id_party_helptext" id="id_party" multiple>')
    assert '<option value="PER" selected>' in party and '<option value="MEX" selected>' in party
    assert '<option value="IND">India (IND)</option>' in party
    host = str(filterset.form["host_country"])
    assert host.startswith('<select name="host_country" aria-describedby="id_host_country_helptext"')
    assert '<option value="PER" selected>' in host and "multiple>" in host


def test_round_party_and_bloc_members(data):
    assert rounds("party=CHL") == {data["ic3"]}
    assert rounds("party=PA") == set()
    assert rounds("party=PA&party_include_members=1") == set(Round.objects.all())


def test_round_chapter_means_discussed_there(data):
    assert rounds("chapter=ROO") == {data["ip9"], data["ip7"]}


def test_round_chapter_status_alone_means_any_chapter(data):
    assert rounds("chapter_status=closed") == {data["ip9"]}
    assert rounds("chapter_status=under_negotiation") == {data["ip7"], data["ipv"]}


def test_round_chapter_with_status_means_that_chapter_reached_it(data):
    # ip9 has ROO closed and CRM substantial progress: CRM was not closed there.
    assert rounds("chapter=CRM&chapter_status=closed") == set()
    assert rounds("chapter=ROO&chapter_status=closed") == {data["ip9"]}
    assert rounds("chapter=CRM&chapter_status=text_exchanged&chapter_status=substantial_progress") == {
        data["ip9"],
        data["ic3"],
    }


def test_round_host_country_and_city(data):
    assert rounds("host_country=PER") == {data["ip6"], data["ip9"]}
    assert rounds("host_country=per&host_country=CHL") == {data["ip6"], data["ip9"], data["ic3"]}
    assert rounds("city=new delhi") == {data["ip7"], data["ip1"]}


def test_round_format_status_kind(data):
    assert rounds("meeting_format=virtual") == {data["ipv"]}
    assert rounds("meeting_format=virtual&meeting_format=hybrid") == {data["ipv"]}
    assert rounds("kind=special") == {data["ipv"]}
    data["ip9"].status = RoundStatus.POSTPONED
    data["ip9"].save()
    assert rounds("status=postponed") == {data["ip9"]}
    assert rounds("status=postponed&status=cancelled") == {data["ip9"]}


def test_round_start_after_and_before_take_partial_dates(data):
    assert rounds("start_after=2025-10-28") == {data["ip9"]}
    assert rounds("start_after=2025") == {data["ip9"], data["ic3"]}
    assert rounds("start_before=2017") == {data["mp1"]} | {data["ip1"]}
    assert rounds("start_after=2024&start_before=2024-02") == {data["ip6"]}
    assert rounds("start_after=2024-02-13&start_before=2024-04-30") == {data["ip7"]}


def test_month_precision_round_counts_from_its_month(data):
    # Round 1 is "Aug 2017": asking for rounds from 15 Aug 2017 keeps it.
    assert data["ip1"] in rounds("start_after=2017-08-15")
    assert data["ip1"] not in rounds("start_after=2017-09-01")
    assert data["ip1"] in rounds("start_before=2017-08-01")


def test_which_rounds_peru_hosted_since_2024(data):
    assert rounds("host_country=PER&start_after=2024") == {data["ip6"], data["ip9"]}


def test_upcoming_means_planned_from_today_with_month_precision(data):
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    last_month = (first_of_month - dt.timedelta(days=1)).replace(day=1)
    this_month = f.round_(
        data["ip"],
        20,
        status=RoundStatus.PLANNED,
        start_date=first_of_month,
        end_date=None,
        date_precision=DatePrecision.MONTH,
    )
    tomorrow = f.round_(
        data["ip"],
        21,
        status=RoundStatus.PLANNED,
        start_date=today + dt.timedelta(days=1),
        end_date=today + dt.timedelta(days=2),
    )
    f.round_(data["ip"], 22, status=RoundStatus.PLANNED, start_date=today - dt.timedelta(days=1), end_date=None)
    f.round_(
        data["ip"],
        23,
        status=RoundStatus.PLANNED,
        start_date=last_month,
        end_date=None,
        date_precision=DatePrecision.MONTH,
    )
    f.round_(data["ip"], 24, status=RoundStatus.HELD, start_date=today + dt.timedelta(days=3), end_date=None)
    assert rounds("upcoming=1") == {this_month, tomorrow}
    assert rounds("upcoming=1&agreement=india-chile-cepa") == set()
    assert this_month not in rounds("upcoming=0")


def test_round_ordering_by_date_puts_undated_last(data):
    undated = f.round_(data["ip"], 8, start_date=None, end_date=None)
    newest = list(apply(RoundFilterSet, "ordering=-start_date", Round.objects.all()))
    oldest = list(apply(RoundFilterSet, "ordering=start_date", Round.objects.all()))
    assert newest[0] == data["ip9"] and newest[-1] == undated
    assert oldest[0] == data["mp1"] and oldest[-1] == undated


def test_round_filters_combine(data):
    assert rounds("agreement=india-peru-ta&chapter=ROO&host_country=PER&start_after=2025") == {data["ip9"]}
    assert rounds("party=IND&format=virtual&kind=special&q=virtual") == {data["ipv"]}


# --- Errors -------------------------------------------------------------------------------


def test_round_meeting_format_keeps_its_old_name(data):
    """Links written before the rename (``format=virtual``) filter as they did, alone or
    beside the new name; the form shows the value under the new name."""
    assert rounds("format=virtual") == {data["ipv"]}
    both = rounds("meeting_format=virtual&meeting_format=in_person")
    assert rounds("format=virtual&meeting_format=in_person") == both and data["ipv"] in both
    filterset = RoundFilterSet(QueryDict("format=virtual"), queryset=Round.objects.all())
    assert filterset.form["meeting_format"].value() == ["virtual"]
    # A wrong value under the old name is reported there: it may have meant a response format.
    filterset = RoundFilterSet(QueryDict("meeting_format=virtual&format=pdf"), queryset=Round.objects.all())
    assert not filterset.is_valid() and list(filterset.errors) == ["format"]


NOT_A_FORMAT = "“pdf” is neither a response format (csv, json) nor a meeting format (in_person, virtual, hybrid)."


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ("format=pdf", [NOT_A_FORMAT]),
        ("meeting_format=virtual&format=pdf", [NOT_A_FORMAT]),
        # A wrong value under the new name is still reported there, beside the old name's.
        (
            "meeting_format=virtual&meeting_format=bogus&format=pdf",
            ["Meeting format: Unknown meeting format “bogus”.", NOT_A_FORMAT],
        ),
        ("meeting_format=bogus&format=pdf", ["Meeting format: Unknown meeting format “bogus”.", NOT_A_FORMAT]),
    ],
)
def test_a_wrong_old_format_value_is_explained_once_under_its_own_name(query, messages):
    assert errors(RoundFilterSet, query, Round.objects.all()) == messages


def test_a_queryset_given_by_position_is_the_one_filtered(data):
    only = Round.objects.filter(pk=data["ic3"].pk)
    assert list(RoundFilterSet(QueryDict(""), only).qs) == [data["ic3"]]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("chapter=XYZ", "Unknown chapter code “XYZ”."),
        ("party=ATLANTIS", "Unknown party code “ATLANTIS”."),
        ("host_country=PA", "Unknown country code “PA”."),
        ("agreement=no-such-thing", "Unknown agreement “no-such-thing”."),
        ("status=nope", "Unknown round status “nope”."),
        ("chapter_status=done", "Unknown chapter status “done”."),
        ("meeting_format=telepathy", "Unknown meeting format “telepathy”."),
        ("format=telepathy", "“telepathy” is neither a response format (csv, json) nor a meeting format"),
        ("kind=party", "Unknown round kind “party”."),
        ("start_after=2025-13", "“2025-13” is not a valid calendar date."),
        ("start_before=yesterday", "“yesterday” is not a date; use YYYY, YYYY-MM or YYYY-MM-DD."),
        ("upcoming=maybe", "“maybe” is not a yes/no value; use 1 or 0."),
        ("ordering=venue", "Unknown ordering “venue”."),
    ],
)
def test_bad_round_values_make_the_form_invalid_with_a_message(data, query, message):
    messages = errors(RoundFilterSet, query, Round.objects.all())
    assert any(message in m for m in messages), messages


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=closed", "Unknown status “closed”."),
        ("kind=treaty", "Unknown kind “treaty”."),
        ("chapter=crm2", "Unknown chapter code “CRM2”."),
        ("party_include_members=perhaps", "is not a yes/no value"),
        ("reached_status=ratified", "Status reached: Unknown status “ratified”."),
        ("reached_after=2025-13", "Reached on or after: "),
        ("reached_before=soon", "Reached on or before: "),
    ],
)
def test_bad_agreement_values_make_the_form_invalid(data, query, message):
    messages = errors(AgreementFilterSet, query, Agreement.objects.all())
    assert any(message in m for m in messages), messages


def test_errors_are_prefixed_with_the_field_label(data):
    assert errors(RoundFilterSet, "chapter=XYZ", Round.objects.all()) == ["Chapter: Unknown chapter code “XYZ”."]


# --- The other models ---------------------------------------------------------------------


def test_chapter_progress_filterset(data):
    qs = ChapterProgress.objects.all()
    assert {p.round for p in apply(ChapterProgressFilterSet, "chapter=CRM", qs)} == {data["ip9"], data["ic3"]}
    assert set(apply(ChapterProgressFilterSet, "agreement=india-chile-cepa", qs)) == set(
        ChapterProgress.objects.filter(round=data["ic3"])
    )
    assert {p.chapter.code for p in apply(ChapterProgressFilterSet, f"round={data['ip9'].pk}", qs)} == {"CRM", "ROO"}
    assert {p.chapter.code for p in apply(ChapterProgressFilterSet, "status=closed", qs)} == {"ROO"}
    assert {p.round for p in apply(ChapterProgressFilterSet, "party=CHL", qs)} == {data["ic3"]}
    # A bloc stands for its members' agreements only when asked (Chile and Peru are members).
    assert set(apply(ChapterProgressFilterSet, "party=PA", qs)) == set()
    assert set(apply(ChapterProgressFilterSet, "party=PA&party_include_members=1", qs)) == set(qs)
    assert {p.round for p in apply(ChapterProgressFilterSet, "start_before=2024-12", qs)} == {data["ip7"], data["ipv"]}
    assert errors(ChapterProgressFilterSet, "round=abc", qs)


def test_progress_note_filterset_cannot_widen_a_public_queryset(data):
    public = f.note(data["ip9"], "public on CRM", chapter_code="CRM")
    f.note(data["ip9"], "secret on CRM", visibility=Visibility.CONFIDENTIAL, chapter_code="CRM")
    qs = ProgressNote.objects.public()
    assert list(apply(ProgressNoteFilterSet, "chapter=CRM&agreement=india-peru-ta&q=CRM", qs)) == [public]
    assert list(apply(ProgressNoteFilterSet, "visibility=confidential", qs)) == [public]
    assert errors(ProgressNoteFilterSet, "created_after=soon", qs)


def test_status_event_filterset(data):
    status_event_record(
        agreement=data["ip"],
        status=AgreementStatus.CONCLUDED,
        date=dt.date(2026, 6, 1),
        date_precision=DatePrecision.MONTH,
        planned=True,
    )
    qs = StatusEvent.objects.all()
    assert [e.status for e in apply(StatusEventFilterSet, "agreement=india-peru-ta&planned=1", qs)] == ["concluded"]
    assert {e.agreement for e in apply(StatusEventFilterSet, "status=in_force", qs)} == {data["pa"], data["mp"]}
    assert {e.agreement for e in apply(StatusEventFilterSet, "date_after=2025&planned=0", qs)} == {
        data["ip"],
        data["ic"],
    }
    assert {e.agreement for e in apply(StatusEventFilterSet, "date_before=2015-07", qs)} == {data["pa"], data["mp"]}


def test_source_filterset(data):
    cited = f.source(title="Pacific Alliance framework", publisher="Embassy of Peru", published_on=dt.date(2012, 6, 6))
    other = f.source(title="Unrelated", publisher="Elsewhere", published_on=dt.date(2020, 1, 1))
    AgreementSource.objects.create(agreement=data["pa"], source=cited)
    qs = Source.objects.all()
    assert list(apply(SourceFilterSet, "agreement=pacific-alliance", qs)) == [cited]
    assert list(apply(SourceFilterSet, "publisher=embassy", qs)) == [cited]
    assert list(apply(SourceFilterSet, "q=unrelated", qs)) == [other]
    assert list(apply(SourceFilterSet, "published_after=2019", qs)) == [other]
    assert list(apply(SourceFilterSet, "published_before=2012-06", qs)) == [cited]


def test_party_filterset(data):
    qs = Party.objects.all()
    assert {p.code for p in apply(PartyFilterSet, "bloc=PA", qs)} == {"CHL", "COL", "MEX", "PER"}
    assert {p.code for p in apply(PartyFilterSet, "kind=bloc", qs)} == {"PA"}
    assert {p.code for p in apply(PartyFilterSet, "code=ind&code=PER", qs)} == {"IND", "PER"}
    assert {p.code for p in apply(PartyFilterSet, "q=chile", qs)} == {"CHL"}
    assert errors(PartyFilterSet, "bloc=IND", qs)


def test_chapter_filterset(data):
    f.chapter("OLD", is_active=False)
    qs = Chapter.objects.all()
    assert {c.code for c in apply(ChapterFilterSet, "agreement=india-chile-cepa", qs)} == {"CRM"}
    assert "OLD" not in {c.code for c in apply(ChapterFilterSet, "is_active=1", qs)}
    assert {c.code for c in apply(ChapterFilterSet, "is_active=0", qs)} == {"OLD"}
    assert {c.code for c in apply(ChapterFilterSet, "code=roo", qs)} == {"ROO"}
    assert errors(ChapterFilterSet, "code=NOPE", qs)


def test_round_ids_out_of_range_are_invalid_not_a_crash(data):
    qs = ChapterProgress.objects.all()
    assert errors(ChapterProgressFilterSet, "round=99999999999999999999", qs) == [
        "Round: “99999999999999999999” is not a round id."
    ]
    assert errors(ChapterProgressFilterSet, "round=-1", qs)


def test_parameter_names_are_the_published_contract():
    """Bookmarked URLs, the API and scripts use these names (issue 3): renaming one breaks them."""
    assert set(AgreementFilterSet.base_filters) == {
        "q",
        "status",
        "kind",
        "party",
        "party_include_members",
        "chapter",
        "reached_status",
        "reached_after",
        "reached_before",
        "ordering",
    }
    assert set(RoundFilterSet.base_filters) == {
        "q",
        "agreement",
        "party",
        "party_include_members",
        "chapter",
        "chapter_status",
        "host_country",
        "city",
        "meeting_format",
        "status",
        "kind",
        "start_after",
        "start_before",
        "upcoming",
        "overdue",
        "ordering",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/rounds/?ordering=,", "/agreements/?ordering=,,-status_date", "/rounds/?ordering="])
def test_empty_ordering_items_are_ignored_not_a_server_error(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "filterset_class, params",
    [
        (ProgressNoteFilterSet, {"chapter": ["CRM"], "agreement": ["india-peru-ta"]}),
        (ChapterProgressFilterSet, {"chapter": ["CRM"], "agreement": ["india-peru-ta"]}),
        (RoundFilterSet, {"agreement": ["india-peru-ta"], "host_country": ["PER"]}),
        (StatusEventFilterSet, {"agreement": ["india-peru-ta"], "status": ["under_negotiation"]}),
        (AgreementFilterSet, {"status": ["under_negotiation"], "kind": ["fta"]}),
    ],
)
def test_repeatable_filters_on_own_or_forward_columns_add_no_distinct(data, filterset_class, params):
    """DISTINCT made PostgreSQL sort every match before the first page (e.g. notes of a chapter)."""
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, values)
    filterset = filterset_class(query, queryset=filterset_class._meta.model.objects.all())
    assert filterset.is_valid(), filterset.errors
    rows = list(filterset.qs)
    assert "DISTINCT" not in str(filterset.qs.query)
    assert len(rows) == len({row.pk for row in rows})  # and no duplicates without it


@pytest.mark.django_db
def test_sources_of_an_agreement_are_those_cited_for_it_its_status_events_or_its_rounds():
    from negotiations.models import RoundSource, StatusEventSource

    agreement, other = f.agreement(slug="cited"), f.agreement(slug="elsewhere")
    by_agreement, by_event, by_round, unrelated = (f.source(title=t) for t in ("agreement", "event", "round", "other"))
    AgreementSource.objects.create(agreement=agreement, source=by_agreement)
    event = StatusEvent.objects.create(agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2017, 1, 1))
    StatusEventSource.objects.create(event=event, source=by_event)
    RoundSource.objects.create(round=f.round_(agreement), source=by_round)
    RoundSource.objects.create(round=f.round_(other), source=unrelated)
    response = APIClient().get("/api/sources/?agreement=cited")
    assert sorted(row["title"] for row in response.json()["results"]) == ["agreement", "event", "round"]


@pytest.mark.django_db
def test_the_chapter_drop_down_offers_what_djangos_own_iterator_would():
    f.chapter("TBT", "Technical Barriers to Trade", order=2)
    f.chapter("ROO", "Rules <of> Origin", order=1)
    rounds = RoundFilterSet(QueryDict("chapter=ROO"), queryset=Round.objects.all())
    field = rounds.form.fields["chapter"]
    expected = [(str(value), label) for value, label in ModelChoiceIterator(field)]
    rounds.narrow_choices()
    assert [(str(value), label) for value, label in field.widget.choices] == expected
    assert expected[:3] == [
        ("", "---------"),
        ("ROO", "ROO — Rules <of> Origin"),
        ("TBT", "TBT — Technical Barriers to Trade"),
    ]
    html = str(rounds.form["chapter"])
    assert '<option value="ROO" selected>ROO — Rules &lt;of&gt; Origin</option>' in html


@pytest.mark.django_db
def test_the_forms_party_lists_are_in_label_order_and_keep_the_asked_codes(django_assert_num_queries):
    """Parties in agreements (hosts: with venues) in the order of their names, plus the codes
    the URL asks for even if nothing uses them, so the form shows what is filtered."""
    f.party("CHE", "Switzerland"), f.party("DEU", "Germany"), f.party("ZWE", "Zimbabwe"), f.party("AUT", "Austria")
    f.agreement(parties=("CHE", "DEU"))
    f.venue("Zurich", "CHE"), f.venue("Berlin", "DEU")
    agreements = AgreementFilterSet(QueryDict("party=zwe"), queryset=Agreement.objects.all())
    agreements.narrow_choices()
    assert [code for code, _label in agreements.form.fields["party"].widget.choices] == ["DEU", "CHE", "ZWE"]
    rounds = RoundFilterSet(QueryDict("host_country=ZWE"), queryset=Round.objects.all())
    with django_assert_num_queries(1):  # both lists, however many parties and hosts
        rounds.narrow_choices()
    assert rounds.form.fields["host_country"].widget.choices == [
        ("DEU", "Germany (DEU)"),
        ("CHE", "Switzerland (CHE)"),
        ("ZWE", "Zimbabwe (ZWE)"),
    ]
    plain = AgreementFilterSet(None, queryset=Agreement.objects.all())  # no query string at all
    plain.narrow_choices()
    assert [code for code, _label in plain.form.fields["party"].widget.choices] == ["DEU", "CHE"]


@pytest.mark.django_db
def test_the_party_and_host_country_lists_each_offer_their_own_parties():
    """Read together, the two lists stay apart: a party only in an agreement is no host, a host
    in no agreement is no party, and a code asked for in one list is not added to the other."""
    f.party("CHE", "Switzerland"), f.party("DEU", "Germany"), f.party("ZWE", "Zimbabwe")
    f.agreement(parties=("CHE", "DEU"))
    f.venue("Vienna", "AUT"), f.venue("Zurich", "CHE")
    rounds = RoundFilterSet(QueryDict("party=zwe&host_country=deu"), queryset=Round.objects.all())
    rounds.narrow_choices()
    assert [code for code, _label in rounds.form.fields["party"].widget.choices] == ["DEU", "CHE", "ZWE"]
    assert [code for code, _label in rounds.form.fields["host_country"].widget.choices] == ["AUT", "DEU", "CHE"]


def test_chapter_rows_of_rounds_starting_on_or_after_a_day_count_a_month_round_from_its_month():
    agreement = f.agreement("india-peru-ta", ("IND", "PER"))
    rounds_ = {
        "day before": f.round_(agreement, 1, start_date=dt.date(2025, 11, 14), end_date=None),
        "on the day": f.round_(agreement, 2, start_date=dt.date(2025, 11, 15), end_date=None),
        "that month": f.round_(
            agreement, 3, start_date=dt.date(2025, 11, 1), end_date=None, date_precision=DatePrecision.MONTH
        ),
        "month before": f.round_(
            agreement, 4, start_date=dt.date(2025, 10, 1), end_date=None, date_precision=DatePrecision.MONTH
        ),
        "that year": f.round_(
            agreement, 5, start_date=dt.date(2025, 1, 1), end_date=None, date_precision=DatePrecision.YEAR
        ),
    }
    for round_ in rounds_.values():
        f.progress(round_, "ROO")
    found = apply(ChapterProgressFilterSet, "start_after=2025-11-15", ChapterProgress.objects.all())
    assert {row.round for row in found} == {rounds_["on the day"], rounds_["that month"], rounds_["that year"]}
    everything = apply(ChapterProgressFilterSet, "start_after=", ChapterProgress.objects.all())
    assert everything.count() == len(rounds_)


def test_round_overdue_keeps_or_leaves_out_the_planned_rounds_whose_dates_have_passed():
    today = timezone.localdate()
    agreement = f.agreement("india-peru-ta", ("IND", "PER"))
    overdue = f.round_(
        agreement, 1, status=RoundStatus.PLANNED, start_date=today - dt.timedelta(days=10), end_date=None
    )
    coming = f.round_(agreement, 2, status=RoundStatus.PLANNED, start_date=today + dt.timedelta(days=10), end_date=None)
    held = f.round_(agreement, 3, status=RoundStatus.HELD, start_date=today - dt.timedelta(days=10), end_date=None)
    assert rounds("overdue=1") == {overdue}
    assert rounds("overdue=0") == {coming, held}
    assert rounds("overdue=") == rounds("") == {overdue, coming, held}


@pytest.mark.django_db
def test_filter_labels_have_no_trailing_colon_and_a_prefix_is_kept():
    form = AgreementFilterSet(QueryDict("")).form
    assert form["q"].label_tag() == '<label for="id_q">Search</label>'
    prefixed = RoundFilterSet(QueryDict("r-status=held"), prefix="r").form
    assert prefixed["q"].label_tag() == '<label for="id_r-q">Search</label>'
    assert prefixed.is_valid() and prefixed.cleaned_data["status"] == ["held"]


@pytest.mark.django_db
def test_round_filters_read_no_data_or_a_plain_mapping_without_the_old_name():
    unbound = RoundFilterSet(queryset=Round.objects.all())
    assert not unbound.is_bound and unbound.form["meeting_format"].value() is None
    plain = RoundFilterSet({"city": "Lima"}, queryset=Round.objects.all())
    assert plain.is_valid() and plain.form.cleaned_data["city"] == "Lima"


@pytest.mark.django_db
def test_the_party_list_of_a_plain_mapping_offers_the_parties_in_agreements():
    """Data that is not a query string (no ``getlist``) adds no asked codes, and does not fail."""
    f.party("CHE", "Switzerland"), f.party("ZWE", "Zimbabwe")
    f.agreement(parties=("CHE",))
    agreements = AgreementFilterSet({"party": "ZWE"}, queryset=Agreement.objects.all())
    agreements.narrow_choices()
    assert agreements.form.fields["party"].widget.choices == [("CHE", "Switzerland (CHE)")]


@pytest.mark.django_db
def test_the_party_list_names_a_bloc_in_the_readers_language():
    f.party("EU", "European Union", kind=PartyKind.BLOC)
    f.agreement(parties=("EU",))
    with translation.override("es"):
        agreements = AgreementFilterSet(QueryDict(), queryset=Agreement.objects.all())
        agreements.narrow_choices()
    assert agreements.form.fields["party"].widget.choices == [("EU", "Unión Europea (EU)")]
