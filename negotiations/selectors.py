"""Careful reads for the public site: timelines, the chapter × round matrix, round and chapter
pages, the home page. Every function runs a fixed number of queries, whatever the data size.

Notes are always read through ``permissions.notes_visible_to`` so that anonymous readers get
public notes only, and assigned officials also see their agreements' confidential ones.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import data_version
from .choices import (
    AGREEMENT_STAGE_LABELS,
    AGREEMENT_STATUS_COLOUR,
    AGREEMENT_STATUS_STAGE,
    AGREEMENT_STATUSES_UNDER_WAY,
    ROUND_STATUS_COLOUR,
    AgreementStatus,
    ProgressStatus,
    RoundFormat,
    RoundsCoverage,
    RoundStatus,
    Visibility,
    label_of,
    progress_style,
)
from .dates import period_end
from .history import last_changed
from .models import (
    Agreement,
    AgreementParty,
    AgreementSource,
    Chapter,
    ChapterProgress,
    Party,
    ProgressNote,
    Round,
    RoundSource,
    Source,
    StatusEvent,
    StatusEventSource,
)
from .permissions import notes_visible_to
from .queries import per_agreement, starts_on_or_after_q
from .timeline import TimelineEntry, event_order_key, timeline_chart

# --- Querysets for the lists (the FilterSets filter them) ---------------------------------


def agreement_list_queryset() -> QuerySet:
    """Agreements with their parties and round counts, ready for the list and its exports."""
    return (
        Agreement.objects.select_related("predecessor")
        .prefetch_related(
            Prefetch(
                "agreement_parties", queryset=AgreementParty.objects.select_related("party").order_by("party__name")
            )
        )
        .annotate(round_count=rounds_count())
    )


def rounds_count() -> Coalesce:
    """An agreement's number of rounds as a correlated subquery: counted for the rows shown,
    without grouping (and counting the rounds of) every agreement the filters match."""
    return Coalesce(per_agreement(Round.objects.all(), Count("pk")), 0)


def round_list_queryset() -> QuerySet:
    """Rounds with agreement, venue and host country; the page adds their chapters
    (``attach_chapter_chips``)."""
    return Round.objects.select_related("agreement", "venue__country")


@dataclass
class ChapterChip:
    """A chapter discussed at a round, as the rounds list shows it: its code, coloured by its
    status, linking to the chapter's section of the round page."""

    code: str
    url: str
    style: str
    title: str  # "Rules of Origin: Text exchanged"


def attach_chapter_chips(rounds: Iterable[Round], *, catalog: Iterable[Chapter] | None = None) -> None:
    """Give each round ``chapter_chips``, its chapters in catalog order (two queries,
    ``progress_rows``; one when the page has the whole ``catalog`` in hand). The round's link
    and each status's label and colours are worked out once, not once per chip in the template."""
    rounds = list(rounds)
    progress = ChapterProgress.objects.filter(round_id__in=[item.pk for item in rounds])
    rows, chapters = progress_rows(progress, catalog=catalog)
    by_round: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for round_id, chapter_id, status in rows:
        by_round[round_id].append((chapter_id, status))
    names = {pk: str(chapter.name) for pk, chapter in chapters.items()}
    shown = progress_status_display()
    for item in rounds:
        url = item.get_absolute_url()
        chips = []
        for chapter_id, status in by_round.get(item.pk, ()):
            code = chapters[chapter_id].code
            label, style = shown.get(status) or (status, progress_style(status))
            chips.append(
                ChapterChip(code=code, url=f"{url}#chapter-{code}", style=style, title=f"{names[chapter_id]}: {label}")
            )
        item.chapter_chips = chips


def progress_rows(
    progress: QuerySet, *, catalog: Iterable[Chapter] | None = None
) -> tuple[list[tuple[int, int, str]], dict[int, Chapter]]:
    """Chapter-progress rows as plain (round id, chapter id, status) in catalog order, and each
    of their chapters once (two queries; one with the whole ``catalog`` already read): a page
    reads hundreds of these rows but a dozen chapters, and a model instance per row (and a
    chapter per row) cost more than the rest of building the page."""
    rows = list(progress.order_by("chapter__order", "chapter__code").values_list("round_id", "chapter_id", "status"))
    if catalog is not None:
        return rows, {chapter.pk: chapter for chapter in catalog}
    return rows, Chapter.objects.in_bulk({chapter_id for _round_id, chapter_id, _status in rows})


