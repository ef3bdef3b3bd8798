"""Validating the rows of an interchange file and writing them, all or nothing.

Every row is checked first (:class:`RowChecker` collects each problem with its line and column);
only a file without a single error is written, in one transaction, through the services.
"""

import functools
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..choices import (
    AgreementKind,
    AgreementRelation,
    AgreementStatus,
    DatePrecision,
    NoteLanguage,
    PartyKind,
    ProgressStatus,
    RoundFormat,
    RoundKind,
    RoundStatus,
    Visibility,
)
from ..dates import PLAUSIBLE_MAX, PLAUSIBLE_MIN, parse_partial_date, range_precision
from ..models import (
    DUPLICATE_CHAPTER_MESSAGE,
    DUPLICATE_NUMBER_MESSAGE,
    STATUS_EVENT_KEY_MESSAGE,
    UNKNOWN_CHAPTER_MESSAGE,
    Agreement,
    Chapter,
    ChapterProgress,
    Party,
    ProgressNote,
    Round,
    StatusEvent,
    Venue,
)
from ..services import agreement_upsert, venue_get_or_create, version_claim
from ..services.agreements import status_events_bulk_write
from ..services.bulk import sources_for_urls
from ..services.common import REASON_MAX_LENGTH, reason_check
from ..services.progress import chapter_progress_bulk_write
from ..services.round_log import round_key, rounds_bulk_write
from .columns import (
    AGREEMENTS,
    CHAPTER_PROGRESS,
    FALSE_VALUES,
    FORMATS,
    LIST_SEPARATOR,
    ROUNDS,
    STATUS_EVENTS,
    TRUE_VALUES,
)
from .reader import ImportFileError, RowError, read_rows

_url_validator = URLValidator()

# Names of the vocabularies in error messages (lazy: built once, translated when shown).
LABEL_AGREEMENT_KIND = gettext_lazy("agreement kind")
LABEL_CHAPTER_STATUS = gettext_lazy("chapter status")
LABEL_FORMAT = gettext_lazy("format")
LABEL_ROUND_KIND = gettext_lazy("round kind")
LABEL_ROUND_STATUS = gettext_lazy("round status")
LABEL_STATUS = gettext_lazy("status")
LABEL_VISIBILITY = gettext_lazy("visibility")
LABEL_NOTE_LANGUAGE = gettext_lazy("note language")


