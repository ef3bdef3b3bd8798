"""Country pages /parties/<code>/: negotiations, next and recent rounds, chapters, blocs, links."""

import datetime as dt

import pytest
from django.utils import timezone

from negotiations.choices import AgreementStatus, PartyKind, RoundStatus
from negotiations.models import BlocMembership
from tests import factories as f


def build(n_agreements: int):
    today = timezone.localdate()
    f.party("PER", "Peru")
    bloc = f.party("PAC", "Pacific Alliance", kind=PartyKind.BLOC)
    BlocMembership.objects.create(bloc=bloc, member=f.party("PER"), joined_on=dt.date(2011, 4, 28))
    for i in range(n_agreements):
        a = f.agreement(
            f"peru-fta-{i}",
            ("PER", f"X{i:02d}"),
            name=f"Peru FTA {i}",
            current_status=AgreementStatus.UNDER_NEGOTIATION,
        )
        held = f.round_(a, 1, start_date=today - dt.timedelta(days=30 + i), end_date=today - dt.timedelta(days=29 + i))
        f.progress(held, "ROO")
        f.progress(held, "TBT")
        f.round_(a, 2, status=RoundStatus.PLANNED, start_date=today + dt.timedelta(days=20 + i), end_date=None)
    f.agreement("other", ("IND", "CHL"), name="Not Peru's")


@pytest.mark.parametrize("size", [2, 12])
def test_party_page_constant_queries(client, db, django_assert_max_num_queries, size):
    build(size)
    with django_assert_max_num_queries(9):
        response = client.get("/parties/PER/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Peru FTA 0" in page and "Not Peru&#x27;s" not in page and "Not Peru's" not in page
    assert "Pacific Alliance" in page and "2011" in page
    assert "?party=PER" in page and "/calendar/rounds.ics?party=PER" in page
    assert "Chapter ROO" in page
    assert "(stage 3 of 7: Negotiating)" in page  # each negotiation's stage, by its current status
    assert len(response.context["upcoming"]) == min(size, 5) and len(response.context["recent"]) == min(size, 5)


def test_party_names_link_to_the_page(client, db):
    build(1)
    a = f.agreement("peru-x", ("PER", "CHL"))
    assert "/parties/PER/" in client.get(a.get_absolute_url()).content.decode()
    assert "/parties/PER/" in client.get("/agreements/").content.decode()
    assert client.get("/parties/per/").status_code == 302
    assert client.get("/parties/ZZZ/").status_code == 404
