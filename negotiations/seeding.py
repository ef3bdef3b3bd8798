"""Load the shipped seed data (fixtures/*.json and fixtures/negotiations/*.json) through the
services, idempotently. The format is described in fixtures/README.md.

Running it twice changes nothing: every row is found by its natural key (party code, chapter
code, agreement slug, round number, status event date and status, note text) and written only
when it differs, so the audit trail records only real changes.
"""

import datetime as dt
import json
from pathlib import Path

import pycountry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from . import services
from .choices import DatePrecision, NoteLanguage, PartyKind, RoundFormat, RoundKind, RoundsCoverage, RoundStatus
from .dates import parse_partial_date
from .models import Agreement, BlocMembership, Chapter, Party, Source, StatusEvent
from .party_names import english_country_name
from .services.common import history_stamp, record_delete

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
            name=english_country_name(country),
            official_name=getattr(country, "official_name", ""),
            alpha_2=country.alpha_2,
            kind=PartyKind.COUNTRY,
        )
        for country in pycountry.countries
        if country.alpha_3 not in existing
    ]
    bulk_create_with_history(new, Party, batch_size=500)  # keeps one history row per country
    return len(new)


def _identity(data: dict) -> dict:
    # Title, publisher and URL identify a source: two outlets may share a (paraphrased) headline.
    return {"title": data["title"], "publisher": data.get("publisher", ""), "url": data.get("url", "")}


def _source(data: dict) -> Source:
    """The source, found by its identity or by one it had before ("formerly": a corrected
    headline, a URL found later), and brought up to date in place, so that a database seeded
    earlier keeps one row per source and every citation follows the correction."""
    published, precision = _partial(data.get("published"))
    found = Source.objects.filter(**_identity(data)).first()
    for former in data.get("formerly", []):
        if found is not None:
            break
        found = Source.objects.filter(**_identity(former)).first()
    if found is None:
        found = Source(**_identity(data))
    return _upsert_instance(
        found,
        {
            **_identity(data),
            "published_on": published,
            "published_precision": precision,
            "language": data.get("language", ""),
            "note": data.get("note", ""),
        },
    )


def _upsert_instance(obj, values: dict):
    """Save ``obj`` with ``values`` only if it is new or something differs (history only then)."""
    if obj.pk is not None and all(getattr(obj, key) == value for key, value in values.items()):
        return obj
    for key, value in values.items():
        setattr(obj, key, value)
    obj.full_clean()
    history_stamp(obj, reason="seed data")
    obj.save()
    return obj


def _prune_citations(owner, listed: list, seed_sources: set) -> None:
    """Drop the owner's citations of seed sources the fixture no longer lists for it (a
    correction moved or removed them); citations a curator added to other sources stay."""
    keep = {(item[0] if isinstance(item, tuple) else item).pk for item in listed}
    for citation in owner.citations.filter(source_id__in=seed_sources).exclude(source_id__in=keep):
        record_delete(citation, expected_version=None, user=None, reason="seed data: no longer cited")


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
                # Both languages explicitly: plain ``name`` would mean the seeding process's language.
                "name_en": row["name"],
                "name_es": row["name_es"],
                "description_en": row.get("description", ""),
                "description_es": row.get("description_es", ""),
                "synonyms_en": row.get("synonyms", ""),
                "synonyms_es": row.get("synonyms_es", ""),
                "order": row["order"],
                "cptpp_chapter": row["cptpp_chapter"],
                "dta_area": row["dta_area"],
            },
            code=row["code"],
        )


def _citations(items, sources: dict, where: str) -> list:
    """Seed entries are a source key or {"key", "note", "conflicting"}."""
    result = []
    for item in items:
        key = item if isinstance(item, str) else item.get("key")
        if key not in sources:
            raise SeedError(f"{where}: unknown source key {key!r}.")
        if isinstance(item, str):
            result.append(sources[key])
        else:
            _check_keys(item, CITATION_KEYS, f"{where}, citation of {key!r}")
            result.append((sources[key], item.get("note", ""), item.get("conflicting", False)))
    return result


class SeedError(ValueError):
    """A fixture file breaks the seed format (fixtures/README.md); the message says where."""


# The keys each object of the seed format may have (fixtures/README.md); keys starting with
# "_" are comments. A misspelt key is refused rather than silently dropping a fact.
SOURCE_KEYS = {"title", "publisher", "url", "published", "language", "note", "formerly"}
FORMER_SOURCE_KEYS = {"title", "publisher", "url"}
CITATION_KEYS = {"key", "note", "conflicting"}
AGREEMENT_KEYS = {
    "slug",
    "name",
    "short_name",
    "spanish_name",
    "kind",
    "parties",
    "predecessor",
    "predecessor_relation",
    "summary",
    "sources",
    "coverage",
    "retracted_status_events",
    "status_events",
    "rounds",
}
COVERAGE_KEYS = {"rounds", "note", "checked"}
EVENT_KEYS = {"status", "date", "planned", "sequence", "note", "sources"}
RETRACTED_EVENT_KEYS = {"status", "date", "planned", "note"}
ROUND_KEYS = {
    "number",
    "kind",
    "title",
    "start",
    "end",
    "city",
    "country",
    "place",
    "venue_note",
    "format",
    "dates_note",
    "status",
    "summary",
    "chief_negotiators",
    "sources",
    "chapters",
    "notes",
}
CHAPTER_ROW_KEYS = {"code", "status", "note"}
NOTE_KEYS = {"text", "chapter", "source", "language"}


