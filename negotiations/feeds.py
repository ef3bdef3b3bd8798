"""Subscriptions: an Atom feed of rounds and an iCalendar of planned rounds.

Both take the RoundFilterSet parameters (``?agreement=india-peru-ta``, ``?chapter=CRM``…);
invalid filters answer 400 rather than an unfiltered feed. Feeds never carry notes.

The calendar is written by hand to RFC 5545: CRLF line ends, lines folded at 75 octets,
text escaped, all-day events (``DTSTART;VALUE=DATE``) with an exclusive ``DTEND``, a
``UID`` that never changes for a round, and month-precision rounds as all-day events that
span the whole month, marked "(dates to be confirmed)".
"""

import datetime as dt
import re

from django.contrib.syndication.views import Feed
from django.http import HttpResponse, HttpResponseBadRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from .choices import DatePrecision, RoundStatus
from .dates import period_end
from .filtersets import RoundFilterSet, filter_errors
from .models import Round
from .selectors import progress_prefetch, round_list_queryset, venue_display

FEED_SIZE = 50
ICS_STATUS = {RoundStatus.PLANNED: "TENTATIVE", RoundStatus.CANCELLED: "CANCELLED", RoundStatus.POSTPONED: "TENTATIVE"}


def round_filterset(request) -> RoundFilterSet:
    """The RoundFilterSet of this request, built once (the feed machinery asks twice)."""
    if not hasattr(request, "_round_filterset"):
        request._round_filterset = RoundFilterSet(request.GET, queryset=round_list_queryset(), request=request)
    return request._round_filterset


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def filter_description(request) -> str:
    """The query string as readable text for a feed's title; control characters removed (XML 1.0
    cannot carry them, and a filter may have accepted the value without them)."""
    parts = [f"{key}={value}" for key, values in request.GET.lists() for value in values if value]
    return CONTROL_CHARACTERS.sub("", ", ".join(parts))


class PlainTextAtomFeed(Atom1Feed):
    """Atom with each entry's summary as ``type="text"``: it is written by officials, and Django's
    default ``type="html"`` would have feed readers render any markup in it as live HTML."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


def fact_datetime(item: Round):
    """Midnight UTC of the round's first day (of its period, for a month or a year), or None."""
    if item.start_date is None:
        return None
    return dt.datetime.combine(item.start_date, dt.time(0, 0), tzinfo=dt.UTC)


class RoundsFeed(Feed):
    """Rounds recently added or changed, newest change first."""

    feed_type = PlainTextAtomFeed

    def __call__(self, request, *args, **kwargs):
        filterset = round_filterset(request)
        if not filterset.is_valid():
            return HttpResponseBadRequest("\n".join(filter_errors(filterset)) + "\n", content_type="text/plain")
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs):
        return request

    def title(self, request):
        described = filter_description(request)
        title = _("Negotiating rounds — trade negotiation tracker")
        return f"{title} ({described})" if described else title

    def subtitle(self, request):
        return _("Rounds of trade-agreement negotiations, newest change first.")

    def link(self, request):
        query = request.GET.urlencode()
        return reverse("round-list") + (f"?{query}" if query else "")

    def feed_url(self, request):
        return request.get_full_path()

    def items(self, request):
        return (
            round_filterset(request).qs.prefetch_related(progress_prefetch()).order_by("-updated_at", "-pk")[:FEED_SIZE]
        )

    def item_title(self, item: Round):
        return f"{item.agreement}: {item.label}"

    def item_description(self, item: Round):
        lines = [item.dates_display, venue_display(item), item.shown_status_label]
        chapters = [f"{p.chapter.name}: {p.get_status_display()}" for p in item.progress.all()]
        if chapters:
            lines.append(_("Chapters") + ": " + "; ".join(chapters))
        if item.summary:
            lines.append(item.summary)
        return " — ".join(str(line) for line in lines if line)

    def item_link(self, item: Round):
        return item.get_absolute_url()

    def item_pubdate(self, item: Round):
        return fact_datetime(item) or item.created_at

    def item_updateddate(self, item: Round):
        """The date of the fact (the round's start), not when the row was loaded or saved: a
        seed load would otherwise give every entry the same moment. Undated rounds keep the
        record's own time; the history keeps created/updated for everything."""
        return fact_datetime(item) or item.updated_at

    def item_categories(self, item: Round):
        return [p.chapter.code for p in item.progress.all()]


