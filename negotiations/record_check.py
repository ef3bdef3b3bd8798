"""The record's own rules, checked over a whole database (``manage.py check_record``).

Every fact is cited, every source can be followed, the calendar is consistent with the
statuses and each timeline reads in date order. The rules are checks on data already written
(by the seed, the importer, the admin or a curator fixing history), so they run as queries over
the database rather than as model validation; each query's cost depends on the rows it finds,
not on a loop per agreement.
"""

import datetime as dt
from dataclasses import dataclass

import pycountry
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import PartyKind, RoundStatus
from .models import (
    Agreement,
    AgreementParty,
    BlocMembership,
    ChapterProgress,
    Party,
    Round,
    RoundSource,
    Source,
    StatusEvent,
    StatusEventSource,
)
from .timeline import latest_actual_event


@dataclass(frozen=True)
class Problem:
    rule: str
    where: str
    message: str

    def __str__(self):
        return f"[{self.rule}] {self.where}: {self.message}"


RULES = {
    "uncited-event": gettext_lazy("a status event without a supporting citation"),
    "uncited-round": gettext_lazy("a round without a supporting citation"),
    "uncited-chapter": gettext_lazy("a chapter row whose round has no supporting citation"),
    "source-unlinkable": gettext_lazy("a source without a URL and without a note saying why"),
    "held-in-future": gettext_lazy("a round marked held with a date in the future"),
    "planned-in-past": gettext_lazy("a planned round whose date has passed, without a dates note"),
    "unknown-party": gettext_lazy(
        "a party that is not a known country or bloc, or an agreement with fewer than two parties"
    ),
    "timeline-order": gettext_lazy(
        "a timeline whose order contradicts its dates, or a current status that is not its latest event"
    ),
}


def _supporting(citation_model, owner_field: str):
    """Exists(): the owner has at least one citation that does not contradict it."""
    return Exists(citation_model.objects.filter(**{owner_field: OuterRef("pk")}, conflicting=False))


def uncited_facts() -> list[Problem]:
    problems = []
    events = StatusEvent.objects.filter(~_supporting(StatusEventSource, "event")).select_related("agreement")
    for event in events:
        problems.append(
            Problem("uncited-event", event.agreement.slug, _("“%(event)s” cites no source.") % {"event": event})
        )
    rounds = Round.objects.filter(~_supporting(RoundSource, "round")).select_related("agreement")
    for round_ in rounds:
        problems.append(
            Problem("uncited-round", round_.agreement.slug, _("%(round)s cites no source.") % {"round": round_.label})
        )
    rows = (
        ChapterProgress.objects.filter(~Exists(RoundSource.objects.filter(round=OuterRef("round"), conflicting=False)))
        .select_related("round__agreement", "chapter")
        .order_by("round__agreement__slug", "round_id", "chapter__order")
    )
    for row in rows:
        problems.append(
            Problem(
                "uncited-chapter",
                row.round.agreement.slug,
                _("%(chapter)s at %(round)s rests on no source.")
                % {"chapter": row.chapter.code, "round": row.round.label},
            )
        )
    return problems


def unlinkable_sources() -> list[Problem]:
    sources = Source.objects.filter(url="").filter(Q(note="") | Q(note__regex=r"^\s*$"))
    return [
        Problem(
            "source-unlinkable",
            f"source {source.pk}",
            _("“%(title)s” has no URL and no note saying why.") % {"title": source.title},
        )
        for source in sources
    ]


def calendar_problems(today: dt.date) -> list[Problem]:
    problems = []
    for round_ in Round.objects.filter(status=RoundStatus.HELD, start_date__gt=today).select_related("agreement"):
        problems.append(
            Problem(
                "held-in-future",
                round_.agreement.slug,
                _("%(round)s is marked held but starts %(date)s.")
                % {"round": round_.label, "date": round_.dates_display},
            )
        )
    planned = Round.objects.overdue(today).filter(dates_note="").select_related("agreement")
    for round_ in planned:
        problems.append(
            Problem(
                "planned-in-past",
                round_.agreement.slug,
                _("%(round)s is still planned for %(date)s, which has passed; say what is known in its dates note.")
                % {"round": round_.label, "date": round_.dates_display},
            )
        )
    return problems


def party_problems() -> list[Problem]:
    problems = []
    iso_codes = {country.alpha_3 for country in pycountry.countries}
    for party in Party.objects.filter(kind=PartyKind.COUNTRY).exclude(code__in=iso_codes):
        problems.append(
            Problem("unknown-party", party.code, _("%(party)s is not an ISO 3166-1 country.") % {"party": party})
        )
    for bloc in Party.objects.filter(kind=PartyKind.BLOC).exclude(
        Exists(BlocMembership.objects.filter(bloc=OuterRef("pk")))
    ):
        problems.append(Problem("unknown-party", bloc.code, _("The bloc %(party)s has no members.") % {"party": bloc}))
    lonely = Agreement.objects.exclude(pk__in=_agreements_with_two_parties())
    for agreement in lonely:
        problems.append(Problem("unknown-party", agreement.slug, _("The agreement has fewer than two parties.")))
    return problems


def _agreements_with_two_parties():
    from django.db.models import Count

    return (
        AgreementParty.objects.values("agreement")
        .annotate(parties=Count("party"))
        .filter(parties__gte=2)
        .values("agreement")
    )


def timeline_problems() -> list[Problem]:
    """An agreement's current status must be the latest actual event in timeline order
    (``timeline.event_order_key``). The order itself follows the dates by construction; what can
    contradict it is a derived status left behind by a raw edit, a bulk load or a change of the
    ordering rule, so that the badge says one thing and the timeline another."""
    problems = []
    events_by_agreement: dict[int, list[StatusEvent]] = {}
    for event in StatusEvent.objects.filter(planned=False).order_by("agreement_id", "id"):
        events_by_agreement.setdefault(event.agreement_id, []).append(event)
    for agreement in Agreement.objects.all():
        latest = latest_actual_event(events_by_agreement.get(agreement.pk, []))
        expected = (latest.status, latest.date) if latest else ("", None)
        if (agreement.current_status, agreement.status_date) != expected:
            problems.append(
                Problem(
                    "timeline-order",
                    agreement.slug,
                    _("The current status (%(current)s, %(date)s) is not its latest event (%(latest)s).")
                    % {
                        "current": agreement.current_status or "—",
                        "date": agreement.status_date or "—",
                        "latest": latest or "—",
                    },
                )
            )
    return problems


def record_problems(today: dt.date | None = None) -> list[Problem]:
    """Every breach of the record's rules, grouped by rule."""
    today = today or timezone.localdate()
    return [
        *uncited_facts(),
        *unlinkable_sources(),
        *calendar_problems(today),
        *party_problems(),
        *timeline_problems(),
    ]