def progress_prefetch() -> Prefetch:
    """The chapters discussed at each round, in catalog order (one query per page)."""
    return Prefetch(
        "progress",
        queryset=ChapterProgress.objects.select_related("chapter").order_by("chapter__order", "chapter__code"),
    )


# --- Round ordering -----------------------------------------------------------------------


def rounds_in_order(rounds: Iterable[Round]) -> list[Round]:
    """Rounds oldest first; an undated numbered round (e.g. "8th, date not found") goes after the
    last round with a smaller number, undated unnumbered meetings go last."""
    rounds = list(rounds)
    dated = sorted((r for r in rounds if r.start_date), key=lambda r: (r.start_date, r.number or 0, r.pk))
    undated = sorted((r for r in rounds if not r.start_date), key=lambda r: (r.number is None, r.number or 0, r.pk))
    ordered = list(dated)
    for item in undated:
        position = len(ordered)
        if item.number is not None:
            position = 0
            for index, other in enumerate(ordered):
                if other.number is not None and other.number < item.number:
                    position = index + 1
        ordered.insert(position, item)
    return ordered


# --- Timeline -----------------------------------------------------------------------------


def agreement_timeline(*, agreement: Agreement) -> list[TimelineEntry]:
    """Status events and rounds on one dated axis, newest first (an event known to the year or
    month placed at its period's end, see ``timeline.event_order_key``; same-day events in
    reverse ``sequence``); an undated round stands next to its neighbours by number
    (``undated_round_anchors``). Three queries."""
    events = StatusEvent.objects.filter(agreement=agreement).prefetch_related(
        Prefetch("citations", queryset=StatusEventSource.objects.select_related("source"))
    )
    rounds = rounds_in_order(Round.objects.filter(agreement=agreement).select_related("venue__country"))
    entries = []
    for event in events:
        status_label = str(label_of(AgreementStatus, event.status))  # get_status_display() translates them all
        entries.append(
            TimelineEntry(
                kind="status",
                date=event.date,
                end=None,
                precision=event.date_precision,
                planned=event.planned,
                label=status_label,
                date_display=event.date_display,
                colour=event.colour,
                note=event.note,
                status_label=status_label,
                obj=event,
                sources=list(event.citations.all()),
                order=(event_order_key(event)[0], 1, *event_order_key(event)[1:]),
            )
        )
    anchors = undated_round_anchors(rounds)
    for position, item in enumerate(rounds):
        planned = item.status != RoundStatus.HELD
        entries.append(
            TimelineEntry(
                kind="round",
                date=item.start_date,
                end=item.end_date,
                precision=item.date_precision,
                planned=planned,
                label=str(item.label),
                date_display=item.dates_display,
                colour=ROUND_STATUS_COLOUR.get(item.shown_status, "#5f6b7a"),
                url=item.get_absolute_url(),
                note=item.dates_note,
                status_label=item.shown_status_label,
                place=venue_display(item),
                obj=item,
                order=(item.start_date or anchors[position], 0, position, item.pk),
            )
        )
    placed = sorted((e for e in entries if e.order[0]), key=lambda e: e.order, reverse=True)
    unplaced = [e for e in entries if not e.order[0]]
    return placed + unplaced


def undated_round_anchors(rounds: list[Round]) -> list:
    """For each round in ``rounds_in_order`` order, the date that places it on the timeline: its
    own start, or for an undated round the last day of the previous dated round (the next one's
    start when none comes before), so "Round 8, date unknown" stands between rounds 7 and 9,
    after what happened during round 7, not below everything."""
    anchors, last = [], None
    for item in rounds:
        if item.start_date:
            last = period_end(item.end_date or item.start_date, item.date_precision)
        anchors.append(item.start_date or last)
    following = None
    for index in range(len(rounds) - 1, -1, -1):
        following = rounds[index].start_date or following
        anchors[index] = anchors[index] or following
    return anchors