def _check_keys(obj: dict, allowed: set, where: str) -> None:
    if not isinstance(obj, dict):
        raise SeedError(f"{where}: expected an object, got {type(obj).__name__}.")
    unknown = sorted(key for key in obj if key not in allowed and not key.startswith("_"))
    if unknown:
        raise SeedError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}.")


def negotiation_files() -> list[Path]:
    """fixtures/negotiations.json, then every fixtures/negotiations/*.json in name order."""
    return [FIXTURES / "negotiations.json", *sorted((FIXTURES / "negotiations").glob("*.json"))]


def _read_negotiation_files(paths) -> tuple[dict, list]:
    """Every file's sources (keys are global: a key defined twice is refused) and agreements,
    each agreement paired with the file it came from."""
    sources, agreements, source_file, slug_file = {}, [], {}, {}
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise SeedError(f"{path.name}: not valid JSON ({error}).") from None
        _check_keys(data, {"sources", "agreements"}, path.name)
        for key, value in data.get("sources", {}).items():
            if key in source_file:
                raise SeedError(
                    f"{path.name}: source key {key!r} is already defined in {source_file[key]}; "
                    "source keys are global across fixture files (prefix them with the agreement slug)."
                )
            _check_keys(value, SOURCE_KEYS, f"{path.name}, source {key!r}")
            for former in value.get("formerly", []):
                _check_keys(former, FORMER_SOURCE_KEYS, f"{path.name}, source {key!r}, formerly")
            source_file[key] = path.name
            sources[key] = value
        for item in data.get("agreements", []):
            slug = item.get("slug") if isinstance(item, dict) else None
            if slug in slug_file:
                raise SeedError(f"{path.name}: agreement {slug!r} is already defined in {slug_file[slug]}.")
            slug_file[slug] = path.name
            agreements.append((path.name, item))
    return sources, agreements


def _in_dependency_order(agreements: list) -> list:
    """Agreements after their predecessors, whichever file each one is in."""
    slugs = {item["slug"] for _, item in agreements}
    ordered, placed, pending = [], set(), list(agreements)
    while pending:
        ready = [
            pair
            for pair in pending
            if not pair[1].get("predecessor") or pair[1]["predecessor"] in placed or pair[1]["predecessor"] not in slugs
        ]
        if not ready:
            raise SeedError(f"Agreements whose predecessors form a loop: {', '.join(i['slug'] for _, i in pending)}.")
        for pair in ready:
            ordered.append(pair)
            placed.add(pair[1]["slug"])
            pending.remove(pair)
    return ordered


