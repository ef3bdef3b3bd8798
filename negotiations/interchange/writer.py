"""Writing records as interchange files (CSV or JSON), and the tracker's one CSV writer.

:func:`csv_pieces` is the only place that turns rows into CSV text: the interchange files, the
site's list exports and the API's CSV all go through it.
"""

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, QuerySet

from ..choices import Visibility
from ..dates import format_partial_date_iso
from ..models import (
    Agreement,
    AgreementParty,
    AgreementSource,
    ChapterProgress,
    ProgressNote,
    Round,
    RoundSource,
    StatusEvent,
    StatusEventSource,
)
from ..permissions import notes_visible_to
from .columns import AGREEMENTS, CHAPTER_PROGRESS, LIST_SEPARATOR, ROUNDS, STATUS_EVENTS, file_columns
from .spreadsheet import neutralise_cell

BATCH_ROWS = 500  # rows written out as one piece of a response or file


def _urls(citations) -> str:
    return LIST_SEPARATOR.join(c.source.url for c in citations if c.source.url)


def agreement_export_queryset() -> QuerySet:
    return Agreement.objects.select_related("predecessor").prefetch_related(
        Prefetch("agreement_parties", queryset=AgreementParty.objects.select_related("party").order_by("party__code")),
        Prefetch("citations", queryset=AgreementSource.objects.select_related("source").order_by("pk")),
    )


def status_event_export_queryset() -> QuerySet:
    return StatusEvent.objects.select_related("agreement").prefetch_related(
        Prefetch("citations", queryset=StatusEventSource.objects.select_related("source").order_by("pk"))
    )


def round_export_queryset() -> QuerySet:
    return Round.objects.select_related("agreement", "venue__country").prefetch_related(
        Prefetch("citations", queryset=RoundSource.objects.select_related("source").order_by("pk"))
    )


def chapter_progress_export_queryset() -> QuerySet:
    return ChapterProgress.objects.select_related("round__agreement", "chapter")


def _round_ref(round_obj: Round) -> str:
    return str(round_obj.number) if round_obj.number else round_obj.title


def export_agreement(a: Agreement) -> list[str]:
    return [
        a.slug,
        a.name,
        a.short_name,
        a.kind,
        LIST_SEPARATOR.join(link.party.code for link in a.agreement_parties.all()),
        a.summary,
        _urls(a.citations.all()),
        a.predecessor.slug if a.predecessor else "",
        a.predecessor_relation,
    ]


def export_status_event(e: StatusEvent) -> list[str]:
    return [
        e.agreement.slug,
        e.status,
        format_partial_date_iso(e.date, e.date_precision),
        "true" if e.planned else "false",
        e.note,
        _urls(e.citations.all()),
    ]


def export_round(r: Round) -> list[str]:
    venue = r.venue
    return [
        r.agreement.slug,
        "" if r.number is None else str(r.number),
        r.kind,
        r.title,
        venue.city if venue else "",
        venue.country.code if venue else "",
        r.format,
        format_partial_date_iso(r.start_date, r.date_precision),
        format_partial_date_iso(r.end_date, r.date_precision),
        r.status,
        r.summary,
        _urls(r.citations.all()),
        venue.place if venue else "",
        r.venue_note,
        r.dates_note,
        r.chief_negotiators,
    ]


def export_chapter_progress(p: ChapterProgress) -> list[str]:
    return [p.round.agreement.slug, _round_ref(p.round), p.chapter.code, p.status, p.note, Visibility.PUBLIC.value, ""]


EXPORTERS = {
    AGREEMENTS: (agreement_export_queryset, export_agreement, ["slug"]),
    STATUS_EVENTS: (status_event_export_queryset, export_status_event, ["agreement__slug", "date", "sequence", "pk"]),
    ROUNDS: (round_export_queryset, export_round, ["agreement__slug", "start_date", "number", "pk"]),
    CHAPTER_PROGRESS: (
        chapter_progress_export_queryset,
        export_chapter_progress,
        ["round__agreement__slug", "round__start_date", "round__number", "round_id", "chapter__order", "chapter__code"],
    ),
}


def export_queryset(kind: str) -> QuerySet:
    """Everything of ``kind``, ready (prefetched) for :func:`export_table`."""
    make, _row, _order = EXPORTERS[kind]
    return make()


def export_table(kind: str, queryset: QuerySet | None = None, *, user=None) -> Iterator[list[str]]:
    """The header, then one row per record of ``queryset`` (all records when None).

    Streams in chunks so memory stays flat. For chapter progress, the confidential notes on a
    chapter that ``user`` may read follow as ``confidential`` rows; nobody else gets them.
    """
    make, to_row, order = EXPORTERS[kind]
    everything = queryset is None
    if everything:
        queryset = make().order_by(*order)
    yield file_columns(kind)
    for obj in queryset.iterator(chunk_size=1000):
        yield to_row(obj)
    if kind == CHAPTER_PROGRESS and user is not None:
        notes = notes_visible_to(user, ProgressNote.objects.filter(visibility=Visibility.CONFIDENTIAL))
        if not everything:
            notes = notes.filter(round__in=queryset.values("round"))
        notes = (
            notes.filter(chapter__isnull=False)
            .select_related("round__agreement", "chapter")
            .order_by("round__agreement__slug", "round__start_date", "round_id", "chapter__order", "pk")
        )
        seen = set()
        for n in notes.iterator(chunk_size=1000):
            key = (n.round_id, n.chapter_id, n.text)
            if key in seen:
                continue
            seen.add(key)
            yield [
                n.round.agreement.slug,
                _round_ref(n.round),
                n.chapter.code,
                "",
                n.text,
                Visibility.CONFIDENTIAL.value,
                n.language,
            ]


def csv_pieces(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """The header, then the rows ``BATCH_ROWS`` at a time, written by one csv.writer into one
    reused buffer: a piece (and a write to the client) per row made the row itself cost double.
    Every cell is made safe to open in a spreadsheet (:mod:`.spreadsheet`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise_cell(name) for name in header])
    yield buffer.getvalue()
    rows = ([neutralise_cell(cell) for cell in row] for row in rows)
    while True:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(itertools.islice(rows, BATCH_ROWS))
        piece = buffer.getvalue()
        if not piece:
            return
        yield piece


def csv_table(table: Iterable[list[str]]) -> Iterator[str]:
    """A table whose first row is its header (:func:`export_table`) as CSV text, in pieces."""
    rows = iter(table)
    yield from csv_pieces(next(rows), rows)


def json_records(table: Iterable[list[str]]) -> Iterator[str]:
    """Encode rows as a JSON list of objects, streamed; the importer reads it back."""
    rows = iter(table)
    header = next(rows)
    yield "["
    first = True
    for row in rows:
        record = dict(zip(header, row, strict=True))
        if "planned" in record:
            record["planned"] = record["planned"] == "true"
        yield ("" if first else ",") + "\n" + json.dumps(record, ensure_ascii=False)
        first = False
    yield "\n]\n"
