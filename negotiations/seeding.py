"""Load the shipped seed data (fixtures/*.json) through the services, idempotently.

Running it twice changes nothing: every row is found by its natural key (party code, chapter
code, agreement slug, round number, status event date and status, note text) and written only
when it differs, so the audit trail records only real changes.
"""

import json
from pathlib import Path

import pycountry
from django.conf import settings
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from . import services
from .choices import DatePrecision, PartyKind, RoundFormat, RoundKind, RoundStatus
from .dates import parse_partial_date
from .models import Agreement, BlocMembership, Chapter, Party, Source, StatusEvent

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def _load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _partial(text: str | None):
    return parse_partial_date(text) if text else (None, DatePrecision.DAY)


def _upsert(model, defaults: dict, **lookup):
    """Like ``update_or_create`` but saves (and writes history) only when something differs."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup)
    elif all(getattr(obj, key) == value for key, value in defaults.items()):
        return obj
    for key, value in defaults.items():
        setattr(obj, key, value)
    obj.full_clean()
    obj.save()
    return obj


def seed_countries() -> int:
    """Every ISO 3166-1 country from pycountry (not typed by hand)."""
    existing = set(Party.objects.values_list("code", flat=True))
    new = [
        Party(
            code=country.alpha_3,
            name=getattr(country, "common_name", None) or country.name,
            official_name=getattr(country, "official_name", ""),
            alpha_2=country.alpha_2,
            kind=PartyKind.COUNTRY,
        )
        for country in pycountry.countries
        if country.alpha_3 not in existing
    ]
    bulk_create_with_history(new, Party, batch_size=500)  # keeps one history row per country
    return len(new)


def _source(data: dict) -> Source:
    published, precision = _partial(data.get("published"))
    # Title, publisher and URL identify a source: two outlets may share a (paraphrased) headline.
    return _upsert(
        Source,
        {"published_on": published, "published_precision": precision, "note": data.get("note", "")},
        title=data["title"],
        publisher=data.get("publisher", ""),
        url=data.get("url", ""),
    )


def seed_blocs() -> None:
    members = {party.code: party for party in Party.objects.filter(kind=PartyKind.COUNTRY)}
    for bloc_data in _load("blocs.json")["blocs"]:
        clash = Party.objects.filter(code=bloc_data["code"], kind=PartyKind.COUNTRY).first()
        if clash:  # e.g. "CAN" is Canada, so the Andean Community is "ANDEAN"
            raise ValueError(f"Bloc code {bloc_data['code']} is already the country {clash.name}.")
        bloc = _upsert(
            Party,
            {"name": bloc_data["name"], "official_name": bloc_data["official_name"], "kind": PartyKind.BLOC},
            code=bloc_data["code"],
        )
        for row in bloc_data["members"]:
            joined, joined_precision = _partial(row["joined"])
            left, left_precision = _partial(row["left"])
            _upsert(
                BlocMembership,
                {
                    "joined_precision": joined_precision,
                    "left_on": left,
                    "left_precision": left_precision,
                    "note": row["note"],
                },
                bloc=bloc,
                member=members[row["member"]],
                joined_on=joined,
            )


def seed_chapters() -> None:
    for row in _load("chapters.json")["chapters"]:
        _upsert(
            Chapter,
            {
                "name": row["name"],
                "order": row["order"],
                "cptpp_chapter": row["cptpp_chapter"],
                "dta_area": row["dta_area"],
            },
            code=row["code"],
        )


def _citations(items, sources: dict) -> list:
    """Seed entries are a source key or {"key", "note", "conflicting"}."""
    result = []
    for item in items:
        if isinstance(item, str):
            result.append(sources[item])
        else:
            result.append((sources[item["key"]], item.get("note", ""), item.get("conflicting", False)))
    return result


def seed_negotiations() -> None:
    data = _load("negotiations.json")
    sources = {key: _source(value) for key, value in data["sources"].items()}
    chapters = {chapter.code: chapter for chapter in Chapter.objects.all()}
    for item in data["agreements"]:
        predecessor = Agreement.objects.get(slug=item["predecessor"]) if item.get("predecessor") else None
        agreement, _ = services.agreement_upsert(
            slug=item["slug"],
            name=item["name"],
            short_name=item["short_name"],
            kind=item["kind"],
            parties=Party.objects.filter(code__in=item["parties"]),
            predecessor=predecessor,
            predecessor_relation=item.get("predecessor_relation", ""),
            summary=item["summary"],
            sources=_citations(item["sources"], sources),
            reason="seed data",
        )
        for event in item["status_events"]:
            date, precision = parse_partial_date(event["date"])
            planned = event.get("planned", False)
            existing = StatusEvent.objects.filter(
                agreement=agreement, status=event["status"], date=date, planned=planned
            ).first()
            if existing is None:
                services.status_event_record(
                    agreement=agreement,
                    status=event["status"],
                    date=date,
                    date_precision=precision,
                    planned=planned,
                    note=event["note"],
                    sources=_citations(event["sources"], sources),
                    reason="seed data",
                )
            else:
                if (existing.note, existing.date_precision) != (event["note"], precision):
                    services.status_event_update(event=existing, note=event["note"], date_precision=precision)
                services.citations_set(owner=existing, sources=_citations(event["sources"], sources))
        for row in item["rounds"]:
            _seed_round(agreement, row, sources, chapters)


def _seed_round(agreement, row: dict, sources: dict, chapters: dict) -> None:
    start, precision = _partial(row.get("start"))
    end = parse_partial_date(row["end"])[0] if row.get("end") else None
    venue = None
    if row.get("city"):
        venue = services.venue_get_or_create(
            city=row["city"], country=Party.objects.get(code=row["country"]), place=row.get("place", "")
        )
    round_, _ = services.round_upsert(
        agreement=agreement,
        number=row.get("number"),
        kind=row.get("kind", RoundKind.NUMBERED),
        title=row.get("title", ""),
        venue=venue,
        venue_note=row.get("venue_note", ""),
        format=row.get("format", RoundFormat.IN_PERSON),
        start_date=start,
        end_date=end,
        date_precision=precision,
        dates_note=row.get("dates_note", ""),
        status=row.get("status", RoundStatus.HELD),
        summary=row.get("summary", ""),
        chief_negotiators=row.get("chief_negotiators", ""),
        sources=_citations(row.get("sources", []), sources),
        reason="seed data",
    )
    for chapter_row in row.get("chapters", []):
        services.chapter_progress_set(
            round=round_,
            chapter=chapters[chapter_row["code"]],
            status=chapter_row["status"],
            note=chapter_row["note"],
            reason="seed data",
        )
    for note_row in row.get("notes", []):
        if not round_.notes.filter(text=note_row["text"]).exists():
            services.note_add(
                round=round_,
                text=note_row["text"],
                chapter=chapters[note_row["chapter"]] if note_row.get("chapter") else None,
                source=sources[note_row["source"]] if note_row.get("source") else None,
                reason="seed data",
            )


def seed_all() -> None:
    """Countries, blocs, the chapter catalog and the real negotiations, in one transaction."""
    with transaction.atomic():
        seed_countries()
        seed_blocs()
        seed_chapters()
        seed_negotiations()