def venue_display(item: Round) -> str:
    if item.venue_id:
        return str(item.venue)
    if item.format == RoundFormat.VIRTUAL:
        return str(_("Virtual"))
    return ""


# --- Chapter × round matrix ---------------------------------------------------------------


def progress_status_display() -> dict[str, tuple[str, str]]:
    """Each chapter-progress status's (label, inline colours) in the active language: worked
    out once per page, not once per cell or chip."""
    return {value: (str(label), progress_style(value)) for value, label in ProgressStatus.choices}


@dataclass
class MatrixCell:
    """One chapter at one round, with what its table cell shows worked out once per page (the
    round's link and label per column, the status's label and colours per status) rather than
    per cell in the template: a matrix has hundreds of cells."""

    status: str
    round: Round
    label: str  # the status, e.g. "Text exchanged"
    style: str  # inline colours (choices.progress_style)
    url: str  # the round page at this chapter's section
    description: str  # "Rules of Origin, Round 3: Text exchanged", for screen readers


@dataclass
class Matrix:
    """Rows are chapters (catalog order), columns are the agreement's rounds in order."""

    rounds: list
    rows: list  # [(chapter, [MatrixCell | None, …])]
    skipped: list = field(default_factory=list)  # rounds without any chapter recorded


def agreement_matrix(*, agreement: Agreement, rounds: list[Round] | None = None) -> Matrix:
    """The chapter × round progress matrix: one query for the progress rows and one for their
    chapters (plus one for the rounds unless the caller passes them, in order)."""
    if rounds is None:
        rounds = rounds_in_order(Round.objects.filter(agreement=agreement).select_related("venue__country"))
    progress, chapters = progress_rows(ChapterProgress.objects.filter(round__agreement=agreement))
    # Rounds with no chapter recorded would be empty columns: they are listed apart instead.
    with_progress = {round_id for round_id, _chapter_id, _status in progress}
    skipped = [r for r in rounds if r.pk not in with_progress]
    rounds = [r for r in rounds if r.pk in with_progress]
    column = {r.pk: index for index, r in enumerate(rounds)}
    round_urls = [r.get_absolute_url() for r in rounds]
    round_labels = [str(r.label) for r in rounds]
    status_shown = progress_status_display()
    rows: dict[int, tuple[Chapter, str, list]] = {}
    for round_id, chapter_id, status in progress:
        if round_id not in column:
            continue
        index = column[round_id]
        if chapter_id not in rows:
            chapter = chapters[chapter_id]
            rows[chapter_id] = (chapter, str(chapter.name), [None] * len(rounds))
        chapter, chapter_name, cells = rows[chapter_id]
        label, style = status_shown.get(status) or (status, progress_style(status))
        cells[index] = MatrixCell(
            status=status,
            round=rounds[index],
            label=label,
            style=style,
            url=f"{round_urls[index]}#chapter-{chapter.code}",
            description=f"{chapter_name}, {round_labels[index]}: {label}",
        )
    ordered = sorted(
        ((chapter, cells) for chapter, _name, cells in rows.values()), key=lambda row: (row[0].order, row[0].code)
    )
    return Matrix(rounds=rounds, rows=ordered, skipped=skipped)


# --- Agreement page -----------------------------------------------------------------------


def agreement_detail_queryset() -> QuerySet:
    return Agreement.objects.select_related("predecessor").prefetch_related(
        Prefetch("agreement_parties", queryset=AgreementParty.objects.select_related("party").order_by("party__name")),
        Prefetch("successors", queryset=Agreement.objects.order_by("name")),
        Prefetch("citations", queryset=AgreementSource.objects.select_related("source")),
    )


@dataclass
class StageMeter:
    current: int
    stages: list  # [{"number", "label", "reached", "current"}]
    ended: bool


def stage_meter(status: str) -> StageMeter:
    """The lifecycle meter (statuses.md): stages 1–6, with 7 shown as "ended" when reached."""
    current = AGREEMENT_STATUS_STAGE.get(status, 0)
    stages = [
        {"number": number, "label": label, "reached": number <= current, "current": number == current}
        for number, label in AGREEMENT_STAGE_LABELS.items()
    ]
    return StageMeter(current=current, stages=stages, ended=current == 7)


