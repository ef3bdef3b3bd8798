"""CSV and JSON exports of the filtered lists, and one agreement's full public record.

Every list exports exactly the rows its FilterSet selects, in the list's order, streamed in
chunks (``iterator(chunk_size=…)``) so memory stays flat however large the export. CSV is
UTF-8 with a byte-order mark so spreadsheet programs read accents and dashes correctly;
partial dates are written as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` beside their precision.

``?format=`` was also the rounds' meeting-format filter before it was named ``meeting_format``
(in_person, virtual, hybrid): only the values ``csv`` and ``json`` select an export, the others
stay that filter under its old name (:func:`split_export_format`).
"""

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import HttpResponseBadRequest, JsonResponse, QueryDict, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone, translation

from .dates import format_partial_date_iso
from .interchange import writer
from .models import (
    Agreement,
    AgreementSource,
    ChapterProgress,
    ProgressNote,
    Round,
    RoundSource,
    StatusEventSource,
)

EXPORT_FORMATS = ("csv", "json")
CHUNK_SIZE = 500  # rows read from the database at a time


def split_export_format(data: QueryDict) -> tuple[str | None, QueryDict]:
    """Take ``csv``/``json`` out of ``?format=``; return (export format or None, remaining data)."""
    values = data.getlist("format")
    export = next((v.lower() for v in values if v.lower() in EXPORT_FORMATS), None)
    if export is None:
        return None, data
    remaining = data.copy()
    remaining.setlist("format", [v for v in values if v.lower() not in EXPORT_FORMATS])
    return export, remaining


@dataclass(frozen=True)
class Column:
    name: str
    value: Callable


def iso(value, precision) -> str:
    return format_partial_date_iso(value, precision) if value else ""


def absolute(request, url: str) -> str:
    return request.build_absolute_uri(url) if request is not None else url


# A primary key no database here will reach, so that it can be cut out of a reversed URL.
_PK_SENTINEL = "987654321987654321"


def pk_url_template(view_name: str, request=None, *, kwarg: str | None = None) -> Callable[[object], str]:
    """``pk → URL`` of a detail page whose only argument is a primary key, reversed (and made
    absolute) once: ``reverse()`` per row was a fifth of a large export's time. The URL is the
    one ``absolute(request, reverse(view_name, …))`` gives."""
    url = reverse(view_name, kwargs={kwarg: _PK_SENTINEL}) if kwarg else reverse(view_name, args=[_PK_SENTINEL])
    prefix, sentinel, suffix = absolute(request, url).partition(_PK_SENTINEL)
    if not sentinel or _PK_SENTINEL in suffix:
        raise ValueError(f"no URL template for {view_name}: {url}")
    return lambda pk: f"{prefix}{pk}{suffix}"


# --- Columns of each list -----------------------------------------------------------------


def agreement_columns(request) -> list[Column]:
    return [
        Column("slug", lambda a: a.slug),
        Column("name", lambda a: a.name),
        Column("short_name", lambda a: a.short_name),
        Column("kind", lambda a: a.kind),
        Column("kind_label", lambda a: a.get_kind_display()),
        Column("parties", lambda a: ";".join(ap.party.code for ap in a.agreement_parties.all())),
        Column("current_status", lambda a: a.current_status),
        Column("current_status_label", lambda a: a.get_current_status_display() if a.current_status else ""),
        Column("status_date", lambda a: iso(a.status_date, a.status_date_precision)),
        Column("status_date_precision", lambda a: a.status_date_precision if a.status_date else ""),
        Column("predecessor", lambda a: a.predecessor.slug if a.predecessor_id else ""),
        Column("predecessor_relation", lambda a: a.predecessor_relation),
        Column("rounds", lambda a: a.round_count),
        Column("url", lambda a: absolute(request, a.get_absolute_url())),
    ]


def round_columns(request) -> list[Column]:
    round_url = pk_url_template("round-detail", request)
    return [
        Column("id", lambda r: r.pk),
        Column("agreement", lambda r: r.agreement.slug),
        Column("agreement_name", lambda r: str(r.agreement)),
        Column("number", lambda r: r.number if r.number is not None else ""),
        Column("label", lambda r: str(r.label)),
        Column("kind", lambda r: r.kind),
        Column("status", lambda r: r.status),
        Column("format", lambda r: r.format),
        Column("start_date", lambda r: iso(r.start_date, r.date_precision)),
        Column("end_date", lambda r: iso(r.end_date, r.date_precision)),
        Column("date_precision", lambda r: r.date_precision if r.start_date else ""),
        Column("dates_note", lambda r: r.dates_note),
        Column("city", lambda r: r.venue.city if r.venue_id else ""),
        Column("host_country", lambda r: r.venue.country.code if r.venue_id else ""),
        Column("place", lambda r: r.venue.place if r.venue_id else ""),
        Column("venue_note", lambda r: r.venue_note),
        Column("chapters", lambda r: ";".join(f"{code}:{status}" for code, status in r.chapter_statuses)),
        Column("url", lambda r: round_url(r.pk)),
    ]


