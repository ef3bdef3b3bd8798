"""Query helpers shared by the FilterSets and the selectors: partial-date bounds, the agreements
of parties (with bloc members), and per-agreement correlated aggregates."""

import datetime as dt

from django.db.models import Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Least

from .dates import period_end, starts_on_or_after_q  # noqa: F401 (re-exported)
from .models import AgreementParty, BlocMembership, Round, StatusEvent


def agreements_of_parties(parties, *, include_members: bool) -> QuerySet:
    """Ids of the agreements any of ``parties`` is party to; with ``include_members``, a bloc also
    stands for its member countries (through BlocMembership).

    A former member stands for the bloc only in agreements that began before it left: Chile
    left the Andean Community in 1976, so the India–Chile CEPA is not an Andean agreement. An
    agreement begins at its first recorded date (status event or round); one without any date
    counts. A departure known only to the month or year lasts until the end of that period.
    """
    party_ids = Q(party__in=parties)
    if include_members:
        memberships = list(
            BlocMembership.objects.filter(bloc__in=parties).values_list("member_id", "left_on", "left_precision")
        )
        current = {member_id for member_id, left_on, _ in memberships if left_on is None}
        former: dict[int, dt.date] = {}  # member → the end of its (latest) departure's period
        for member_id, left_on, precision in memberships:
            if left_on is not None and member_id not in current:
                until = period_end(left_on, precision)
                former[member_id] = max(until, former.get(member_id, until))
        party_ids |= Q(party__in=current)
        if former:
            for member_id, until in former.items():
                party_ids |= Q(party=member_id) & (Q(began__isnull=True) | Q(began__lte=until))
            return AgreementParty.objects.annotate(began=agreement_first_date()).filter(party_ids).values("agreement")
    return AgreementParty.objects.filter(party_ids).values("agreement")


def per_agreement(queryset: QuerySet, aggregate, ref: str = "pk") -> Subquery:
    """``aggregate`` over the rows of ``queryset`` that belong to the agreement ``ref`` points
    to, as a correlated subquery: computed for the rows a page shows, without grouping every
    agreement the filters match."""
    rows = queryset.filter(agreement=OuterRef(ref)).order_by().values("agreement")
    return Subquery(rows.annotate(value=aggregate).values("value"))


def agreement_first_date(ref: str = "agreement"):
    """The first recorded date of the agreement ``ref`` points to: its earliest status event
    (not planned) or round, whichever comes first; None without any."""
    event = per_agreement(StatusEvent.objects.filter(planned=False), Min("date"), ref)
    round_ = per_agreement(Round.objects.filter(start_date__isnull=False), Min("start_date"), ref)
    # LEAST of the two where both exist; either one where only one does.
    return Least(Coalesce(event, round_), Coalesce(round_, event))