@dataclass
class AgreementSummary:
    """The agreement page's header line: where the talks stand at a glance."""

    latest_round: Round | None
    next_round: Round | None
    last_changed: object  # datetime of the latest change in the audit trail, or None
    chapters_by_status: list  # [(status, label, count)] in workflow order, of each chapter's latest status


def agreement_summary(*, agreement: Agreement, rounds: list[Round], matrix: Matrix) -> AgreementSummary:
    """From rows the page already loaded (rounds in order, the matrix), plus one query for the
    audit trail's latest change."""
    held = [r for r in rounds if r.status == RoundStatus.HELD and r.start_date]
    upcoming = [r for r in rounds if r.status == RoundStatus.PLANNED and r.start_date and not r.is_overdue]
    latest_status: dict[str, int] = {}
    for _chapter, cells in matrix.rows:
        latest = next((cell for cell in reversed(cells) if cell), None)
        if latest:
            latest_status[latest.status] = latest_status.get(latest.status, 0) + 1
    return AgreementSummary(
        latest_round=held[-1] if held else None,
        next_round=upcoming[0] if upcoming else None,
        last_changed=last_changed(agreement),
        chapters_by_status=[
            (value, label, latest_status[value]) for value, label in ProgressStatus.choices if value in latest_status
        ],
    )


def agreement_page(*, agreement: Agreement) -> dict:
    """Everything the agreement page shows except notes: timeline, chart, rounds, matrix, sources."""
    timeline = agreement_timeline(agreement=agreement)
    rounds = [e.obj for e in timeline if e.is_round]
    rounds = rounds_in_order(rounds)
    round_sources = RoundSource.objects.filter(round__agreement=agreement).select_related("source", "round")
    # One source often backs several events: list it once.
    status_sources = list({c.source_id: c for e in reversed(timeline) if e.is_status for c in e.sources}.values())
    matrix = agreement_matrix(agreement=agreement, rounds=rounds)
    return {
        "timeline": timeline,
        "chart": timeline_chart(timeline),
        "rounds": rounds,
        "matrix": matrix,
        "summary": agreement_summary(agreement=agreement, rounds=rounds, matrix=matrix),
        "meter": stage_meter(agreement.current_status),
        "round_sources": list(round_sources),
        "status_sources": status_sources,
        "status_colour": AGREEMENT_STATUS_COLOUR.get(agreement.current_status, "#5f6b7a"),
    }


# --- Round page ---------------------------------------------------------------------------


def round_detail_queryset() -> QuerySet:
    return Round.objects.select_related("agreement", "venue__country").prefetch_related(
        Prefetch("citations", queryset=RoundSource.objects.select_related("source")),
        progress_prefetch(),
    )


def round_page(*, round_obj: Round, user) -> dict:
    """Chapters with their status and notes, general notes, previous and next round."""
    notes = notes_visible_to(user, ProgressNote.objects.filter(round=round_obj)).select_related("chapter", "source")
    by_chapter: dict[int | None, list] = {}
    for item in notes:
        item.round = round_obj  # the note's date may be its round's: no query per note
        by_chapter.setdefault(item.chapter_id, []).append(item)
    progress = list(round_obj.progress.all())
    chapters = [{"progress": p, "chapter": p.chapter, "notes": by_chapter.pop(p.chapter_id, [])} for p in progress]
    general = by_chapter.pop(None, [])
    # Notes on a chapter that has no progress row at this round still get their own section.
    extra = [{"progress": None, "chapter": items[0].chapter, "notes": items} for items in by_chapter.values()]
    siblings = rounds_in_order(
        Round.objects.filter(agreement_id=round_obj.agreement_id).only(
            "pk", "number", "title", "kind", "start_date", "end_date", "date_precision", "agreement_id"
        )
    )
    index = next(i for i, r in enumerate(siblings) if r.pk == round_obj.pk)
    return {
        "chapters": chapters + sorted(extra, key=lambda c: (c["chapter"].order, c["chapter"].code)),
        "general_notes": general,
        "previous": siblings[index - 1] if index > 0 else None,
        "next": siblings[index + 1] if index + 1 < len(siblings) else None,
        "position": index + 1,
        "count": len(siblings),
    }


# --- Chapter pages ------------------------------------------------------------------------


