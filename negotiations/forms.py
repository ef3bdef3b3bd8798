"""The officials' forms: log or edit a round with its chapters, notes and sources in one form,
record a status event, edit or delete a note.

Forms only parse and check input; the services save it (atomically, with the version check).
Choice lists (chapters, countries) are read once per request and shared by every row of a
formset, so a form with ten chapter rows costs the same queries as one with a single row.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tracker.input_guard import reject_control_characters

from .choices import (
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
from .dates import PLAUSIBLE_MAX, PLAUSIBLE_MIN, format_partial_date_iso, parse_partial_date, range_precision
from .models import (
    DUPLICATE_CHAPTER_MESSAGE,
    ROUND_NUMBER_MAX,
    ROUND_NUMBER_MIN,
    UNKNOWN_CHAPTER_MESSAGE,
    Agreement,
    Chapter,
    Party,
    ProgressNote,
    Round,
    Source,
    StatusEvent,
)
from .round_conflict import moved_citation_rows, moved_note_rows
from .services.common import REASON_MAX_LENGTH, reason_check
from .services.round_log import (
    ChapterLine,
    NoteLine,
    SourceLine,
    round_next_number,
    round_snapshot,
    snapshot_changes,
    snapshot_rows,
)

# Blank rows offered at the end of each part of the round form.
CHAPTER_ROWS_NEW = 12
CHAPTER_ROWS_EDIT = 4
NOTE_ROWS = 2
SOURCE_ROWS = 1
# Blank rows the form's "more rows" buttons add when the page has no JavaScript (which adds
# one row at a time in the page instead).
MORE_ROWS = {"chapters": 4, "notes": 1, "sources": 1}


# --- Fields -------------------------------------------------------------------------------


class TextField(forms.CharField):
    """A form's text: control characters (other than tab and line breaks) are refused, as by
    the API and the importer."""

    default_validators = [reject_control_characters]


class PartialDateField(TextField):
    """A date known to the day, month or year: ``2025-11-03``, ``2025-11`` or ``2025``.

    Cleans to ``(date, precision)`` or ``None``; refuses dates outside the plausible range.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("help_text", _("YYYY-MM-DD, or YYYY-MM / YYYY if only the month or year is known."))
        super().__init__(**kwargs)
        self.widget.attrs.update({"placeholder": _("YYYY-MM-DD"), "inputmode": "numeric", "autocomplete": "off"})

    def prepare_value(self, value):
        if isinstance(value, tuple):
            return format_partial_date_iso(*value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            date, precision = parse_partial_date(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None
        if not PLAUSIBLE_MIN <= date <= PLAUSIBLE_MAX:
            raise ValidationError(
                _("Give a date between %(min)s and %(max)s.") % {"min": PLAUSIBLE_MIN.year, "max": PLAUSIBLE_MAX.year},
                code="implausible",
            )
        return date, precision


def _reason_rule(value: str) -> None:
    try:
        reason_check(value)
    except ValidationError as error:
        raise ValidationError(error.message_dict["reason"]) from None


def reason_field() -> forms.CharField:
    """The reason for a change; its length rule is the services' (``reason_check``)."""
    return TextField(
        label=_("Reason for change"),
        required=False,
        validators=[_reason_rule],
        widget=forms.TextInput(attrs={"maxlength": REASON_MAX_LENGTH}),
        help_text=_("Optional; shown in the history, e.g. “joint statement published”."),
    )


def version_field(*, required: bool = False) -> forms.IntegerField:
    """The record's version when the form was shown: the optimistic-concurrency check.

    Required on every form that changes or deletes an existing record, so that a post without
    it cannot skip the check.
    """
    return forms.IntegerField(
        widget=forms.HiddenInput,
        required=required,
        min_value=1,
        error_messages={"required": _("The form is missing the record's version; reload the page and try again.")},
    )


def chapter_choices() -> tuple[list, dict]:
    """Choices for a chapter select (``code — name``, catalog order) and the chapters by pk."""
    chapters = {c.pk: c for c in Chapter.objects.order_by("order", "code")}
    active = [(str(pk), f"{c.code} — {c.name}") for pk, c in chapters.items() if c.is_active]
    retired = [(str(pk), f"{c.code} — {c.name}") for pk, c in chapters.items() if not c.is_active]
    choices = [("", "—"), *active]
    if retired:
        choices.append((_("Retired chapters"), retired))
    return choices, chapters


def country_choices(agreement: Agreement) -> tuple[list, dict]:
    """Countries for the venue select, the agreement's own parties first."""
    countries = {p.pk: p for p in Party.objects.filter(kind=PartyKind.COUNTRY).order_by("name")}
    own = {link.party_id for link in agreement.agreement_parties.all()}
    label = {pk: f"{p.local_name} ({p.code})" for pk, p in countries.items()}
    first = [(str(pk), label[pk]) for pk in countries if pk in own]
    rest = [(str(pk), label[pk]) for pk in countries if pk not in own]
    choices = [("", "—")]
    if first:
        choices.append((_("Parties to this agreement"), first))
    choices.append((_("All countries"), rest))
    return choices, countries


class LookupChoiceField(forms.ChoiceField):
    """A select over precomputed choices that cleans to the object (one query for all rows)."""

    def __init__(self, *, objects: dict, unknown: str, **kwargs):
        self.objects = objects
        super().__init__(error_messages={"invalid_choice": unknown}, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value or None

    def validate(self, value):
        if value in self.empty_values:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return
        if not value.isdigit() or int(value) not in self.objects:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")

    def clean(self, value):
        value = super().clean(value)
        return self.objects[int(value)] if value else None


# --- Round form ---------------------------------------------------------------------------


class RoundForm(forms.Form):
    """The round's own fields; the chapters, notes and sources are formsets beside it.

    Every field also carries the value it was loaded with (Django's hidden initial), so that
    after a conflict the form knows which fields the user changed: those keep the user's
    value, the others take the colleague's (see :meth:`RoundLogForm.rebased`)."""

    version = version_field()
    snapshot = TextField(widget=forms.HiddenInput, required=False)
    number = forms.IntegerField(
        label=_("Round number"),
        required=False,
        # The model's own rule (its validators), so that any number it accepts can be edited here.
        validators=Round._meta.get_field("number").validators,
        widget=forms.NumberInput(attrs={"min": ROUND_NUMBER_MIN, "max": ROUND_NUMBER_MAX}),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=RoundKind.choices, initial=RoundKind.NUMBERED)
    title = TextField(
        label=_("Title"), required=False, max_length=200, help_text=_("Only for meetings without a number.")
    )
    status = forms.ChoiceField(label=_("Status"), choices=RoundStatus.choices, initial=RoundStatus.HELD)
    format = forms.ChoiceField(label=_("Format"), choices=RoundFormat.choices, initial=RoundFormat.IN_PERSON)
    start = PartialDateField(label=_("Start date"), required=False)
    end = PartialDateField(label=_("End date"), required=False, help_text=_("Same form as the start date."))
    dates_note = TextField(label=_("Dates note"), required=False, max_length=500)
    venue_city = TextField(label=_("City"), required=False, max_length=100)
    venue_place = TextField(
        label=_("Named place"), required=False, max_length=200, help_text=_("e.g. “Hyderabad House”")
    )
    venue_note = TextField(label=_("Venue note"), required=False, max_length=500)
    chief_negotiators = TextField(
        label=_("Chief negotiators"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary = TextField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = reason_field()

    def __init__(self, *args, agreement: Agreement, round: Round | None = None, countries=None, **kwargs):
        self.agreement = agreement
        self.round = round
        if round is None:
            kwargs.setdefault("initial", {"number": round_next_number(agreement=agreement)})
        else:
            kwargs.setdefault("initial", round_initial(round))
        super().__init__(*args, **kwargs)
        choices, objects = countries or country_choices(agreement)
        self.fields["venue_country"] = LookupChoiceField(
            label=_("Country"),
            required=False,
            choices=choices,
            objects=objects,
            unknown=_("Unknown country; choose one from the list."),
        )
        if round is None and not self.is_bound:
            # The number is suggested; the dates are the first thing to type. (A form shown
            # again after a failed save focuses its error summary instead.)
            self.fields["start"].widget.attrs["autofocus"] = True
        # Keep the country beside the city in the rendered form.
        order = list(self.fields)
        order.remove("venue_country")
        order.insert(order.index("venue_city") + 1, "venue_country")
        self.order_fields(order)
        for name in ROUND_FORM_FIELDS:
            self.fields[name].show_hidden_initial = True

    def clean(self):
        # The round's rules (dates, venue, number) are the model's and the service's: their
        # errors come back onto these fields (``RoundLogForm.add_service_errors``). Only what
        # the form itself parses is checked here.
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            try:
                range_precision(start[1], end[1])
            except ValueError as error:
                self.add_error("end", str(error))
        if self.round is not None and data.get("version") is None:
            self.add_error(None, _("The form is missing its version; open the round again and redo the change."))
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        start, end = data["start"], data["end"]
        return {
            "number": data["number"],
            "kind": data["kind"],
            "title": data["title"],
            "status": data["status"],
            "format": data["format"],
            "start_date": start[0] if start else None,
            "end_date": end[0] if end else None,
            "date_precision": start[1] if start else DatePrecision.DAY,
            "dates_note": data["dates_note"],
            "venue_city": data["venue_city"],
            "venue_country": data["venue_country"],
            "venue_place": data["venue_place"],
            "venue_note": data["venue_note"],
            "chief_negotiators": data["chief_negotiators"],
            "summary": data["summary"],
        }


# The round's fields in the form (each with its hidden initial value).
ROUND_FORM_FIELDS = [
    "number",
    "kind",
    "title",
    "status",
    "format",
    "start",
    "end",
    "dates_note",
    "venue_city",
    "venue_country",
    "venue_place",
    "venue_note",
    "chief_negotiators",
    "summary",
]


def round_initial(round: Round) -> dict:
    """The round form's initial values for an existing round."""
    venue = round.venue
    return {
        "version": round.version,
        "snapshot": round_snapshot(round),
        "number": round.number,
        "kind": round.kind,
        "title": round.title,
        "status": round.status,
        "format": round.format,
        "start": format_partial_date_iso(round.start_date, round.date_precision),
        "end": format_partial_date_iso(round.end_date, round.date_precision),
        "dates_note": round.dates_note,
        "venue_city": venue.city if venue else "",
        "venue_country": str(venue.country_id) if venue else "",
        "venue_place": venue.place if venue else "",
        "venue_note": round.venue_note,
        "chief_negotiators": round.chief_negotiators,
        "summary": round.summary,
    }


# --- Chapter rows, notes, sources ------------------------------------------------------------


CHAPTER_ROW_FIELDS = ["chapter", "status", "note"]


class ChapterRowForm(forms.Form):
    """One chapter discussed at the round. A row without a chapter is ignored; an existing row
    (``id``, with the ``version`` it was loaded at) whose chapter is cleared is removed."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    status = forms.ChoiceField(
        label=_("Progress"), choices=ProgressStatus.choices, initial=ProgressStatus.UNDER_NEGOTIATION
    )
    note = TextField(label=_("Public note"), required=False, widget=forms.TextInput)

    def __init__(self, *args, chapters, **kwargs):
        super().__init__(*args, **kwargs)
        choices, objects = chapters
        self.fields["chapter"] = LookupChoiceField(
            label=_("Chapter"),
            required=False,
            choices=choices,
            objects=objects,
            unknown=UNKNOWN_CHAPTER_MESSAGE,
        )
        self.order_fields(["chapter", "status", "note", "id", "version"])
        for name in CHAPTER_ROW_FIELDS:
            self.fields[name].show_hidden_initial = True

    def has_changed(self):
        # A blank row is empty whatever its status select shows (it always sends a value).
        return bool(self["id"].value() or self["chapter"].value() or (self["note"].value() or "").strip())

    def clean(self):
        data = super().clean()
        if data.get("chapter") is None and data.get("note") and "chapter" not in self.errors:
            self.add_error("chapter", _("Choose the chapter this row is about."))
        return data


class BaseChapterFormSet(forms.BaseFormSet):
    def clean(self):
        seen = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            chapter = form.cleaned_data.get("chapter")
            if chapter is None:
                continue
            if chapter.pk in seen:
                form.add_error("chapter", DUPLICATE_CHAPTER_MESSAGE)
            seen[chapter.pk] = form

    def lines(self) -> list[ChapterLine]:
        lines = []
        for form in self.forms:
            data = form.cleaned_data
            if data.get("chapter") is not None and not self._should_delete_form(form):
                lines.append(
                    ChapterLine(
                        chapter=data["chapter"],
                        status=data["status"],
                        note=data["note"],
                        id=data.get("id"),
                        version=data.get("version"),
                    )
                )
        return lines

    def removed(self) -> list[tuple[int, int | None]]:
        """``(id, version)`` of the loaded rows the user removed (ticked, or chapter cleared)."""
        return [
            (form.cleaned_data["id"], form.cleaned_data.get("version"))
            for form in self.forms
            if form.cleaned_data.get("id")
            and (self._should_delete_form(form) or form.cleaned_data.get("chapter") is None)
        ]


ChapterFormSet = formset_factory(ChapterRowForm, formset=BaseChapterFormSet, extra=0, can_delete=True)


def note_language_field() -> forms.ChoiceField:
    """The language a note is written in; a new note defaults to the page's language (the
    writer's), since notes are never translated."""
    return forms.ChoiceField(
        label=_("Written in"),
        choices=NoteLanguage.choices,
        required=False,  # left out (older clients): a new note is English, an edited one keeps its language
        initial=lambda: (get_language() or NoteLanguage.ENGLISH).split("-")[0],
        help_text=_("Notes are shown as written; readers of the other language see which language it is."),
    )


class NoteRowForm(forms.Form):
    """A new note on the round; a row without text is ignored."""

    text = TextField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Visibility.choices,
        # Safer default: an internal assessment must never go public by oversight.
        initial=Visibility.CONFIDENTIAL,
        help_text=_("Confidential: only curators and this agreement's officials see it."),
    )
    language = note_language_field()

    def __init__(self, *args, chapters, **kwargs):
        super().__init__(*args, **kwargs)
        choices, objects = chapters
        self.fields["chapter"] = LookupChoiceField(
            label=_("About chapter"),
            required=False,
            choices=choices,
            objects=objects,
            unknown=UNKNOWN_CHAPTER_MESSAGE,
        )

    def has_changed(self):
        return bool((self["text"].value() or "").strip() or self["chapter"].value())

    def clean(self):
        data = super().clean()
        # A text refused already (a control character) is not also "missing".
        if "text" not in self.errors and not data["text"].strip() and data.get("chapter") is not None:
            self.add_error("text", _("Write the note, or clear the chapter."))
        return data


class BaseNoteFormSet(forms.BaseFormSet):
    def lines(self) -> list[NoteLine]:
        return [
            NoteLine(
                text=d["text"],
                visibility=d["visibility"],
                chapter=d.get("chapter"),
                language=d.get("language") or NoteLanguage.ENGLISH,
            )
            for d in (form.cleaned_data for form in self.forms)
            if d.get("text", "").strip()
        ]


NoteFormSet = formset_factory(NoteRowForm, formset=BaseNoteFormSet, extra=NOTE_ROWS)


class SourceRowForm(forms.Form):
    """A source for the round: a web page (reused if its URL is already on record)."""

    url = forms.URLField(label=_("URL"), required=False, max_length=500, assume_scheme="https")
    title = TextField(label=_("Title"), required=False, max_length=500)
    publisher = TextField(label=_("Publisher"), required=False, max_length=200)
    published = PartialDateField(label=_("Published"), required=False, help_text="")
    note = TextField(label=_("What it says"), required=False, max_length=500)
    conflicting = forms.BooleanField(label=_("Disagrees with the recorded values"), required=False)

    def clean(self):
        data = super().clean()
        if "url" in self.errors or "title" in self.errors:
            return data  # the row is told already what is wrong with its URL or title
        url, title = data["url"], data["title"].strip()
        filled = url or title or data.get("publisher") or data.get("note") or data.get("published")
        if filled and not title:
            known = url and Source.objects.filter(url=url).exists()
            if not known:
                self.add_error("title", _("Give the source's title."))
        return data


class BaseSourceFormSet(forms.BaseFormSet):
    def lines(self) -> list[SourceLine]:
        lines = []
        for d in (form.cleaned_data for form in self.forms):
            if not (d.get("url") or d.get("title", "").strip()):
                continue
            published = d.get("published")
            lines.append(
                SourceLine(
                    url=d.get("url") or "",
                    title=d.get("title", ""),
                    publisher=d.get("publisher", ""),
                    published_on=published[0] if published else None,
                    published_precision=published[1] if published else DatePrecision.DAY,
                    note=d.get("note", ""),
                    conflicting=d.get("conflicting", False),
                )
            )
        return lines


SourceFormSet = formset_factory(SourceRowForm, formset=BaseSourceFormSet, extra=SOURCE_ROWS)


# --- The whole round form ---------------------------------------------------------------


# Which part of the form a service ValidationError key belongs to.
_SERVICE_FIELD = {
    "number": "number",
    "kind": "kind",
    "title": "title",
    "status": "status",
    "format": "format",
    "start_date": "start",
    "end_date": "end",
    "date_precision": "start",
    "dates_note": "dates_note",
    "venue": "venue_city",
    "venue_city": "venue_city",
    "venue_country": "venue_country",
    "venue_place": "venue_place",
    "venue_note": "venue_note",
    "summary": "summary",
    "chief_negotiators": "chief_negotiators",
    "reason": "reason",
}


class RoundLogForm:
    """The round form with its chapter, note and source formsets, validated and saved together."""

    def __init__(self, data=None, *, agreement: Agreement, round: Round | None = None, copy_from: Round | None = None):
        """``copy_from``: for a new round, start the chapter rows from that round's chapters and
        statuses (negotiators usually carry on with the same chapters)."""
        self.agreement = agreement
        self.round = round
        chapters = chapter_choices()
        self.main = RoundForm(data, agreement=agreement, round=round, countries=country_choices(agreement))
        initial_rows = []
        source_round = round if round is not None else copy_from
        if source_round is not None and data is None:
            initial_rows = [
                {"chapter": str(p.chapter_id), "status": p.status, "note": p.note if round is not None else ""}
                | ({"id": p.pk, "version": p.version} if round is not None else {})
                for p in source_round.progress.order_by("chapter__order", "chapter__code")
            ]
        extra = CHAPTER_ROWS_EDIT if initial_rows or round is not None else CHAPTER_ROWS_NEW
        self.chapters = ChapterFormSet(
            data,
            prefix="chapters",
            initial=initial_rows or None,
            form_kwargs={"chapters": chapters},
        )
        if data is None:
            self.chapters.extra = extra
        self.notes = NoteFormSet(data, prefix="notes", form_kwargs={"chapters": chapters})
        self.sources = SourceFormSet(data, prefix="sources")
        self.service_errors: list[str] = []

    @property
    def parts(self):
        return [self.main, self.chapters, self.notes, self.sources]

    def is_valid(self) -> bool:
        # Validate every part (no short-circuit) so that all errors show at once.
        results = [part.is_valid() for part in self.parts]
        return all(results)

    @property
    def expected_version(self) -> int | None:
        return self.main.cleaned_data.get("version")

    @property
    def expected_snapshot(self) -> str | None:
        # An edit always checks the rows it loaded: a post without the snapshot is stale.
        return self.main.cleaned_data.get("snapshot") or ("missing" if self.round is not None else None)

    @property
    def reason(self) -> str:
        return self.main.cleaned_data.get("reason", "")

    def service_kwargs(self) -> dict:
        """Keyword arguments for ``round_log`` (without agreement, round, user)."""
        return {
            **self.main.service_fields(),
            "chapters": self.chapters.lines(),
            "remove_chapters": self.chapters.removed(),
            "notes": self.notes.lines(),
            "sources": self.sources.lines(),
            "reason": self.reason,
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Show a service's ValidationError on the field it is about, or above the form."""
        for key, messages in (error.message_dict if hasattr(error, "error_dict") else {None: error.messages}).items():
            field = _SERVICE_FIELD.get(key)
            for message in messages:
                if field:
                    self.main.add_error(field, message)
                elif key in ("chapters", "notes", "sources"):
                    self.service_errors.append(message)
                else:
                    self.main.add_error(None, message)

    def error_summary(self) -> list[dict]:
        """Every error in the form, each with a label saying where it is and the id of the
        field it is about (``None`` for errors about the whole form): the summary above it."""
        items = []
        for name, messages in self.main.errors.items():
            field = self.main.fields.get(name)
            linkable = field is not None and not field.widget.is_hidden
            for message in messages:
                items.append(
                    {
                        "label": field.label if linkable else "",
                        "message": message,
                        "id": self.main[name].auto_id if linkable else None,
                    }
                )
        for message in self.chapters.non_form_errors():
            items.append({"label": "", "message": message, "id": None})
        rows = (
            (self.chapters, _("Chapter row %(number)s — %(field)s")),
            (self.notes, _("Note %(number)s — %(field)s")),
            (self.sources, _("Source %(number)s — %(field)s")),
        )
        for formset, label in rows:
            for index, row in enumerate(formset.forms, start=1):
                for name, messages in row.errors.items():
                    field = row.fields.get(name)
                    linkable = field is not None and not field.widget.is_hidden
                    where = label % {"number": index, "field": field.label if linkable else _("row")}
                    target = row[name].auto_id if linkable else row[row.visible_fields()[0].name].auto_id
                    items.extend({"label": where, "message": message, "id": target} for message in messages)
        items.extend({"label": "", "message": message, "id": None} for message in self.service_errors)
        return items

    def with_more_rows(self, part: str) -> "RoundLogForm":
        """The same input shown again with more blank rows in ``part`` ("chapters", "notes" or
        "sources"): the "more rows" button without JavaScript. Nothing is validated or saved,
        and nothing typed is lost; the first new row gets the focus."""
        formset = {"chapters": self.chapters, "notes": self.notes, "sources": self.sources}[part]
        data = self.main.data.copy()
        start = formset.total_form_count()
        blank = formset.empty_form
        for index in range(start, start + MORE_ROWS[part]):
            # A blank row starts from each field's default, as a row in a fresh form does
            # (a new note stays confidential unless the writer says otherwise).
            for name, field in blank.fields.items():
                initial = blank.get_initial_for_field(field, name)
                if initial not in (None, ""):
                    data[f"{formset.prefix}-{index}-{name}"] = str(initial)
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(start + MORE_ROWS[part])
        data.setdefault(f"{formset.prefix}-INITIAL_FORMS", "0")
        form = RoundLogForm(data, agreement=self.agreement, round=self.round)
        form._hide_errors()
        first_new = getattr(form, part).forms[start]
        first_new.fields[first_new.visible_fields()[0].name].widget.attrs["autofocus"] = True
        return form

    def _hide_errors(self) -> None:
        # Input that is still being typed is not checked yet: no error is shown.
        self.main._errors = ErrorDict()
        for formset in (self.chapters, self.notes, self.sources):
            for row in formset.forms:
                row._errors = ErrorDict()
            formset._errors = [row._errors for row in formset.forms]
            formset._non_form_errors = formset.error_class()

    def rebased(self, current: Round) -> "RoundLogForm":
        """After a conflict: the form again, on top of what is saved now.

        Each field the user changed (against the value it was loaded with) keeps the user's
        input; every other field takes the saved value, so saving again never reverts a
        colleague's change the user did not touch. Chapter rows likewise, field by field; rows a
        colleague added are shown (and kept), rows the user added stay. The versions and the
        snapshot are the current ones, so saving again is a deliberate choice."""
        posted = self.main.data
        data = QueryDict(mutable=True)
        for key in ("csrfmiddlewaretoken", "reason"):
            if key in posted:
                data[key] = posted[key]
        saved = round_initial(current)
        changed = set(self.main.changed_data)
        for name in ROUND_FORM_FIELDS:
            theirs = "" if saved[name] is None else str(saved[name])
            data[name] = posted.get(name, "") if name in changed else theirs
            data[f"initial-{name}"] = theirs
        data["version"], data["snapshot"] = str(saved["version"]), saved["snapshot"]

        current_rows = {p.pk: p for p in current.progress.order_by("chapter__order", "chapter__code")}
        rows, seen = [], set()
        for form in self.chapters.forms:
            row_id = form["id"].value()
            row_id = int(row_id) if str(row_id or "").isdigit() else None
            touched = set(form.changed_data) & set(CHAPTER_ROW_FIELDS)
            deleting = self.chapters._should_delete_form(form)
            mine = {name: form[name].value() or "" for name in CHAPTER_ROW_FIELDS}
            if row_id is None:
                if form.has_changed():
                    rows.append({**mine, "DELETE": deleting})
                continue
            seen.add(row_id)
            row = current_rows.get(row_id)
            if row is None:  # removed by the colleague: keep it only if the user edited it
                if touched and not deleting:
                    rows.append(mine)
                continue
            theirs = {"chapter": str(row.chapter_id), "status": row.status, "note": row.note}
            values = {name: (mine[name] if name in touched else theirs[name]) for name in CHAPTER_ROW_FIELDS}
            rows.append({**values, "id": row.pk, "version": row.version, "initial": theirs, "DELETE": deleting})
        for row_id, row in current_rows.items():
            if row_id not in seen:  # added by the colleague
                theirs = {"chapter": str(row.chapter_id), "status": row.status, "note": row.note}
                rows.append({**theirs, "id": row.pk, "version": row.version, "initial": theirs})
        rows.sort(key=lambda r: "id" not in r)  # loaded rows first: the formset's initial forms
        extra = CHAPTER_ROWS_EDIT
        prefix = self.chapters.prefix
        for index, row in enumerate(rows + [{}] * extra):
            for name in ("chapter", "status", "note", "id", "version"):
                if name in row:
                    data[f"{prefix}-{index}-{name}"] = str(row[name])
            for name, value in row.get("initial", {}).items():
                data[f"initial-{prefix}-{index}-{name}"] = value
            if row.get("DELETE"):
                data[f"{prefix}-{index}-DELETE"] = "on"
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows) + extra)
        data[f"{prefix}-INITIAL_FORMS"] = str(sum(1 for row in rows if "id" in row))
        data[f"{prefix}-MIN_NUM_FORMS"], data[f"{prefix}-MAX_NUM_FORMS"] = "0", "1000"
        for part in (self.notes, self.sources):
            for key, value in posted.items():
                if key.startswith(f"{part.prefix}-"):
                    data[key] = value
        return RoundLogForm(data, agreement=self.agreement, round=current)


def round_conflict_rows(form: RoundLogForm, current: Round) -> list[dict]:
    """What the user submitted beside what is saved now, field by field, changed ones flagged."""
    submitted = form.main.cleaned_data
    saved = round_initial(current)
    countries = form.main.fields["venue_country"].objects
    rows = []
    for name in ["number", "kind", "title", "status", "format", "start", "end", "venue_city", "venue_country"]:
        mine = submitted.get(name)
        if name in ("start", "end"):
            mine = format_partial_date_iso(*mine) if mine else ""
        elif name == "venue_country":
            mine = str(mine.pk) if mine else ""
        theirs = saved[name]
        rows.append(
            {
                "label": form.main.fields[name].label,
                "mine": _display(form.main.fields[name], mine, countries),
                "theirs": _display(form.main.fields[name], theirs, countries),
                "changed": str(mine or "") != str(theirs or ""),
            }
        )
    for name in ["dates_note", "venue_place", "venue_note", "chief_negotiators", "summary"]:
        mine, theirs = submitted.get(name) or "", saved[name] or ""
        rows.append(
            {
                "label": form.main.fields[name].label,
                "mine": mine,
                "theirs": theirs,
                "changed": mine.strip() != theirs.strip(),
            }
        )
    mine_chapters = {line.chapter.code: line for line in form.chapters.lines()}
    theirs_chapters = {p.chapter.code: p for p in current.progress.select_related("chapter")}
    for code in sorted(set(mine_chapters) | set(theirs_chapters)):
        mine, theirs = mine_chapters.get(code), theirs_chapters.get(code)
        mine_text = f"{ProgressStatus(mine.status).label}{' — ' + mine.note if mine.note else ''}" if mine else "—"
        theirs_text = f"{theirs.get_status_display()}{' — ' + theirs.note if theirs.note else ''}" if theirs else "—"
        rows.append({"label": code, "mine": mine_text, "theirs": theirs_text, "changed": mine_text != theirs_text})
    loaded = snapshot_rows(submitted.get("snapshot") or "")
    if loaded:
        rows += moved_note_rows(loaded.get("n", {}), current)
        rows += moved_citation_rows(loaded.get("c", {}), current)
        return rows
    moved = snapshot_changes(submitted.get("snapshot") or "", saved["snapshot"])
    for kind, label in (("notes", _("Notes")), ("sources", _("Sources"))):
        if kind in moved:  # a form without a readable snapshot: say which part moved
            rows.append(
                {
                    "label": label,
                    "mine": _("as they were when you opened the form"),
                    "theirs": _("changed since: see the list in the form below"),
                    "changed": True,
                }
            )
    return rows


def _display(field, value, countries) -> str:
    if value in (None, ""):
        return ""
    if isinstance(field, LookupChoiceField):
        party = countries.get(int(value))
        return str(party) if party else str(value)
    if isinstance(field, forms.ChoiceField):
        return str(dict(field.choices).get(value, value))
    return str(value)


# --- Versioned records ------------------------------------------------------------------


class VersionedForm(forms.Form):
    """A form editing one versioned record.

    Its ``tracked_fields`` carry the value they were loaded with (Django's hidden initial).
    After a conflict, :meth:`rebase` keeps what the user changed, takes the saved value in
    every other field and carries the record's current version, so that saving again (after
    reading what changed) never reverts a colleague's change the user did not touch."""

    tracked_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.tracked_fields:
            if name in self.fields:  # fields added by a subclass's __init__ set it themselves
                self.fields[name].show_hidden_initial = True

    def initial_for(self, current) -> dict:
        raise NotImplementedError

    def rebase(self, current) -> None:
        saved = self.initial_for(current)
        changed = set(self.changed_data)
        data = self.data.copy()
        for name in self.tracked_fields:
            theirs = saved[name]
            if name not in changed:
                if isinstance(self.fields[name], forms.BooleanField):
                    data.pop(name, None)
                    if theirs:
                        data[name] = "on"
                else:
                    data[name] = "" if theirs is None else str(theirs)
            data[f"initial-{name}"] = "" if theirs is None else str(theirs)
        data["version"] = str(current.version)
        self.data = data
        # The re-shown form is validated again against the merged values.
        if hasattr(self, "_errors"):
            self._errors = None


def conflict_row(label, mine, theirs) -> dict:
    """One line of the "what changed" table: the user's value beside the saved one."""
    mine, theirs = str(mine), str(theirs)
    return {"label": label, "mine": mine, "theirs": theirs, "changed": mine.strip() != theirs.strip()}


# --- Status events ----------------------------------------------------------------------


class StatusEventForm(VersionedForm):
    """A dated step on the agreement's timeline, e.g. "concluded on 6 May 2025"; with ``event``,
    the form edits that event (guarded by its version)."""

    version = version_field()
    status = forms.ChoiceField(label=_("Status"), choices=AgreementStatus.choices)
    date = PartialDateField(label=_("Effective date"))
    planned = forms.BooleanField(
        label=_("Planned (expected, not yet happened)"),
        required=False,
        help_text=_("Planned events are drawn on the timeline but do not change the current status."),
    )
    note = TextField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = reason_field()

    tracked_fields = ("status", "date", "planned", "note")

    def __init__(self, *args, event: StatusEvent | None = None, **kwargs):
        self.event = event
        if event is not None:
            kwargs.setdefault("initial", status_event_initial(event))
        super().__init__(*args, **kwargs)

    def initial_for(self, current: StatusEvent) -> dict:
        return status_event_initial(current)

    def clean(self):
        # A future date for an event that has happened is refused by the model (its rule,
        # shared by every door); the error comes back on the date field.
        data = super().clean()
        if self.event is not None and data.get("version") is None:
            self.add_error(None, _("The form is missing its version; open the event again and redo the change."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "status": data["status"],
            "date": data["date"][0],
            "date_precision": data["date"][1],
            "planned": data["planned"],
            "note": data["note"],
            "reason": data["reason"],
        }

    def conflict_rows(self, current: StatusEvent) -> list[dict]:
        mine, theirs = self.cleaned_data, status_event_initial(current)
        rows = []
        for name in ("status", "date", "planned", "note"):
            field = self.fields[name]
            mine_value = format_partial_date_iso(*mine["date"]) if name == "date" else mine[name]
            theirs_value = theirs[name]
            if name == "status":
                mine_value, theirs_value = AgreementStatus(mine_value).label, AgreementStatus(theirs_value).label
            elif name == "planned":
                mine_value, theirs_value = _("yes") if mine_value else _("no"), _("yes") if theirs_value else _("no")
            rows.append(conflict_row(field.label, mine_value, theirs_value))
        return rows


def status_event_initial(event: StatusEvent) -> dict:
    return {
        "version": event.version,
        "status": event.status,
        "date": format_partial_date_iso(event.date, event.date_precision),
        "planned": event.planned,
        "note": event.note,
    }


# --- Notes ------------------------------------------------------------------------------


class NoteForm(VersionedForm):
    """Edit one progress note (text, visibility, chapter)."""

    version = version_field(required=True)
    text = TextField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 5}))
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        choices=Visibility.choices,
        help_text=_("Confidential: only curators and this agreement's officials see it."),
    )
    language = note_language_field()
    reason = reason_field()

    tracked_fields = ("text", "visibility", "language", "chapter")

    def __init__(self, *args, note: ProgressNote, **kwargs):
        self.note = note
        kwargs.setdefault("initial", self.initial_for(note))
        super().__init__(*args, **kwargs)
        choices, objects = chapter_choices()
        self.fields["chapter"] = LookupChoiceField(
            label=_("About chapter"),
            required=False,
            choices=choices,
            objects=objects,
            unknown=UNKNOWN_CHAPTER_MESSAGE,
        )
        self.order_fields(["version", "text", "language", "visibility", "chapter", "reason"])
        self.fields["chapter"].show_hidden_initial = True

    def initial_for(self, current: ProgressNote) -> dict:
        return {
            "version": current.version,
            "text": current.text,
            "visibility": current.visibility,
            "language": current.language,
            "chapter": str(current.chapter_id or ""),
        }

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "visibility": data["visibility"],
            "language": data.get("language") or self.note.language,
            "chapter": data["chapter"],
            "reason": data["reason"],
        }

    def conflict_rows(self, current: ProgressNote) -> list[dict]:
        mine = self.cleaned_data
        return [
            conflict_row(self.fields["text"].label, mine["text"], current.text),
            conflict_row(
                self.fields["visibility"].label, Visibility(mine["visibility"]).label, current.get_visibility_display()
            ),
            conflict_row(self.fields["chapter"].label, mine["chapter"] or "—", current.chapter or "—"),
            conflict_row(
                self.fields["language"].label,
                NoteLanguage(mine.get("language") or current.language).label,
                current.get_language_display(),
            ),
        ]


class ConfirmDeleteForm(forms.Form):
    """Deleting needs the version that was shown, and may say why."""

    version = version_field(required=True)
    reason = reason_field()
