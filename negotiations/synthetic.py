"""Deterministic synthetic negotiation data at 1, 10 or 100 times the size of a busy real tracker.

Used by ``python manage.py generate_synthetic`` (and the benchmark in ``bench/``). The data has
the shapes of the real record: parties from the ISO 3166-1 list, chapters from the catalog,
rounds that alternate between the parties' capitals, chapter statuses that advance over the
rounds, agreement status timelines that follow the rounds, and progress notes of realistic
length, about 15% of them confidential.

Rows are written with ``bulk_create``, which sends no ``post_save`` signals, so the audit
trail (django-simple-history) records nothing for synthetic rows; the status recompute that
ends the run also runs with history disabled. Synthetic agreements have slugs
``synthetic-000001``… so they never collide with real data and can be removed again with
:func:`synthetic_clear`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection, reset_queries, transaction
from django.test.utils import override_settings

from .choices import (
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
from .models import (
    Agreement,
    AgreementParty,
    Chapter,
    ChapterProgress,
    Party,
    ProgressNote,
    Round,
    StatusEvent,
    Venue,
)

SLUG_PREFIX = "synthetic-"

# Size of scale L; the other scales are fractions of it.
BASE_COUNTS = {"agreements": 1_000, "rounds": 20_000, "progress": 200_000, "notes": 500_000}
SCALES = {"L": 1.0, "M": 0.1, "S": 0.01, "XS": 0.002}  # XS: for tests only (2 agreements)

# Rounds are synthesised up to this date; later rounds and events are "planned". A fixed date
# (not today) keeps the output the same whatever day the command runs.
HORIZON = dt.date(2026, 6, 30)
EARLIEST = dt.date(1990, 1, 1)
MAX_CHAPTERS_PER_ROUND = 16
BATCH_SIZE = 2_000

# The ladder a chapter climbs over the rounds; PARKED is a side track.
PROGRESS_LADDER = [
    ProgressStatus.NOT_STARTED,
    ProgressStatus.TEXT_EXCHANGED,
    ProgressStatus.UNDER_NEGOTIATION,
    ProgressStatus.SUBSTANTIAL_PROGRESS,
    ProgressStatus.CONVERGENCE,
    ProgressStatus.CLOSED,
]

# Host cities for frequent negotiators; other countries host in their first subdivision.
CAPITALS = {
    "ARG": "Buenos Aires", "AUS": "Canberra", "BRA": "Brasília", "CAN": "Ottawa", "CHE": "Bern",
    "CHL": "Santiago", "CHN": "Beijing", "COL": "Bogotá", "CRI": "San José", "DEU": "Berlin",
    "ECU": "Quito", "EGY": "Cairo", "ESP": "Madrid", "FRA": "Paris", "GBR": "London",
    "IDN": "Jakarta", "IND": "New Delhi", "ISR": "Jerusalem", "ITA": "Rome", "JPN": "Tokyo",
    "KEN": "Nairobi", "KOR": "Seoul", "MAR": "Rabat", "MEX": "Mexico City", "MYS": "Kuala Lumpur",
    "NGA": "Abuja", "NOR": "Oslo", "NZL": "Wellington", "PAK": "Islamabad", "PER": "Lima",
    "PHL": "Manila", "PRY": "Asunción", "SAU": "Riyadh", "SGP": "Singapore", "THA": "Bangkok",
    "TUR": "Ankara", "URY": "Montevideo", "USA": "Washington, D.C.", "VNM": "Hanoi", "ZAF": "Pretoria",
}  # fmt: skip

# Phrase lists the notes are assembled from. Words such as "cumulation" and "de minimis" are
# rare enough for a selective full-text search in the benchmark.
_OPENERS = [
    "Negotiators from {a} and {b} met in {city} for the {chapter} group.",
    "The {chapter} negotiating group held {n} sessions over the week in {city}.",
    "Delegations reviewed the consolidated text on {chapter}.",
    "The chief negotiators took stock of {chapter} at the closing plenary.",
    "{a} tabled a revised proposal on {chapter} ahead of the round.",
    "Technical teams continued line-by-line work on the {chapter} text.",
    "Discussions on {chapter} resumed after the intersessional exchanges.",
]
_MIDDLES = [
    "{a} pressed for a shorter transition period, while {b} asked for safeguards on sensitive lines.",
    "{b} requested more time to consult domestic stakeholders and regional governments.",
    "Officials noted convergence on transparency obligations and contact points.",
    "The group agreed on the structure of the annexes and the schedule of commitments.",
    "Legal scrubbing of the agreed articles is expected to start once the text is stable.",
    "Several brackets remain in the consolidated text, mostly on definitions and scope.",
    "Both sides agreed to exchange revised proposals before the next round.",
    "Outstanding issues were referred to the chief negotiators.",
    "The parties reviewed the results of the intersessional work and updated the work plan.",
]
# Subject matter belongs to its chapter: "cumulation" is discussed under rules of origin, not
# under labour. A chapter's own sentences make search terms as selective as in real notes.
_CHAPTER_MIDDLES = {
    "ROO": [
        "Brackets on cumulation and the de minimis threshold remain open.",
        "Both sides agreed to exchange product-specific rules before the next round.",
        "Self-certification of origin by exporters found support on both sides.",
    ],
    "TIG": [
        "The parties narrowed their differences on tariff-rate quotas for dairy and sugar.",
        "Market access offers were exchanged, covering about {pct} per cent of tariff lines.",
        "{a} asked for longer staging categories for automotive parts.",
    ],
    "SVC": [
        "{b} signalled flexibility on services commitments in exchange for movement of natural persons.",
        "Negative-list scheduling of services commitments was discussed at length.",
    ],
    "MNP": ["Categories of business visitors and intra-corporate transferees were compared."],
    "IPR": ["The working group on geographical indications met separately on the second day."],
    "GI": ["The lists of geographical indications for wines and spirits were exchanged."],
    "SOE": ["Questions on the treatment of state-owned enterprises were referred to the chief negotiators."],
    "DIG": ["{a} circulated a non-paper on digital trade and cross-border data flows."],
    "DS": ["Negotiators discussed the dispute settlement panel procedures and the roster of panellists."],
    "CPTF": ["Customs experts compared advance ruling procedures and the release time for perishables."],
    "LAB": ["Labour provisions were discussed with reference to the parties' ILO commitments."],
    "ENV": ["Disciplines on fisheries subsidies and illegal logging were discussed."],
    "SPS": ["Regionalisation and pre-listing of establishments for meat exports were discussed."],
    "TBT": ["The parties discussed conformity assessment and labelling requirements."],
    "GPR": ["Thresholds for covered procurement entities were compared."],
    "CRM": ["Both sides discussed investment in processing of lithium and copper concentrates."],
    "INV": ["Investor-state dispute settlement remains the main open question."],
}
_CLOSERS = [
    "The next meeting is expected in {city} in the coming months.",
    "Both delegations described the atmosphere as constructive.",
    "Intersessional virtual meetings will continue to close the remaining gaps.",
    "Ministers are expected to review progress at their next meeting.",
    "No date was announced for the next round.",
    "Officials aim to conclude the chapter by the end of the year.",
]
_ROUND_SUMMARIES = [
    "The round covered {n} chapters, with progress reported on most of them.",
    "Delegations met in {city}; the chief negotiators reviewed the overall schedule.",
    "The parties exchanged revised offers and agreed on a work plan for the next round.",
]


@dataclass
class SyntheticCounts:
    """How many rows of each kind a run creates."""

    agreements: int
    rounds: int
    progress: int
    notes: int

    @classmethod
    def for_factor(cls, factor: float) -> SyntheticCounts:
        counts = {name: max(1, round(value * factor)) for name, value in BASE_COUNTS.items()}
        # Every agreement needs a round and every round a chapter and a note.
        counts["rounds"] = max(counts["rounds"], counts["agreements"])
        counts["progress"] = max(counts["progress"], counts["rounds"])
        counts["notes"] = max(counts["notes"], counts["rounds"])
        return cls(**counts)


@dataclass
class SyntheticReport:
    """What a run created, for the command's summary."""

    counts: dict[str, int] = field(default_factory=dict)
    parties_created: int = 0
    chapters_created: int = 0