def chapter_list() -> QuerySet:
    """The chapter catalog; ``attach_chapter_stats`` adds how many rounds and agreements
    discussed each chapter to the rows shown."""
    return Chapter.objects.all()


def _cached_by_version(name: str, compute):
    """``compute()``, kept in the shared cache until the next write to the record."""
    if settings.STATS_CACHE_SECONDS <= 0:
        return compute()
    key = f"{name}:v{data_version.current().number}"
    return cache.get_or_set(key, compute, settings.STATS_CACHE_SECONDS)


def chapter_stats() -> dict[int, tuple[int, int]]:
    """Chapter id → (rounds, agreements) that discussed it.

    An aggregate over every chapter-progress row, so it is cached under the data version: the
    next write replaces it. Counted in two steps, rows per (chapter, agreement) first: a
    ``COUNT(DISTINCT agreement)`` sorts every row, four times slower (110 ms against 390 ms
    on PostgreSQL at 200,000 rows).
    """

    def compute() -> dict[int, tuple[int, int]]:
        quote = connection.ops.quote_name
        progress, rounds = quote(ChapterProgress._meta.db_table), quote(Round._meta.db_table)
        chapter = quote(ChapterProgress._meta.get_field("chapter").column)
        round_ = quote(ChapterProgress._meta.get_field("round").column)
        agreement = quote(Round._meta.get_field("agreement").column)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT chapter, SUM(n), COUNT(*) FROM ("
                f" SELECT p.{chapter} AS chapter, r.{agreement} AS agreement, COUNT(*) AS n"
                f" FROM {progress} p JOIN {rounds} r ON r.{quote(Round._meta.pk.column)} = p.{round_}"
                f" GROUP BY p.{chapter}, r.{agreement}"
                ") pairs GROUP BY chapter"
            )
            return {chapter_id: (int(n), agreements) for chapter_id, n, agreements in cursor.fetchall()}

    return _cached_by_version("negotiations:chapter-stats", compute)


def attach_chapter_stats(chapters: Iterable[Chapter]) -> None:
    """Give each chapter ``round_count`` and ``agreement_count`` (one cached aggregate)."""
    stats = chapter_stats()
    for chapter in chapters:
        chapter.round_count, chapter.agreement_count = stats.get(chapter.pk, (0, 0))


NEWEST_FIRST = [F("start_date").desc(nulls_last=True), F("number").desc(), F("id").desc()]
WALK_CHUNK = 200  # rounds read at a time when walking them newest first
CHAPTER_STEPS_SHOWN = 8  # the latest rounds of one negotiation on a chapter's page
# What a step shows and orders by (its label and dates): the rest of the round is not read.
STEP_ROUND_FIELDS = ["agreement_id", "number", "kind", "title", "start_date", "end_date", "date_precision"]


@dataclass
class WalkPage:
    """One page of a list read without counting it all: the items, the page number and
    whether a next page exists (what the previous/next links need)."""

    items: list
    number: int
    has_next: bool

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def chapter_agreements(*, chapter: Chapter, page: int = 1, per_page: int = 20) -> WalkPage:
    """One page of the agreements that discussed ``chapter``, latest discussion first.

    Walks the chapter's rounds newest first (the ``round_newest_first`` index) and collects
    distinct agreements until the page is full, so the first page reads a few dozen index
    entries however many agreements discussed the chapter. It does not count them all (that
    would read every round of the chapter), hence a WalkPage rather than a Paginator page.
    Agreements whose rounds on the chapter are all undated come last.
    """
    rounds = Round.objects.filter(pk__in=ChapterProgress.objects.filter(chapter=chapter).values("round")).order_by(
        *NEWEST_FIRST
    )
    needed = page * per_page + 1  # one more than this page tells whether there is a next one
    wanted: dict[int, None] = {}  # agreement ids in order of first appearance
    offset, chunk = 0, WALK_CHUNK
    while len(wanted) < needed:
        ids = list(rounds.values_list("agreement_id", flat=True)[offset : offset + chunk])
        wanted.update(dict.fromkeys(ids))
        if len(ids) < chunk:
            break
        offset, chunk = offset + chunk, chunk * 4  # deep pages: fewer, larger reads
    ordered = list(wanted)
    page_ids = ordered[(page - 1) * per_page : page * per_page]
    found = Agreement.objects.in_bulk(page_ids)
    return WalkPage([found[pk] for pk in page_ids], page, has_next=len(ordered) > page * per_page)