@dataclass
class ImportReport:
    """What an import found and did. ``written`` is True only when the rows were saved."""

    kind: str
    filename: str
    dry_run: bool = False
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return _("%(count)s error(s) in %(file)s; nothing was written.") % {
                "count": len(self.errors),
                "file": self.filename,
            }
        values = {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        if self.dry_run:
            return (
                _("Dry run: %(rows)s valid rows (%(created)s new, %(updated)s existing); nothing was written.") % values
            )
        return _("Imported %(rows)s rows: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % values


# --- Validation helpers -------------------------------------------------------------------


@functools.cache
def _values(choices) -> frozenset[str]:
    # ``TextChoices.values`` builds a new list on every call: too slow for 10,000 rows.
    return frozenset(choices.values)


class RowChecker:
    """Collects the errors of one row; each ``get_*`` returns a clean value or None."""

    def __init__(self, line: int, row: dict[str, str], errors: list[RowError]):
        self.line, self.row, self.errors = line, row, errors
        self.failed = False

    def error(self, column: str, message: str) -> None:
        self.failed = True
        self.errors.append(RowError(self.line, column, str(message)))

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str:
        value = self.row.get(column, "")
        if required and not value:
            self.error(column, _("This column is required."))
        if max_length and len(value) > max_length:
            self.error(column, _("At most %(max)s characters (this has %(n)s).") % {"max": max_length, "n": len(value)})
        return value

    def choice(self, column: str, choices, *, what: str, default: str | None = None) -> str | None:
        value = self.row.get(column, "")
        if not value and default is not None:
            return default
        if not value:
            self.error(column, _("This column is required."))
            return None
        if value not in _values(choices):
            self.error(
                column,
                _("Unknown %(what)s “%(value)s”; use one of: %(values)s.")
                % {"what": what, "value": value, "values": ", ".join(choices.values)},
            )
            return None
        return value

    def date(self, column: str, *, required: bool = False):
        value = self.row.get(column, "")
        if not value:
            if required:
                self.error(column, _("This column is required."))
            return None, None
        try:
            day, precision = parse_partial_date(value)
        except ValueError as error:
            self.error(column, str(error))
            return None, None
        return day, precision

    def flag(self, column: str) -> bool:
        value = self.row.get(column, "").lower()
        if value in TRUE_VALUES:
            return True
        if value not in FALSE_VALUES:
            self.error(column, _("“%(value)s” is not true or false.") % {"value": self.row.get(column)})
        return False

    def positive_int(self, column: str) -> int | None:
        value = self.row.get(column, "")
        if not value:
            return None
        if not value.isdigit():
            self.error(column, _("“%(value)s” is not a round number (1, 2, 3…).") % {"value": value})
            return None
        try:  # the model's range and message
            Round._meta.get_field("number").run_validators(int(value))
        except ValidationError as error:
            for message in error.messages:
                self.error(column, message)
            return None
        return int(value)

    def urls(self, column: str) -> list[str]:
        urls = [u.strip() for u in self.row.get(column, "").split(LIST_SEPARATOR) if u.strip()]
        for url in urls:
            try:
                _url_validator(url)
            except ValidationError:
                self.error(column, _("“%(value)s” is not a URL.") % {"value": url})
            if len(url) > 500:
                self.error(column, _("URLs are at most 500 characters."))
        return urls

    def model_errors(self, error: ValidationError, columns: dict[str, str]) -> None:
        """Report a model's ``full_clean`` errors under the file's column names."""
        for name, messages in error.message_dict.items():
            for message in messages:
                self.error(columns.get(name, ""), message)


def _duplicate(seen: dict, key, checker: RowChecker, column: str, rule=None) -> bool:
    """True (and an error) if an earlier line of the file has the same key; ``rule`` is the
    message of the model's unique constraint the two lines would break."""
    if key in seen:
        where = _("line %(line)s has the same key") % {"line": seen[key]}
        checker.error(column, f"{rule} ({where})" if rule else _("Duplicate row: %(where)s.") % {"where": where})
        return True
    seen[key] = checker.line
    return False


class Lookups:
    """Reference data loaded once per import (agreements, parties, chapters, venues, rounds)."""

    def __init__(self):
        self.agreements = {a.slug: a for a in Agreement.objects.only("pk", "slug")}
        self.parties = {p.code: p for p in Party.objects.all()}
        self.chapters = {c.code: c for c in Chapter.objects.all()}
        self.venues = {(v.city.lower(), v.country_id, v.place.lower()): v for v in Venue.objects.all()}

    def agreement(self, checker: RowChecker, column: str = "agreement") -> Agreement | None:
        slug = checker.row.get(column, "").lower()
        if not slug:
            checker.error(column, _("This column is required."))
            return None
        found = self.agreements.get(slug)
        if found is None:
            checker.error(column, _("Unknown agreement “%(value)s”; import the agreements first.") % {"value": slug})
        return found

    def chapter(self, checker: RowChecker, column: str = "chapter") -> Chapter | None:
        code = checker.row.get(column, "").upper()
        if not code:
            checker.error(column, _("This column is required."))
            return None
        found = self.chapters.get(code)
        if found is None:
            checker.error(column, f"{UNKNOWN_CHAPTER_MESSAGE} (“{code}”)")
        return found

    def country(self, checker: RowChecker, column: str = "country") -> Party | None:
        code = checker.row.get(column, "").upper()
        found = self.parties.get(code)
        if found is None or found.kind != PartyKind.COUNTRY:
            checker.error(column, _("Unknown country code “%(value)s” (ISO 3166-1 alpha-3).") % {"value": code})
            return None
        return found


# --- The four kinds -------------------------------------------------------------------------


class BaseImporter:
    kind = ""

    def __init__(self):
        self.lookups = Lookups()
        self.errors: list[RowError] = []
        self.items: list = []
        self.existing = 0

    def validate(self, rows: list[tuple[int, dict]]) -> None:
        seen: dict = {}
        for line, row in rows:
            checker = RowChecker(line, row, self.errors)
            if "__error__" in row:
                checker.error("", row["__error__"])
                continue
            self.validate_row(checker, seen)

    def validate_row(self, checker: RowChecker, seen: dict) -> None:
        raise NotImplementedError

    def write(self, *, user, reason: str):
        raise NotImplementedError


class AgreementImporter(BaseImporter):
    kind = AGREEMENTS

    def validate(self, rows):
        self.in_file = {row.get("slug", "").lower() for _line, row in rows}
        super().validate(rows)
        self._check_predecessor_cycles()

    def validate_row(self, checker, seen):
        slug = checker.text("slug", required=True, max_length=100).lower()
        if slug:
            try:
                validate_slug(slug)
            except ValidationError:
                checker.error("slug", _("“%(value)s” is not a slug (letters, digits, - and _).") % {"value": slug})
        name = checker.text("name", required=True, max_length=300)
        short_name = checker.text("short_name", max_length=100)
        kind = checker.choice("kind", AgreementKind, what=LABEL_AGREEMENT_KIND)
        parties = []
        for code in [c.strip().upper() for c in checker.row.get("parties", "").split(LIST_SEPARATOR) if c.strip()]:
            party = self.lookups.parties.get(code)
            if party is None:
                checker.error("parties", _("Unknown party code “%(value)s”.") % {"value": code})
            else:
                parties.append(party)
        predecessor = checker.row.get("predecessor", "").lower()
        relation = checker.row.get("predecessor_relation", "")
        if predecessor and predecessor not in self.lookups.agreements and predecessor not in self.in_file:
            checker.error("predecessor", _("Unknown agreement “%(value)s”.") % {"value": predecessor})
        if predecessor and predecessor == slug:
            checker.error("predecessor", _("An agreement cannot be its own predecessor."))
        if relation and relation not in AgreementRelation.values:
            checker.error(
                "predecessor_relation",
                _("Unknown relation “%(value)s”; use one of: %(values)s.")
                % {"value": relation, "values": ", ".join(AgreementRelation.values)},
            )
        if bool(predecessor) != bool(relation):
            checker.error("predecessor_relation", _("Give a relation exactly when there is a predecessor."))
        urls = checker.urls("source_url")
        if slug:
            _duplicate(seen, slug, checker, "slug")
        if not checker.failed:
            if slug in self.lookups.agreements:
                self.existing += 1
            self.items.append(
                {
                    "line": checker.line,
                    "slug": slug,
                    "name": name,
                    "short_name": short_name,
                    "kind": kind,
                    "parties": parties,
                    "summary": checker.row.get("summary", ""),
                    "predecessor": predecessor,
                    "predecessor_relation": relation,
                    "urls": urls,
                }
            )

    def _check_predecessor_cycles(self):
        """Order the rows so that a predecessor is written before its successor; refuse cycles."""
        by_slug = {item["slug"]: item for item in self.items}
        ordered, state = [], {}

        def visit(item, path):
            slug = item["slug"]
            if state.get(slug) == "done":
                return True
            if state.get(slug) == "visiting":
                self.errors.append(RowError(item["line"], "predecessor", _("Predecessors form a cycle.")))
                return False
            state[slug] = "visiting"
            parent = by_slug.get(item["predecessor"])
            if parent is not None and not visit(parent, path + [slug]):
                return False
            state[slug] = "done"
            ordered.append(item)
            return True

        for item in self.items:
            if state.get(item["slug"]) != "done":
                visit(item, [])
        self.items = ordered

    def write(self, *, user, reason):
        sources = sources_for_urls(urls=[u for item in self.items for u in item["urls"]], user=user, reason=reason)
        before = {
            a.slug: a
            for a in Agreement.objects.filter(slug__in=[i["slug"] for i in self.items]).prefetch_related("parties")
        }
        created = updated = unchanged = 0
        for item in self.items:
            predecessor = Agreement.objects.get(slug=item["predecessor"]) if item["predecessor"] else None
            old = before.get(item["slug"])
            agreement, is_new = agreement_upsert(
                slug=item["slug"],
                name=item["name"],
                short_name=item["short_name"],
                kind=item["kind"],
                parties=item["parties"],
                predecessor=predecessor,
                predecessor_relation=item["predecessor_relation"],
                summary=item["summary"],
                sources=[sources[u] for u in item["urls"]],
                user=user,
                reason=reason,
            )
            if is_new:
                created += 1
            elif _agreement_changed(old, item, predecessor):
                version_claim(agreement, expected_version=None)
                updated += 1
            else:
                unchanged += 1
        return created, updated, unchanged


def _agreement_changed(old: Agreement, item: dict, predecessor) -> bool:
    values = {k: item[k] for k in ("name", "short_name", "kind", "summary", "predecessor_relation")}
    if any(getattr(old, k) != v for k, v in values.items()):
        return True
    if old.predecessor_id != (predecessor.pk if predecessor else None):
        return True
    return {p.pk for p in old.parties.all()} != {p.pk for p in item["parties"]}


class StatusEventImporter(BaseImporter):
    kind = STATUS_EVENTS

    def __init__(self):
        super().__init__()
        self.keys = set(StatusEvent.objects.values_list("agreement_id", "date", "status"))

    def validate_row(self, checker, seen):
        agreement = self.lookups.agreement(checker)
        status = checker.choice("status", AgreementStatus, what=LABEL_STATUS)
        day, precision = checker.date("date", required=True)
        planned = checker.flag("planned")
        note = checker.row.get("note", "")
        urls = checker.urls("source_url")
        if agreement and day and status:
            key = (agreement.pk, day, status)
            if _duplicate(seen, key, checker, "date", STATUS_EVENT_KEY_MESSAGE):
                return
        if checker.failed:
            return
        event = StatusEvent(
            agreement=agreement,
            status=status,
            date=day,
            date_precision=precision,
            planned=planned,
            note=note,
            sequence=0,
        )
        try:
            event.clean_fields(exclude=["agreement"])
            event.clean()  # the model's rules (a future date only when planned)
        except ValidationError as error:
            checker.model_errors(error, {"date": "date", "note": "note", "status": "status"})
            return
        if (agreement.pk, day, status) in self.keys:
            self.existing += 1
        event.sequence = None
        self.items.append((event, urls))

    def write(self, *, user, reason):
        sources = sources_for_urls(urls=[u for _e, urls in self.items for u in urls], user=user, reason=reason)
        result = status_events_bulk_write(
            events=[(event, [sources[u] for u in urls]) for event, urls in self.items], user=user, reason=reason
        )
        return result.created, result.updated, result.unchanged


class RoundImporter(BaseImporter):
    kind = ROUNDS

    def __init__(self):
        super().__init__()
        self.keys = {
            round_key(*values) for values in Round.objects.values_list("agreement_id", "number", "kind", "title")
        }
        self.new_venues: dict[tuple, Venue] = {}

    def venue(self, checker: RowChecker) -> Venue | None:
        city = checker.text("city", max_length=100)
        place = checker.text("place", max_length=200)
        code = checker.row.get("country", "")
        if not city and not code:
            if place:
                checker.error("place", _("A named place needs a city and a country."))
            return None
        if not city:
            checker.error("city", _("Give the city when the country is given."))
            return None
        if not code:
            checker.error("country", _("Give the country (ISO 3166-1 alpha-3) when the city is given."))
            return None
        country = self.lookups.country(checker)
        if country is None:
            return None
        key = (city.lower(), country.pk, place.lower())
        venue = self.lookups.venues.get(key) or self.new_venues.get(key)
        if venue is None:
            venue = self.new_venues[key] = Venue(city=city, country=country, place=place)
        return venue

    def validate_row(self, checker, seen):
        agreement = self.lookups.agreement(checker)
        number = checker.positive_int("number")
        kind = checker.choice("kind", RoundKind, what=LABEL_ROUND_KIND, default=RoundKind.NUMBERED)
        title = checker.text("title", max_length=200)
        venue = self.venue(checker)
        fmt = checker.choice("format", RoundFormat, what=LABEL_FORMAT, default=RoundFormat.IN_PERSON)
        start, precision = checker.date("start_date")
        end, end_precision = checker.date("end_date")
        if start and end:
            try:
                range_precision(precision, end_precision)
            except ValueError as error:
                checker.error("end_date", str(error))
        status = checker.choice("status", RoundStatus, what=LABEL_ROUND_STATUS)
        urls = checker.urls("source_url")
        if checker.failed:
            return
        key = round_key(agreement.pk, number, kind, title)
        rule = DUPLICATE_NUMBER_MESSAGE if number else None
        if _duplicate(seen, key, checker, "number" if number else "title", rule):
            return
        obj = Round(
            agreement=agreement,
            number=number,
            kind=kind,
            title=title,
            venue_note=checker.row.get("venue_note", ""),
            format=fmt,
            start_date=start,
            end_date=end,
            date_precision=precision or DatePrecision.DAY,
            dates_note=checker.row.get("dates_note", ""),
            status=status,
            summary=checker.row.get("summary", ""),
            chief_negotiators=checker.row.get("chief_negotiators", ""),
        )
        obj.venue = venue
        try:  # the round's rules (dates in order, virtual without venue, number or title): the model's
            obj.clean()
        except ValidationError as error:
            checker.model_errors(error, {"end_date": "end_date", "format": "format", "number": "number"})
        # The checks of ``clean_fields`` that a row can fail, without its per-field overhead.
        for name, column, limit in (("venue_note", "venue_note", 500), ("dates_note", "dates_note", 500)):
            if len(getattr(obj, name)) > limit:
                checker.error(column, _("At most %(max)s characters.") % {"max": limit})
        for value, column in ((start, "start_date"), (end, "end_date")):
            if value is not None and not PLAUSIBLE_MIN <= value <= PLAUSIBLE_MAX:
                checker.error(column, _("Give a date between 1900 and 2100."))
        if checker.failed:
            return
        obj._pending_venue = venue  # a venue new in this file is saved just before the rounds
        if key in self.keys:
            self.existing += 1
        self.items.append((obj, urls))

    def write(self, *, user, reason):
        for venue in self.new_venues.values():
            saved = venue_get_or_create(city=venue.city, country=venue.country, place=venue.place, user=user)
            venue.pk = saved.pk
            venue._state.adding = False
        for obj, _urls in self.items:
            obj.venue = obj._pending_venue
        sources = sources_for_urls(urls=[u for _r, urls in self.items for u in urls], user=user, reason=reason)
        result, _stored = rounds_bulk_write(
            rounds=[(obj, [sources[u] for u in urls]) for obj, urls in self.items], user=user, reason=reason
        )
        return result.created, result.updated, result.unchanged


class ChapterProgressImporter(BaseImporter):
    kind = CHAPTER_PROGRESS

    def __init__(self):
        super().__init__()
        self.rounds: dict[tuple[int, str], Round] = {}
        for r in Round.objects.only("pk", "agreement_id", "number", "title"):
            self.rounds.setdefault((r.agreement_id, str(r.number) if r.number else r.title.lower()), r)
        self.progress = {
            (p.round_id, p.chapter_id): p for p in ChapterProgress.objects.only("round", "chapter", "note")
        }
        self.public_status: dict[tuple[int, int], tuple[str, int]] = {}

    def validate_row(self, checker, seen):
        agreement = self.lookups.agreement(checker)
        round_ref = checker.text("round_number", required=True)
        round_obj = None
        if agreement is not None and round_ref:
            key = round_ref.lstrip("0") if round_ref.isdigit() else round_ref.lower()
            round_obj = self.rounds.get((agreement.pk, key))
            if round_obj is None:
                checker.error(
                    "round_number",
                    _("Agreement “%(agreement)s” has no round “%(value)s”; import the rounds first.")
                    % {"agreement": agreement.slug, "value": round_ref},
                )
        chapter = self.lookups.chapter(checker)
        visibility = checker.choice("visibility", Visibility, what=LABEL_VISIBILITY, default=Visibility.PUBLIC)
        confidential = visibility == Visibility.CONFIDENTIAL
        status = (
            checker.choice("status", ProgressStatus, what=LABEL_CHAPTER_STATUS, default="" if confidential else None)
            or ""
        )
        note = checker.row.get("note", "")
        language = checker.choice("note_language", NoteLanguage, what=LABEL_NOTE_LANGUAGE, default=NoteLanguage.ENGLISH)
        if confidential and not note:
            checker.error("note", _("A confidential row carries a note."))
        if round_obj is None or chapter is None or checker.failed:
            return
        cell = (round_obj.pk, chapter.pk)
        rule = None if confidential else DUPLICATE_CHAPTER_MESSAGE
        if _duplicate(seen, (*cell, visibility, note if confidential else ""), checker, "chapter", rule):
            return
        other = self.public_status.get(cell)
        if status and other and other[0] and other[0] != status:
            checker.error(
                "status",
                _("Line %(line)s gives this chapter at this round the status “%(status)s”.")
                % {"line": other[1], "status": other[0]},
            )
            return
        if status:
            self.public_status[cell] = (status, checker.line)
        current = self.progress.get(cell)
        if not confidential or status:
            if current is not None:
                self.existing += 1
            self.items.append(("progress", cell, status, None if confidential else note, checker.line))
        if confidential:
            # For a note, the item's third place holds the note's language instead of a status.
            self.items.append(("note", cell, language, note, checker.line))

    def write(self, *, user, reason):
        merged: dict[tuple[int, int], ChapterProgress] = {}
        notes = []
        for what, (round_id, chapter_id), status, note, _line in self.items:
            if what == "note":
                notes.append(
                    ProgressNote(
                        round_id=round_id,
                        chapter_id=chapter_id,
                        text=note,
                        visibility=Visibility.CONFIDENTIAL,
                        language=status,  # see above: a note's language
                    )
                )
                continue
            obj = merged.get((round_id, chapter_id))
            if obj is None:
                current = self.progress.get((round_id, chapter_id))
                obj = merged[(round_id, chapter_id)] = ChapterProgress(
                    round_id=round_id, chapter_id=chapter_id, note=current.note if current else ""
                )
            obj.status = status
            if note is not None:
                obj.note = note
        result = chapter_progress_bulk_write(
            progress=list(merged.values()), confidential_notes=notes, user=user, reason=reason
        )
        return result.created, result.updated, result.unchanged


IMPORTERS = {
    AGREEMENTS: AgreementImporter,
    STATUS_EVENTS: StatusEventImporter,
    ROUNDS: RoundImporter,
    CHAPTER_PROGRESS: ChapterProgressImporter,
}


def run_import(
    *, kind: str, data: bytes, filename: str, user=None, dry_run: bool = False, reason: str = ""
) -> ImportReport:
    """Validate every row of ``data`` (a CSV or JSON file named ``filename``), then write all
    of it in one transaction, or nothing if any row is wrong (or with ``dry_run``).

    ``reason`` goes in the audit trail of every row written (default: "import <file>"); one
    longer than the audit trail keeps is refused like any other error, never cut."""
    import time

    started = time.perf_counter()
    report = ImportReport(kind=kind, filename=Path(filename).name, dry_run=dry_run)
    try:
        reason = reason_check(reason)
    except ValidationError as error:
        report.errors.extend(RowError(0, "reason", message) for message in error.message_dict["reason"])
        return report
    fmt = Path(filename).suffix.lower().lstrip(".")
    if kind not in IMPORTERS:
        report.errors.append(RowError(0, "", _("Unknown kind “%(kind)s”.") % {"kind": kind}))
        return report
    if fmt not in FORMATS:
        report.errors.append(
            RowError(0, "", _("Name the file .csv or .json; “%(name)s” is neither.") % {"name": filename})
        )
        return report
    try:
        rows = read_rows(data, fmt=fmt, kind=kind)
    except ImportFileError as error:
        report.errors = error.errors
        return report
    report.rows = len(rows)
    importer = IMPORTERS[kind]()
    importer.validate(rows)
    report.errors = sorted(importer.errors, key=lambda e: (e.line, e.column))
    if report.errors:
        report.seconds = time.perf_counter() - started
        return report
    if dry_run:
        report.updated = importer.existing
        report.created = len(importer.items) - importer.existing
        report.seconds = time.perf_counter() - started
        return report
    if not reason:
        name = report.filename
        if len(name) > REASON_MAX_LENGTH - 10:  # our own wording, not the user's: shortened to fit
            name = name[: REASON_MAX_LENGTH - 11] + "…"
        reason = _("import %(file)s") % {"file": name}
    try:
        with transaction.atomic():
            report.created, report.updated, report.unchanged = importer.write(user=user, reason=reason)
    except (ValidationError, DatabaseError) as error:
        # Validation above should leave nothing for the database to refuse; if it does anyway,
        # the transaction is rolled back and the file is reported as not written.
        report.errors = [RowError(0, "", _("The database refused the import: %(error)s") % {"error": error})]
        report.created = report.updated = report.unchanged = 0
    else:
        report.written = True
    report.seconds = time.perf_counter() - started
    return report