def chapter_columns(request) -> list[Column]:
    return [
        Column("code", lambda c: c.code),
        Column("name", lambda c: c.name),
        Column("order", lambda c: c.order),
        Column("cptpp_chapter", lambda c: c.cptpp_chapter or ""),
        Column("dta_area", lambda c: c.dta_area),
        Column("is_active", lambda c: c.is_active),
        Column("agreements", lambda c: c.agreement_count),
        Column("rounds", lambda c: c.round_count),
        Column("url", lambda c: absolute(request, c.get_absolute_url())),
    ]


def progress_columns(request) -> list[Column]:
    round_url = pk_url_template("round-detail", request)
    return [
        Column("agreement", lambda p: p.round.agreement.slug),
        Column("agreement_name", lambda p: str(p.round.agreement)),
        Column("round_id", lambda p: p.round_id),
        Column("round", lambda p: str(p.round.label)),
        Column("round_status", lambda p: p.round.status),
        Column("start_date", lambda p: iso(p.round.start_date, p.round.date_precision)),
        Column("end_date", lambda p: iso(p.round.end_date, p.round.date_precision)),
        Column("date_precision", lambda p: p.round.date_precision if p.round.start_date else ""),
        Column("chapter", lambda p: p.chapter.code),
        Column("status", lambda p: p.status),
        Column("status_label", lambda p: p.get_status_display()),
        Column("note", lambda p: p.note),
        Column("url", lambda p: f"{round_url(p.round_id)}#chapter-{p.chapter.code}"),
    ]


# --- Streaming ----------------------------------------------------------------------------


def _rows(queryset: QuerySet | Iterable, prepare: Callable | None = None) -> Iterator:
    """The objects, read in chunks; ``prepare(chunk)`` may add data to a chunk in one query."""
    rows = queryset.iterator(chunk_size=CHUNK_SIZE) if isinstance(queryset, QuerySet) else iter(queryset)
    if prepare is None:
        yield from rows
        return
    while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
        prepare(chunk)
        yield from chunk


def attach_chapter_statuses(rounds: list) -> None:
    """Give each round ``chapter_statuses`` [(code, status), …] in catalog order, in one query of
    plain tuples: model instances for every progress row made large exports ten times slower."""
    by_round: dict[int, list] = {r.pk: [] for r in rounds}
    progress = (
        ChapterProgress.objects.filter(round_id__in=by_round)
        .order_by("round_id", "chapter__order", "chapter__code")
        .values_list("round_id", "chapter__code", "status")
    )
    for round_id, code, status in progress:
        by_round[round_id].append((code, status))
    for item in rounds:
        item.chapter_statuses = by_round[item.pk]


def stream_csv(queryset, columns: list[Column], prepare: Callable | None = None) -> Iterator[str]:
    yield "\ufeff"  # BOM: spreadsheets then read the file as UTF-8
    values = [c.value for c in columns]
    rows = ([value(obj) for value in values] for obj in _rows(queryset, prepare))
    yield from writer.csv_pieces([c.name for c in columns], rows)


def stream_json(queryset, columns: list[Column], prepare: Callable | None = None) -> Iterator[str]:
    yield "[\n"
    first = True
    objects = _rows(queryset, prepare)
    while batch := list(itertools.islice(objects, writer.BATCH_ROWS)):
        pieces = []
        for obj in batch:
            row = {c.name: c.value(obj) for c in columns}
            pieces.append(("" if first else ",\n") + json.dumps(row, ensure_ascii=False, default=str))
            first = False
        yield "".join(pieces)
    yield "\n]\n"