# --- iCalendar ----------------------------------------------------------------------------


def ics_escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def ics_fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, never splitting a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= 75:
        return line
    parts, current, size, limit = [], [], 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def ics_date(value: dt.date) -> str:
    return value.strftime("%Y%m%d")


def ics_datetime(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def round_event_span(item: Round) -> tuple[dt.date, dt.date, bool]:
    """(first day, day after the last day, dates known only approximately)."""
    if item.date_precision == DatePrecision.DAY:
        last = item.end_date or item.start_date
        return item.start_date, last + dt.timedelta(days=1), False
    last = period_end(item.end_date or item.start_date, item.date_precision)
    first = item.start_date.replace(day=1) if item.date_precision == DatePrecision.MONTH else item.start_date
    if item.date_precision == DatePrecision.YEAR:
        first = item.start_date.replace(month=1, day=1)
    return first, last + dt.timedelta(days=1), True


def round_vevent(item: Round, request) -> list[str]:
    start, end, approximate = round_event_span(item)
    summary = f"{item.agreement}: {item.label}"
    if item.is_overdue:
        summary += " " + _("(date passed — outcome not recorded)")
    elif approximate:
        summary += " " + _("(dates to be confirmed)")
    where = venue_display(item)
    description = [item.shown_status_label, item.dates_display]
    if item.dates_note:
        description.append(item.dates_note)
    chapters = [p.chapter.name for p in item.progress.all()]
    if chapters:
        description.append(_("Chapters") + ": " + ", ".join(chapters))
    url = request.build_absolute_uri(item.get_absolute_url())
    description.append(url)
    lines = [
        "BEGIN:VEVENT",
        f"UID:round-{item.pk}@{request.get_host().split(':')[0]}",
        f"DTSTAMP:{ics_datetime(item.updated_at)}",
        f"LAST-MODIFIED:{ics_datetime(item.updated_at)}",
        f"SEQUENCE:{item.version}",
        f"DTSTART;VALUE=DATE:{ics_date(start)}",
        f"DTEND;VALUE=DATE:{ics_date(end)}",
        f"SUMMARY:{ics_escape(summary)}",
        f"DESCRIPTION:{ics_escape(chr(10).join(description))}",
        f"URL;VALUE=URI:{url}",
        "TRANSP:TRANSPARENT",
    ]
    # An overdue round is no longer tentative: its date passed and nobody recorded what happened,
    # which the description says; calendars have no status for that, so none is given.
    if not item.is_overdue:
        lines.append(f"STATUS:{ICS_STATUS.get(item.status, 'CONFIRMED')}")
    if where:
        lines.append(f"LOCATION:{ics_escape(where)}")
    lines.append("END:VEVENT")
    return lines


def calendar_text(rounds, request, *, name: str) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Trade negotiation tracker//Planned rounds//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_escape(name)}",
        "X-PUBLISHED-TTL:PT12H",
        "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
    ]
    for item in rounds:
        lines.extend(round_vevent(item, request))
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + "\r\n" for line in lines)


def rounds_calendar(request):
    """/calendar/rounds.ics: planned rounds (or the statuses asked with ``?status=``), dated only."""
    filterset = round_filterset(request)
    if not filterset.is_valid():
        return HttpResponseBadRequest("\n".join(filter_errors(filterset)) + "\n", content_type="text/plain")
    rounds = filterset.qs.filter(start_date__isnull=False)
    if not request.GET.getlist("status"):
        rounds = rounds.filter(status=RoundStatus.PLANNED)
    rounds = rounds.prefetch_related(progress_prefetch()).order_by("start_date", "pk")
    described = filter_description(request)
    name = _("Planned negotiating rounds") + (f" ({described})" if described else "")
    response = HttpResponse(calendar_text(rounds, request, name=name), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="rounds.ics"'
    return response