def spread(rng: random.Random, total: int, n: int, *, low: float, high: float, cap: int | None = None) -> list[int]:
    """Split ``total`` into ``n`` positive integers that vary between about ``low`` and ``high``
    times the mean, never above ``cap``, and add up to exactly ``total``."""
    weights = [rng.uniform(low, high) for _ in range(n)]
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    parts = [max(1, int(x)) for x in raw]
    if cap is not None:
        parts = [min(cap, p) for p in parts]
    # Hand out (or take back) the difference one unit at a time, largest remainders first.
    order = sorted(range(n), key=lambda i: (raw[i] - int(raw[i]), -i), reverse=True)
    difference = total - sum(parts)
    step = 1 if difference > 0 else -1
    while difference:
        moved = False
        for i in order:
            if difference == 0:
                break
            new = parts[i] + step
            if new < 1 or (cap is not None and new > cap):
                continue
            parts[i] = new
            difference -= step
            moved = True
        if not moved:
            raise ValueError(f"cannot split {total} into {n} parts of at most {cap}")
    return parts


def _batched(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def countries_ensure() -> int:
    """Create a Party for every ISO 3166-1 country that is missing, as the seed data does
    (normally it has loaded them all already). Returns how many were created."""
    from .seeding import seed_countries

    return seed_countries()


def chapters_ensure() -> int:
    """Load the chapter catalog of the seed data when the database has no chapters yet."""
    if Chapter.objects.exists():
        return 0
    from .seeding import seed_chapters

    seed_chapters()
    return Chapter.objects.count()


def _host_city(party: Party) -> str:
    if party.code in CAPITALS:
        return CAPITALS[party.code]
    import pycountry

    subdivisions = sorted(pycountry.subdivisions.get(country_code=party.alpha_2) or [], key=lambda s: s.code)
    return subdivisions[0].name if subdivisions else party.name


def _venues_for(parties: list[Party]) -> dict[int, Venue]:
    """One venue (the host city, no named place) per country, reusing existing venues."""
    wanted = {party.pk: (party, _host_city(party)) for party in parties}
    Venue.objects.bulk_create(
        [Venue(city=city, country=party, place="") for party, city in wanted.values()], ignore_conflicts=True
    )
    by_key = {
        (venue.country_id, venue.city): venue
        for venue in Venue.objects.filter(country_id__in=wanted, place="").select_related("country")
    }
    return {pk: by_key[(pk, city)] for pk, (_party, city) in wanted.items()}


def _note_text(rng: random.Random, words: dict, chapter_code: str | None) -> str:
    """150–800 characters of negotiation prose, partly about the note's chapter."""
    target = rng.randint(150, 800)
    own = _CHAPTER_MIDDLES.get(chapter_code, [])
    sentences = [rng.choice(_OPENERS).format(**words)]
    length = len(sentences[0])
    for _attempt in range(60):  # bounded: the pools always hold more than 800 characters
        if length >= target:
            break
        if length > target * 0.75 and rng.random() < 0.5:
            pool = _CLOSERS
        else:
            pool = own if own and rng.random() < 0.4 else _MIDDLES
        sentence = rng.choice(pool).format(**words)
        if sentence in sentences:
            continue
        if length + 1 + len(sentence) > 800:
            if length >= 150:
                break
            continue
        sentences.append(sentence)
        length += 1 + len(sentence)
    return " ".join(sentences)


def _add_days(date: dt.date, days: int) -> dt.date:
    return date + dt.timedelta(days=days)


@dataclass
class _AgreementPlan:
    agreement: Agreement
    parties: list[Party]
    chapters: list[Chapter]
    round_count: int
    first_round: dt.date
    rounds: list[Round] = field(default_factory=list)


def synthetic_exists() -> bool:
    return Agreement.objects.filter(slug__startswith=SLUG_PREFIX).exists()


def synthetic_clear() -> int:
    """Delete every synthetic agreement and everything it owns. Returns agreements deleted.

    Plain SQL deletes, child tables first: the ORM's cascade would load every row to send
    delete signals and write an audit-trail row for each of the half a million notes.
    """
    agreement_ids = f"SELECT id FROM {Agreement._meta.db_table} WHERE slug LIKE %s"
    round_ids = f"SELECT id FROM {Round._meta.db_table} WHERE agreement_id IN ({agreement_ids})"
    pattern = SLUG_PREFIX + "%"
    with transaction.atomic(), connection.cursor() as cursor:
        for model, column, subquery in [
            (ProgressNote, "round_id", round_ids),
            (ChapterProgress, "round_id", round_ids),
            (Round, "agreement_id", agreement_ids),
            (StatusEvent, "agreement_id", agreement_ids),
            (AgreementParty, "agreement_id", agreement_ids),
        ]:
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {column} IN ({subquery})", [pattern])
        cursor.execute(f"DELETE FROM {Agreement._meta.db_table} WHERE slug LIKE %s", [pattern])
        return cursor.rowcount


def synthetic_generate(
    *, counts: SyntheticCounts, seed: int, log: Callable[[str], None] = lambda message: None
) -> SyntheticReport:
    """Create synthetic agreements with their timelines, rounds, chapter progress and notes.

    The same ``counts`` and ``seed`` give the same rows (ids and timestamps aside). Runs in
    one transaction: an interrupted run leaves nothing behind.
    """
    rng = random.Random(seed)
    report = SyntheticReport()
    with transaction.atomic():
        report.parties_created = countries_ensure()
        report.chapters_created = chapters_ensure()
        countries = list(Party.objects.filter(kind=PartyKind.COUNTRY).order_by("code"))
        catalog = list(Chapter.objects.filter(is_active=True).order_by("order", "code"))
        plans = _agreements_create(rng, counts, countries, catalog)
        log(f"  {len(plans)} agreements with their parties")
        report.counts["status_events"] = _timelines_and_rounds_create(rng, counts, plans)
        log(f"  {counts.rounds} rounds, {report.counts['status_events']} status events")
        _progress_and_notes_create(rng, counts, plans, log)
        # Derived status fields go through the one service that writes them; no audit rows.
        from .services import agreement_status_recompute

        with override_settings(SIMPLE_HISTORY_ENABLED=False):
            for plan in plans:
                agreement_status_recompute(agreement=plan.agreement)
    report.counts.update(
        agreements=len(plans), rounds=counts.rounds, chapter_progress=counts.progress, notes=counts.notes
    )
    return report


def _agreements_create(
    rng: random.Random, counts: SyntheticCounts, countries: list[Party], catalog: list[Chapter]
) -> list[_AgreementPlan]:
    round_counts = spread(rng, counts.rounds, counts.agreements, low=0.25, high=1.75)
    kinds = [AgreementKind.FTA] * 5 + [AgreementKind.CEPA] * 2 + [AgreementKind.PTA, AgreementKind.TRADE_AGREEMENT]
    frequent = [party for party in countries if party.code in CAPITALS]
    plans = []
    for index, round_count in enumerate(round_counts, start=1):
        party_count = 2 if rng.random() < 0.8 else rng.randint(3, 4)
        parties = []
        while len(parties) < party_count:
            # Mostly the frequent negotiators, sometimes any country of the ISO list.
            party = rng.choice(frequent if frequent and rng.random() < 0.7 else countries)
            if party not in parties:
                parties.append(party)
        kind = rng.choice(kinds)
        chapter_count = rng.randint(min(len(catalog), MAX_CHAPTERS_PER_ROUND), min(len(catalog), 30))
        chapters = sorted(rng.sample(catalog, chapter_count), key=lambda c: (c.order, c.code))
        # Span of the rounds (about 105 days apart), placed so most end before the horizon.
        span = round_count * 105
        latest_start = _add_days(HORIZON, -span + 200)
        earliest_start = max(EARLIEST, _add_days(latest_start, -365 * 15))
        first_round = _add_days(earliest_start, rng.randint(0, max(0, (latest_start - earliest_start).days)))
        names = "–".join(party.name for party in parties)
        codes = "–".join(party.code for party in parties)
        agreement = Agreement(
            slug=f"{SLUG_PREFIX}{index:06d}",
            name=f"{names} {AgreementKind(kind).label}",
            short_name=f"{codes} {kind.upper()}"[:100],
            kind=kind,
            summary=f"Synthetic negotiation between {names}, generated for scale tests.",
        )
        plans.append(_AgreementPlan(agreement, parties, chapters, round_count, first_round))
    for batch in _batched(plans, BATCH_SIZE):
        Agreement.objects.bulk_create([plan.agreement for plan in batch])
    AgreementParty.objects.bulk_create(
        [AgreementParty(agreement=plan.agreement, party=party) for plan in plans for party in plan.parties],
        batch_size=BATCH_SIZE,
    )
    return plans


def _timelines_and_rounds_create(rng: random.Random, counts: SyntheticCounts, plans: list[_AgreementPlan]) -> int:
    """Rounds alternating hosts, and a status timeline that follows them. Returns events made."""
    venues = _venues_for(sorted({party for plan in plans for party in plan.parties}, key=lambda p: p.code))
    events: list[StatusEvent] = []
    rounds: list[Round] = []
    for plan in plans:
        agreement = plan.agreement

        def event(status, date, precision=DatePrecision.DAY, note="", agreement=agreement):
            # Events after the horizon have not happened yet: they are planned.
            events.append(
                StatusEvent(
                    agreement=agreement,
                    status=status,
                    date=date,
                    date_precision=precision,
                    planned=date > HORIZON,
                    note=note,
                )
            )

        proposed = dt.date(plan.first_round.year - rng.randint(1, 3), 1, 1)
        event(AgreementStatus.PROPOSED, proposed, DatePrecision.YEAR, "Joint feasibility study announced.")
        # At least 35 days before the first round, so never on the first of its month.
        event(AgreementStatus.LAUNCHED, _add_days(plan.first_round, -rng.randint(35, 200)))
        event(AgreementStatus.UNDER_NEGOTIATION, plan.first_round.replace(day=1), DatePrecision.MONTH)
        pause_after = rng.randint(2, plan.round_count - 2) if plan.round_count >= 8 and rng.random() < 0.3 else None

        start = plan.first_round
        number = 0
        for position in range(plan.round_count):
            host = plan.parties[position % len(plan.parties)]  # hosts take turns
            virtual = rng.random() < 0.1
            special = position > 0 and rng.random() < 0.08
            if not special:
                number += 1
            status = RoundStatus.PLANNED if start > HORIZON else RoundStatus.HELD
            if status == RoundStatus.HELD and rng.random() < 0.02:
                status = RoundStatus.POSTPONED
            venue = None if virtual else venues[host.pk]
            held = status != RoundStatus.PLANNED
            rounds.append(
                Round(
                    agreement=agreement,
                    number=None if special else number,
                    kind=rng.choice([RoundKind.INTERSESSIONAL, RoundKind.CHIEF_NEGOTIATORS])
                    if special
                    else RoundKind.NUMBERED,
                    venue=venue,
                    format=RoundFormat.VIRTUAL if virtual else RoundFormat.IN_PERSON,
                    # A planned round is known to the month only.
                    start_date=start if held else start.replace(day=1),
                    end_date=_add_days(start, rng.randint(1, 4)) if held else None,
                    date_precision=DatePrecision.DAY if held else DatePrecision.MONTH,
                    status=status,
                    summary=rng.choice(_ROUND_SUMMARIES).format(
                        n=rng.randint(4, 16), city=venue.city if venue else "a video conference"
                    ),
                )
            )
            plan.rounds.append(rounds[-1])
            gap = rng.randint(60, 150)
            if position == pause_after:
                event(AgreementStatus.PAUSED, _add_days(start, 20), note="Talks stalled.")
                gap += rng.randint(200, 700)
                next_start = _add_days(start, gap)
                event(AgreementStatus.UNDER_NEGOTIATION, _add_days(next_start, -10), note="Talks resumed.")
            start = _add_days(start, gap)

        last_end = plan.rounds[-1].end_date or plan.rounds[-1].start_date
        fate = rng.random()
        if fate < 0.45:
            pass  # still negotiating
        elif fate < 0.9:
            concluded = _add_days(last_end, rng.randint(30, 120))
            event(AgreementStatus.CONCLUDED, concluded)
            if fate >= 0.55:
                signed = _add_days(concluded, rng.randint(60, 300))
                event(AgreementStatus.SIGNED, signed)
                if fate >= 0.65:
                    status = AgreementStatus.PARTLY_IN_FORCE if fate < 0.7 else AgreementStatus.IN_FORCE
                    event(status, _add_days(signed, rng.randint(180, 700)))
        else:
            paused = _add_days(last_end, rng.randint(30, 120))
            event(AgreementStatus.PAUSED, paused)
            ended = _add_days(paused, rng.randint(365, 1500)).replace(month=1, day=1)
            event(AgreementStatus.TERMINATED, ended, DatePrecision.YEAR)
    for batch in _batched(rounds, BATCH_SIZE):
        Round.objects.bulk_create(batch)
    StatusEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    return len(events)


def _progress_and_notes_create(
    rng: random.Random, counts: SyntheticCounts, plans: list[_AgreementPlan], log: Callable[[str], None]
) -> None:
    """Chapter progress rows whose statuses climb the ladder, and notes on every round."""
    all_rounds = [(plan, rnd) for plan in plans for rnd in plan.rounds]
    caps = [len(plan.chapters) for plan, _ in all_rounds]
    per_round_chapters = spread(
        rng, counts.progress, len(all_rounds), low=0.5, high=1.5, cap=min([MAX_CHAPTERS_PER_ROUND, *caps])
    )
    per_round_notes = spread(rng, counts.notes, len(all_rounds), low=0.4, high=1.6)

    progress_batch: list[ChapterProgress] = []
    note_batch: list[ProgressNote] = []
    written_notes, next_log = 0, 100_000
    state: dict[int, int] = {}  # chapter id -> ladder position (-1: parked) within one agreement
    current_plan = None
    for (plan, rnd), chapter_count, note_count in zip(all_rounds, per_round_chapters, per_round_notes, strict=True):
        if plan is not current_plan:
            current_plan, state = plan, {}
        chapters = sorted(rng.sample(plan.chapters, chapter_count), key=lambda c: (c.order, c.code))
        for chapter in chapters:
            position = state.get(chapter.pk)
            if position is None:
                position = rng.choice([0, 0, 1])
            elif position == -1:
                position = 2 if rng.random() < 0.5 else -1  # back from the side track, or still parked
            elif position < len(PROGRESS_LADDER) - 1:
                roll = rng.random()
                if roll < 0.03:
                    position = -1
                elif roll < 0.4:
                    position += 1
            state[chapter.pk] = position
            status = ProgressStatus.PARKED if position == -1 else PROGRESS_LADDER[position]
            progress_batch.append(ChapterProgress(round=rnd, chapter=chapter, status=status))
        host = rnd.venue.city if rnd.venue else "a video conference"
        a, b = rng.sample(plan.parties, 2)
        for _ in range(note_count):
            chapter = rng.choice(chapters) if rng.random() < 0.8 else None
            words = {
                "a": a.name,
                "b": b.name,
                "city": host,
                "chapter": chapter.name.lower() if chapter else "the overall negotiation",
                "n": rng.randint(2, 9),
                "pct": rng.randint(60, 98),
            }
            visibility = Visibility.CONFIDENTIAL if rng.random() < 0.15 else Visibility.PUBLIC
            text = _note_text(rng, words, chapter.code if chapter else None)
            note_batch.append(ProgressNote(round=rnd, chapter=chapter, text=text, visibility=visibility))
        if len(progress_batch) >= BATCH_SIZE:
            ChapterProgress.objects.bulk_create(progress_batch)
            progress_batch = []
        if len(note_batch) >= BATCH_SIZE:
            ProgressNote.objects.bulk_create(note_batch)
            written_notes += len(note_batch)
            note_batch = []
            # With DEBUG on, Django keeps every SQL statement; these are a megabyte each.
            reset_queries()
            if written_notes >= next_log:
                log(f"  {written_notes} notes…")
                next_log += 100_000
    ChapterProgress.objects.bulk_create(progress_batch)
    ProgressNote.objects.bulk_create(note_batch)