def chapter_negotiations(*, chapter: Chapter, agreements: Iterable[Agreement]) -> list[dict]:
    """For each of ``agreements`` (one page of them): the chapter's status at its latest
    rounds (the chapter's own timeline in that negotiation, at most CHAPTER_STEPS_SHOWN
    steps, with how many earlier ones are not shown) and the latest status. One query."""
    agreements = list(agreements)
    progress = (
        ChapterProgress.objects.filter(chapter=chapter, round__agreement__in=[a.pk for a in agreements])
        .select_related("round")
        .only("status", "round_id", "chapter_id", *(f"round__{name}" for name in STEP_ROUND_FIELDS))
        .order_by()  # ordered below, by rounds_in_order
    )
    steps: dict[int, list] = {a.pk: [] for a in agreements}
    by_pk = {a.pk: a for a in agreements}
    for item in progress:
        item.round.agreement = by_pk[item.round.agreement_id]  # no query per step
        steps[item.round.agreement_id].append(item)
    result = []
    for agreement in agreements:
        order = {r.pk: i for i, r in enumerate(rounds_in_order(p.round for p in steps[agreement.pk]))}
        ordered = sorted(steps[agreement.pk], key=lambda p: order[p.round_id])
        shown = ordered[-CHAPTER_STEPS_SHOWN:]
        result.append(
            {
                "agreement": agreement,
                "steps": shown,
                "earlier": len(ordered) - len(shown),
                "count": len(ordered),
                "latest": ordered[-1] if ordered else None,
            }
        )
    return result


def chapter_notes(*, chapter: Chapter, user) -> QuerySet:
    """The notes on ``chapter`` that ``user`` may read, newest round first."""
    return (
        notes_visible_to(user, ProgressNote.objects.filter(chapter=chapter))
        .select_related("round__agreement", "source")
        .order_by(F("round__start_date").desc(nulls_last=True), "-created_at", "-id")
    )


# --- Home ---------------------------------------------------------------------------------


HOME_NEGOTIATIONS = 12  # the home page's list of negotiations under way; the rest are a link away


def home_counts() -> dict[str, int]:
    """What the tracker holds. Counting 500,000 notes takes tens of milliseconds, so the
    figures are cached under the data version like the chapter statistics."""

    def compute() -> dict[str, int]:
        return {
            "agreements": Agreement.objects.count(),
            "rounds": Round.objects.count(),
            # EXISTS per chapter and party: an index probe each, not a join over every row.
            "chapters": Chapter.objects.filter(Exists(ChapterProgress.objects.filter(chapter=OuterRef("pk")))).count(),
            "parties": Party.objects.filter(Exists(AgreementParty.objects.filter(party=OuterRef("pk")))).count(),
            "sources": Source.objects.count(),
            "notes": ProgressNote.objects.filter(visibility=Visibility.PUBLIC).count(),
        }

    return _cached_by_version("negotiations:home-counts", compute)


def home_page() -> dict:
    """What the tracker holds, recent and upcoming rounds, the latest negotiations under way."""
    today = timezone.localdate()
    base = round_list_queryset()
    upcoming = base.filter(Q(status=RoundStatus.PLANNED) & starts_on_or_after_q(today)).order_by("start_date", "pk")[:6]
    recent = base.filter(status=RoundStatus.HELD, start_date__lte=today).order_by("-start_date", "-pk")[:6]
    negotiating = (
        agreement_list_queryset()
        .filter(current_status__in=AGREEMENT_STATUSES_UNDER_WAY)
        .order_by(F("status_date").desc(nulls_last=True), "name")
    )
    shown = list(negotiating[:HOME_NEGOTIATIONS])
    return {
        "counts": home_counts(),
        "upcoming": list(upcoming),
        "recent": list(recent),
        "negotiating": shown,
        "negotiating_total": len(shown) if len(shown) < HOME_NEGOTIATIONS else negotiating.count(),
        "negotiating_query": "&".join(f"status={status}" for status in AGREEMENT_STATUSES_UNDER_WAY),
    }


