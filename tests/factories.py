"""Plain helpers that build test data. Each returns a saved object; override any field."""

import datetime as dt
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from negotiations import roles
from negotiations.choices import (
    AgreementKind,
    PartyKind,
    ProgressStatus,
    RoundFormat,
    RoundKind,
    RoundStatus,
    Visibility,
)
from negotiations.models import (
    Agreement,
    AgreementParty,
    Chapter,
    ChapterProgress,
    Party,
    ProgressNote,
    Round,
    Source,
    Venue,
)

_counter = itertools.count(1)


def party(code="PER", name=None, kind=PartyKind.COUNTRY, **fields) -> Party:
    obj, _ = Party.objects.get_or_create(code=code, defaults={"name": name or code.title(), "kind": kind, **fields})
    return obj


def chapter(code="ROO", name=None, **fields) -> Chapter:
    obj, _ = Chapter.objects.get_or_create(code=code, defaults={"name": name or f"Chapter {code}", **fields})
    return obj


def source(**fields) -> Source:
    n = next(_counter)
    defaults = {"url": f"https://example.org/article-{n}", "title": f"Article {n}", "publisher": "Example News"}
    return Source.objects.create(**{**defaults, **fields})


def agreement(slug=None, parties=("IND", "PER"), **fields) -> Agreement:
    n = next(_counter)
    defaults = {"slug": slug or f"agreement-{n}", "name": f"Agreement {n}", "kind": AgreementKind.FTA}
    obj = Agreement.objects.create(**{**defaults, **fields})
    for code in parties:
        AgreementParty.objects.create(agreement=obj, party=party(code))
    return obj


def venue(city="Lima", country="PER", place="") -> Venue:
    obj, _ = Venue.objects.get_or_create(city=city, country=party(country), place=place)
    return obj


def round_(agreement_obj=None, number=None, **fields) -> Round:
    agreement_obj = agreement_obj or agreement()
    if number is None and "kind" not in fields:
        number = (agreement_obj.rounds.count() or 0) + 1
    defaults = {
        "kind": RoundKind.NUMBERED,
        "format": RoundFormat.IN_PERSON,
        "status": RoundStatus.HELD,
        "start_date": dt.date(2025, 11, 3),
        "end_date": dt.date(2025, 11, 5),
    }
    return Round.objects.create(agreement=agreement_obj, number=number, **{**defaults, **fields})


def progress(round_obj, chapter_code="ROO", status=ProgressStatus.UNDER_NEGOTIATION, **fields) -> ChapterProgress:
    return ChapterProgress.objects.create(round=round_obj, chapter=chapter(chapter_code), status=status, **fields)


def note(round_obj, text="A public note", visibility=Visibility.PUBLIC, chapter_code=None, **fields) -> ProgressNote:
    return ProgressNote.objects.create(
        round=round_obj,
        text=text,
        visibility=visibility,
        chapter=chapter(chapter_code) if chapter_code else None,
        **fields,
    )


def user(username=None, *, role=None, is_staff=None, **fields):
    username = username or f"user{next(_counter)}"
    obj = get_user_model().objects.create_user(username=username, password="correct horse battery", **fields)
    if role:
        roles.roles_ensure()  # tests that flush tables (live_server, transaction=True) remove the groups
        obj.groups.add(Group.objects.get(name=role))
        obj.is_staff = role == roles.CURATOR if is_staff is None else is_staff
        obj.save()
    return obj