def export_response(
    queryset, columns: list[Column], *, export_format: str, name: str, prepare: Callable | None = None
) -> StreamingHttpResponse:
    """A streamed download named ``<name>-<date>.<format>``; ``prepare`` runs once per chunk."""
    stamp = timezone.localdate().isoformat()
    if export_format == "csv":
        content = stream_csv(queryset, columns, prepare)
        response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(stream_json(queryset, columns, prepare), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{export_format}"'
    return response


def export_error_response(messages: list[str], *, export_format: str):
    """400 for an export whose filters are invalid: never a partial or unfiltered download."""
    if export_format == "json":
        return JsonResponse({"errors": messages}, status=400, json_dumps_params={"ensure_ascii": False})
    return HttpResponseBadRequest("\n".join(messages) + "\n", content_type="text/plain; charset=utf-8")


# --- One agreement's full public record ---------------------------------------------------


def _citation(citation, request=None) -> dict:
    source = citation.source
    return {
        "title": source.title,
        "publisher": source.publisher,
        "url": source.url,
        "published_on": iso(source.published_on, source.published_precision),
        "published_precision": source.published_precision if source.published_on else "",
        "note": citation.note,
        "conflicting": citation.conflicting,
    }


@translation.override("en")  # a data export: the same in every language (labels, chapter names)
def agreement_record(agreement: Agreement, request=None) -> dict:
    """Everything public about one agreement: parties, relations, status timeline, rounds with
    chapter progress, public notes and sources. Confidential notes are never read."""
    agreement = (
        Agreement.objects.select_related("predecessor")
        .prefetch_related(
            "agreement_parties__party",
            "successors",
            Prefetch("citations", queryset=AgreementSource.objects.select_related("source")),
            Prefetch("status_events__citations", queryset=StatusEventSource.objects.select_related("source")),
        )
        .get(pk=agreement.pk)
    )
    rounds = (
        Round.objects.filter(agreement=agreement)
        .select_related("venue__country")
        .prefetch_related(
            Prefetch("progress", queryset=ChapterProgress.objects.select_related("chapter").order_by("chapter__order")),
            Prefetch("citations", queryset=RoundSource.objects.select_related("source")),
            Prefetch(
                "notes",
                queryset=ProgressNote.objects.public().select_related("chapter", "source"),
                to_attr="public_notes",
            ),
        )
    )
    from .selectors import rounds_in_order

    return {
        "slug": agreement.slug,
        "name": agreement.name,
        "short_name": agreement.short_name,
        "kind": agreement.kind,
        "summary": agreement.summary,
        "url": absolute(request, agreement.get_absolute_url()),
        "parties": [
            {"code": ap.party.code, "name": ap.party.name, "kind": ap.party.kind}
            for ap in agreement.agreement_parties.all()
        ],
        "current_status": agreement.current_status,
        "status_date": iso(agreement.status_date, agreement.status_date_precision),
        "status_date_precision": agreement.status_date_precision if agreement.status_date else "",
        "predecessor": (
            {"slug": agreement.predecessor.slug, "relation": agreement.predecessor_relation}
            if agreement.predecessor_id
            else None
        ),
        "successors": [{"slug": s.slug, "relation": s.predecessor_relation} for s in agreement.successors.all()],
        "sources": [_citation(c) for c in agreement.citations.all()],
        "status_events": [
            {
                "status": e.status,
                "date": iso(e.date, e.date_precision),
                "date_precision": e.date_precision,
                "planned": e.planned,
                "sequence": e.sequence,
                "note": e.note,
                "sources": [_citation(c) for c in e.citations.all()],
            }
            for e in agreement.status_events.all()
        ],
        "rounds": [
            {
                "id": r.pk,
                "number": r.number,
                "label": str(r.label),
                "kind": r.kind,
                "status": r.status,
                "format": r.format,
                "start_date": iso(r.start_date, r.date_precision),
                "end_date": iso(r.end_date, r.date_precision),
                "date_precision": r.date_precision if r.start_date else "",
                "dates_note": r.dates_note,
                "venue": (
                    {"city": r.venue.city, "country": r.venue.country.code, "place": r.venue.place}
                    if r.venue_id
                    else None
                ),
                "venue_note": r.venue_note,
                "summary": r.summary,
                "chief_negotiators": r.chief_negotiators,
                "url": absolute(request, r.get_absolute_url()),
                "chapters": [
                    {"code": p.chapter.code, "name": p.chapter.name, "status": p.status, "note": p.note}
                    for p in r.progress.all()
                ],
                "notes": [
                    {
                        "chapter": n.chapter.code if n.chapter_id else None,
                        "text": n.text,
                        "created_at": n.created_at.isoformat(),
                        "source": {"title": n.source.title, "url": n.source.url} if n.source_id else None,
                    }
                    for n in r.public_notes
                ],
                "sources": [_citation(c) for c in r.citations.all()],
            }
            for r in rounds_in_order(rounds)
        ],
    }