# --- Coverage -----------------------------------------------------------------------------


def coverage_agreements_queryset() -> QuerySet:
    """Every agreement with its parties, its number of rounds (held and planned) and the span of
    their dates, for the coverage page (paginated; two queries per page)."""
    held = Round.objects.filter(status=RoundStatus.HELD)
    return (
        Agreement.objects.annotate(
            held_count=Coalesce(per_agreement(held, Count("pk")), 0),
            planned_count=Coalesce(per_agreement(Round.objects.filter(status=RoundStatus.PLANNED), Count("pk")), 0),
            first_round=per_agreement(held.filter(start_date__isnull=False), Min("start_date")),
            last_round=per_agreement(held.filter(start_date__isnull=False), Max("start_date")),
        )
        .prefetch_related(
            Prefetch(
                "agreement_parties", queryset=AgreementParty.objects.select_related("party").order_by("party__code")
            )
        )
        .order_by("name", "pk")
    )


def coverage_summary() -> dict:
    """What the tracker holds, in totals and per party (one row per party to any agreement).
    A fixed number of queries: the per-party figures are one grouped query."""
    with_agreements = Exists(AgreementParty.objects.filter(party=OuterRef("pk")))
    by_coverage = {
        value: Count(
            "party_agreements__agreement", filter=Q(party_agreements__agreement__rounds_coverage=value), distinct=True
        )
        for value in RoundsCoverage.values
    }
    parties = (
        Party.objects.filter(with_agreements)
        .annotate(
            agreement_count=Count("party_agreements__agreement", distinct=True),
            round_count=Count("party_agreements__agreement__rounds", distinct=True),
            **{f"coverage_{value}": aggregate for value, aggregate in by_coverage.items()},
        )
        .order_by("-agreement_count", "name")
    )
    rows = []
    for party in parties:
        counted = sum(getattr(party, f"coverage_{value}") for value in RoundsCoverage.values)
        rows.append(
            {
                "party": party,
                "agreements": party.agreement_count,
                "rounds": party.round_count,
                "coverage": [(label, getattr(party, f"coverage_{value}")) for value, label in RoundsCoverage.choices],
                "not_assessed": party.agreement_count - counted,
            }
        )
    sources = Source.objects.aggregate(total=Count("pk"), linked=Count("pk", filter=~Q(url="")))
    totals = {
        "agreements": Agreement.objects.count(),
        "rounds": Round.objects.count(),
        "events": StatusEvent.objects.count(),
        "chapter_rows": ChapterProgress.objects.count(),
        "sources": sources["total"],
        "linked_sources": sources["linked"],
    }
    return {"totals": totals, "party_rows": rows, "coverage_labels": RoundsCoverage.choices}


def party_overview(party, *, rounds_shown: int = 5) -> dict:
    """What a party's page shows (five queries): its negotiations (directly, or through a bloc
    it belongs to only when that bloc is itself the party), next and recent rounds, chapters
    discussed across them with how many negotiations, and its blocs with dates."""
    from .models import Agreement, BlocMembership, Chapter

    today = timezone.localdate()
    ids = Agreement.objects.filter(agreement_parties__party=party).values("pk")
    agreements = list(Agreement.objects.filter(pk__in=ids).order_by("name"))
    rounds = Round.objects.filter(agreement__in=ids).select_related("agreement", "venue__country")
    upcoming = list(
        rounds.filter(Q(status=RoundStatus.PLANNED) & starts_on_or_after_q(today)).order_by("start_date", "pk")[
            :rounds_shown
        ]
    )
    recent = list(
        rounds.filter(status=RoundStatus.HELD, start_date__lte=today).order_by("-start_date", "-pk")[:rounds_shown]
    )
    chapters = list(
        Chapter.objects.filter(progress__round__agreement__in=ids)
        .annotate(negotiations=Count("progress__round__agreement", distinct=True))
        .order_by("order", "code")
    )
    blocs = list(BlocMembership.objects.filter(member=party).select_related("bloc").order_by("joined_on"))
    return {"agreements": agreements, "upcoming": upcoming, "recent": recent, "chapters": chapters, "blocs": blocs}