def _parties(codes: list, where: str) -> list:
    found = {party.code: party for party in Party.objects.filter(code__in=codes)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise SeedError(f"{where}: unknown party code(s) {', '.join(unknown)} (ISO 3166-1 alpha-3 or a bloc code).")
    return list(found.values())


def _coverage(data: dict | None, where: str) -> dict | None:
    if data is None:
        return None
    _check_keys(data, COVERAGE_KEYS, f"{where}, coverage")
    rounds = data.get("rounds", "")
    if rounds and rounds not in RoundsCoverage.values:
        raise SeedError(f"{where}: coverage.rounds must be one of {', '.join(RoundsCoverage.values)}, not {rounds!r}.")
    checked = data.get("checked")
    try:
        checked_on = dt.date.fromisoformat(checked) if checked else None
    except ValueError:
        raise SeedError(f"{where}: coverage.checked must be a date YYYY-MM-DD, not {checked!r}.") from None
    return {"rounds_coverage": rounds, "coverage_note": data.get("note", ""), "coverage_checked_on": checked_on}


def seed_negotiations(paths=None) -> None:
    """Every agreement of fixtures/negotiations.json and fixtures/negotiations/*.json."""
    raw_sources, agreements = _read_negotiation_files(negotiation_files() if paths is None else paths)
    sources = {key: _source(value) for key, value in raw_sources.items()}
    seed_sources = {source.pk for source in sources.values()}
    chapters = {chapter.code: chapter for chapter in Chapter.objects.all()}
    for file_name, item in _in_dependency_order(agreements):
        where = f"{file_name}, agreement {item.get('slug')!r}"
        _check_keys(item, AGREEMENT_KEYS, where)
        try:
            _seed_agreement(item, sources, chapters, where, seed_sources)
        except ValidationError as error:
            raise SeedError(f"{where}: {'; '.join(error.messages)}") from None


def _seed_agreement(item: dict, sources: dict, chapters: dict, where: str, seed_sources: set) -> None:
    predecessor = Agreement.objects.get(slug=item["predecessor"]) if item.get("predecessor") else None
    agreement_citations = _citations(item.get("sources", []), sources, where)
    agreement, _ = services.agreement_upsert(
        slug=item["slug"],
        name=item["name"],
        short_name=item.get("short_name", ""),
        spanish_name=item.get("spanish_name", ""),
        kind=item["kind"],
        parties=_parties(item["parties"], where),
        predecessor=predecessor,
        predecessor_relation=item.get("predecessor_relation", ""),
        summary=item.get("summary", ""),
        sources=agreement_citations,
        coverage=_coverage(item.get("coverage"), where),
        reason="seed data",
    )
    _prune_citations(agreement, agreement_citations, seed_sources)
    # A corrected fact whose date or status changed is a different event: the fixture names the
    # one it replaces, and a database seeded before the correction loses it (before the new one
    # is added, so both get the same same-day order as on a fresh database).
    for gone in item.get("retracted_status_events", []):
        _check_keys(gone, RETRACTED_EVENT_KEYS, f"{where}, retracted status event")
        date, precision = _parse_date(gone["date"], f"{where}, retracted status event")
        old = StatusEvent.objects.filter(
            agreement=agreement,
            status=gone["status"],
            date=date,
            date_precision=precision,  # "2025-04" is not the event of 1 April 2025 that replaced it
            planned=gone.get("planned", False),
        ).first()
        if old is not None:
            services.status_event_delete(event=old, reason="seed data: retracted")
    for event in item["status_events"]:
        event_where = f"{where}, status event {event.get('status')} {event.get('date')}"
        _check_keys(event, EVENT_KEYS, event_where)
        date, precision = _parse_date(event["date"], event_where)
        planned = event.get("planned", False)
        existing = StatusEvent.objects.filter(
            agreement=agreement, status=event["status"], date=date, planned=planned
        ).first()
        citations = _citations(event.get("sources", []), sources, event_where)
        if existing is None:
            services.status_event_record(
                agreement=agreement,
                status=event["status"],
                date=date,
                date_precision=precision,
                planned=planned,
                sequence=event.get("sequence"),
                note=event.get("note", ""),
                sources=citations,
                reason="seed data",
            )
        else:
            if (existing.note, existing.date_precision) != (event.get("note", ""), precision):
                services.status_event_update(event=existing, note=event.get("note", ""), date_precision=precision)
            services.citations_set(owner=existing, sources=citations)
        if existing is not None:
            _prune_citations(existing, citations, seed_sources)
    for row in item.get("rounds", []):
        round_where = f"{where}, round {row.get('number') or row.get('title')}"
        _check_keys(row, ROUND_KEYS, round_where)
        round_, citations = _seed_round(agreement, row, sources, chapters, round_where)
        _prune_citations(round_, citations, seed_sources)


def _parse_date(text: str, where: str):
    try:
        return parse_partial_date(text)
    except ValueError as error:
        raise SeedError(f"{where}: {error}") from None


def _seed_round(agreement, row: dict, sources: dict, chapters: dict, where: str) -> tuple:
    """The round with its chapters and notes; returns it with the citations it was given."""
    start, precision = _parse_date(row["start"], where) if row.get("start") else (None, DatePrecision.DAY)
    end = _parse_date(row["end"], where)[0] if row.get("end") else None
    venue = None
    if row.get("city"):
        venue = services.venue_get_or_create(
            city=row["city"], country=_parties([row.get("country")], where)[0], place=row.get("place", "")
        )
    citations = _citations(row.get("sources", []), sources, where)
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
        sources=citations,
        reason="seed data",
    )
    for chapter_row in row.get("chapters", []):
        _check_keys(chapter_row, CHAPTER_ROW_KEYS, f"{where}, chapter {chapter_row.get('code')}")
        services.chapter_progress_set(
            round=round_,
            chapter=_chapter(chapters, chapter_row["code"], where),
            status=chapter_row["status"],
            note=chapter_row.get("note", ""),
            reason="seed data",
        )
    for note_row in row.get("notes", []):
        _check_keys(note_row, NOTE_KEYS, f"{where}, note")
        if note_row.get("source") and note_row["source"] not in sources:
            raise SeedError(f"{where}, note: unknown source key {note_row['source']!r}.")
        if not round_.notes.filter(text=note_row["text"]).exists():
            services.note_add(
                round=round_,
                text=note_row["text"],
                chapter=_chapter(chapters, note_row["chapter"], where) if note_row.get("chapter") else None,
                source=sources[note_row["source"]] if note_row.get("source") else None,
                language=note_row.get("language", NoteLanguage.ENGLISH),
                reason="seed data",
            )
    return round_, citations


def _chapter(chapters: dict, code: str, where: str) -> Chapter:
    if code not in chapters:
        raise SeedError(f"{where}: unknown chapter code {code!r} (see fixtures/chapters.json).")
    return chapters[code]


def seed_all() -> None:
    """Countries, blocs, the chapter catalog and the real negotiations, in one transaction."""
    with transaction.atomic():
        seed_countries()
        seed_blocs()
        seed_chapters()
        seed_negotiations()
