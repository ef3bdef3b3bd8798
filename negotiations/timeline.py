"""An agreement's timeline: its entries (status events and rounds, gathered by
``selectors.agreement_timeline``) and the geometry of its drawing, in SVG coordinates."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from .choices import DatePrecision
from .dates import period_end


@dataclass
class TimelineEntry:
    """One dated thing on an agreement's timeline: a status event or a round."""

    kind: str  # "status" or "round"
    date: dt.date | None
    end: dt.date | None
    precision: str
    planned: bool
    label: str
    date_display: str
    colour: str
    url: str = ""
    note: str = ""
    status_label: str = ""
    place: str = ""
    obj: object = None
    sources: list = field(default_factory=list)
    order: tuple = ()

    @property
    def is_status(self) -> bool:
        return self.kind == "status"

    @property
    def is_round(self) -> bool:
        return self.kind == "round"

    @property
    def approximate(self) -> bool:
        """Known only to the month or year."""
        return self.precision != DatePrecision.DAY

    @property
    def span_end(self) -> dt.date | None:
        """The last day the entry covers: a month-precision date covers its whole month."""
        if self.date is None:
            return None
        return period_end(self.end or self.date, self.precision)


def event_order_key(event) -> tuple:
    """Where a status event stands on its timeline: by the last day of the period its date
    names, so an event known only to the year or month comes after the dated events inside that
    period ("2005: under negotiation" after "20 Jan 2005: framework signed"); events of the same
    day by their ``sequence``."""
    return (period_end(event.date, event.date_precision), event.sequence, event.pk or 0)


def latest_actual_event(events):
    """The event that sets an agreement's current status: the last actual (not planned) one in
    timeline order, or None."""
    actual = [event for event in events if not event.planned]
    return max(actual, key=event_order_key) if actual else None


def min_width(entry: TimelineEntry) -> float:
    """Narrowest drawing of an entry: a span known only to the month or year stays wider than a
    dated one even when the axis covers decades, so approximate dates never look exact."""
    return 8 if entry.approximate else 3


@dataclass
class TimelineChart:
    """Geometry of the timeline drawing, in SVG user units (the view box is ``width`` wide)."""

    width: int
    height: int
    ticks: list
    bands: list
    events: list
    rounds: list
    today_x: float | None
    legend: list = field(default_factory=list)  # what the drawing uses, in the colours it uses
    # Rounds with no known date, oldest first: named beside the drawing, never placed on its axis.
    undated_rounds: list = field(default_factory=list)


# Rough width of one character of a band's label, in SVG units (11-unit type): a label is
# written on its band only where it fits.
LABEL_CHAR_WIDTH = 6.2


def chart_legend(bands: list, rounds: list) -> list[dict]:
    """One key per status band colour and per round state the drawing shows, each with the
    colour it is drawn in (held rounds solid, planned ones hollow), in order of first use."""
    keys: dict[tuple, dict] = {}
    for band in bands:
        entry = band["entry"]
        keys.setdefault(("status", entry.label), {"kind": "status", "label": entry.label, "colour": entry.colour})
    for item in rounds:
        entry = item["entry"]
        keys.setdefault(
            ("round", entry.status_label),
            {"kind": "round", "label": entry.status_label, "colour": entry.colour, "planned": entry.planned},
        )
    return list(keys.values())


def timeline_chart(entries: list[TimelineEntry], *, width: int = 1000) -> TimelineChart | None:
    """Place the dated entries on an axis: a band coloured by each actual status until the next,
    planned items hollow, month-precision items as month-wide spans, ticks at years. ``entries``
    come newest first (``selectors.agreement_timeline``), which puts undated rounds in their
    place by number."""
    dated = [e for e in entries if e.date]
    if not dated:
        return None
    today = timezone.localdate()
    first = min(e.date for e in dated).replace(month=1, day=1)
    last_day = max(max(e.span_end for e in dated), today)
    last = dt.date(last_day.year + 1, 1, 1)
    margin = 16
    span_days = max((last - first).days, 1)

    def x(day: dt.date) -> float:
        return round(margin + (day - first).days * (width - 2 * margin) / span_days, 1)

    years = list(range(first.year, last.year + 1))
    step = 1 if len(years) <= 14 else 2 if len(years) <= 28 else 5
    ticks = [{"x": x(dt.date(year, 1, 1)), "label": str(year)} for year in years if (year - first.year) % step == 0]

    actual = sorted((e for e in dated if e.is_status and not e.planned), key=lambda e: e.order)
    bands = []
    for index, event in enumerate(actual):
        start = x(event.date)
        end = x(actual[index + 1].date) if index + 1 < len(actual) else x(today)
        band_width = max(end - start, 2)
        mark_width = max(x(event.span_end + dt.timedelta(days=1)) - start, min_width(event))
        label_x = start + mark_width + 3  # past the event's own mark (a year-wide one for "2012")
        bands.append(
            {
                "x": start,
                "width": band_width,
                "colour": event.colour,
                "entry": event,
                "ongoing": index + 1 == len(actual),
                "label_x": round(label_x, 1),
                "show_label": start + band_width - label_x >= len(event.label) * LABEL_CHAR_WIDTH + 3,
            }
        )
    events = []
    for event in (e for e in dated if e.is_status):
        start, end = x(event.date), x(event.span_end + dt.timedelta(days=1))
        events.append({"x": start, "width": max(end - start, min_width(event)), "entry": event})
    rounds = []
    label_rows: list[float] = []  # x of the last label in each row, to keep labels apart
    for item in sorted((e for e in dated if e.is_round), key=lambda e: e.order):
        start, end = x(item.date), x(item.span_end + dt.timedelta(days=1))
        drawn = max(end - start, min_width(item))
        mid = round(start + drawn / 2, 1)
        row = next((i for i, last in enumerate(label_rows) if mid - last >= 16), len(label_rows))
        if row == len(label_rows):
            label_rows.append(mid)
        label_rows[row] = mid
        rounds.append(
            {
                "x": start,
                "width": drawn,
                "mid": mid,
                "label_y": 80 - 11 * min(row, 2),
                "entry": item,
            }
        )
    today_x = x(today)
    return TimelineChart(
        width=width,
        height=150,
        ticks=ticks,
        bands=bands,
        events=events,
        rounds=rounds,
        today_x=today_x,
        legend=chart_legend(bands, rounds),
        undated_rounds=[e for e in reversed(entries) if e.is_round and e.date is None],
    )
