"""One django-filter FilterSet per model: the contract shared by the HTML lists, their exports,
the feeds and the REST API.

The parameter names are public (bookmarked URLs, scripts, the API): never rename one.

- Repeatable parameters (``?party=IND&party=PER``, ``?status=planned&status=held``) match any
  of the values given (OR), as in NetBox.
- Codes are case-insensitive (``?chapter=crm`` works); an unknown code, a malformed date or an
  unknown status makes the form invalid with a readable message. Callers must check
  ``filterset.is_valid()``: the list pages show :func:`filter_errors`, exports answer 400.
- Dates accept ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``. Rounds known only to the month (or year)
  count from their month (or year): ``start_after=2025-11-15`` keeps a round "Nov 2025".
- Filters that cross a to-many relation use ``pk__in`` subqueries, never joins, so no row is
  duplicated and no ``distinct()`` is needed (exports stream the queryset as it is).
- ProgressNote querysets must already be restricted by the caller
  (``permissions.notes_visible_to`` or ``ProgressNote.objects.public()``): no filter here can
  widen them.
"""

import unicodedata

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .choices import (
    AgreementKind,
    AgreementStatus,
    PartyKind,
    ProgressStatus,
    RoundFormat,
    RoundKind,
    RoundStatus,
)
from .dates import period_end
from .filters.fields import SlugMultipleChoiceField
from .filters.filters import (
    CodesFilter,
    FlagFilter,
    NullsLastOrderingFilter,
    PartialDateFilter,
    agreement_filter,
    chapter_filter,
    choices_filter,
    include_members_filter,
    party_filter,
    round_filter,
)
from .filters.widgets import OneOfManySelect
from .models import (
    Agreement,
    AgreementParty,
    BlocMembership,
    Chapter,
    ChapterProgress,
    Party,
    ProgressNote,
    Round,
    Source,
    StatusEvent,
    Venue,
    overdue_round_q,
)
from .queries import agreements_of_parties, starts_on_or_after_q

# The rounds' meeting-format filter's name before it was ``meeting_format`` (still read).
OLD_MEETING_FORMAT = "format"


def filter_errors(filterset) -> list[str]:
    """The form's errors as readable sentences, e.g. "Chapter: Unknown chapter code “XYZ”."."""
    messages = []
    form = filterset.form
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.append(f"{label}: {error}" if label else str(error))
    return messages


def by_label(choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Choices in the order of their labels as the reader sees them: party names are shown in
    the reader's language ("Alianza del Pacífico"), the database orders them by the English name."""
    return sorted(choices, key=lambda choice: unicodedata.normalize("NFKD", choice[1]).casefold())


class FilterForm(forms.Form):
    """The filter form: labels without a trailing colon (they read better above the inputs)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class RoundFilterForm(FilterForm):
    """A value of the old name ``format`` that is not a meeting format is reported under
    ``format``, saying what it could have been (``format=pdf`` is more likely a response format)."""

    def full_clean(self):
        super().full_clean()
        old = self.data.getlist(OLD_MEETING_FORMAT) if hasattr(self.data, "getlist") else []
        unknown = [value for value in old if value not in RoundFormat.values]
        if not unknown or "meeting_format" not in self._errors:
            return
        sent = self.data.getlist("meeting_format")[: -len(old)]
        if all(value in RoundFormat.values for value in sent):
            del self._errors["meeting_format"]
        self._errors[OLD_MEETING_FORMAT] = self.error_class(
            [
                _("“%(value)s” is neither a response format (csv, json) nor a meeting format (%(formats)s).")
                % {"value": unknown[0], "formats": ", ".join(RoundFormat.values)}
            ]
        )


class BaseFilterSet(filters.FilterSet):
    """Shared behaviour: ``q`` searches the fields listed in ``search_fields``."""

    search_fields: tuple[str, ...] = ()

    def narrow_choices(self) -> None:
        """Offer only the parties and countries that occur in the data in the HTML form's
        drop-downs (every ISO country would be a 250-line list). Validation still accepts any
        known code, which then simply matches nothing. For HTML pages only: one query."""
        form = self.form

        def asked(name: str) -> list[str]:
            # Codes in the URL stay in the list, so the form shows what is being filtered.
            codes = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            return [code.strip().upper() for code in codes]

        # A drop-down's parties: those in an agreement (party), or hosting a venue (host_country).
        used_in = {
            "party": Exists(AgreementParty.objects.filter(party=OuterRef("pk"))),
            "host_country": Exists(Venue.objects.filter(country=OuterRef("pk"))),
        }
        lists = [name for name in used_in if name in form.fields]
        if lists:
            # Both lists from one query of plain columns, with a flag per list: at 100x the data
            # instances of a DISTINCT join took about 6 ms of a list page, two such queries 2 ms.
            wanted = Q()
            for name in lists:
                wanted |= Q(**{name: True}) | Q(code__in=asked(name))
            rows = (
                Party.objects.annotate(**{name: used_in[name] for name in lists})
                .filter(wanted)
                .order_by()  # sorted by label below
                .values_list("code", "name", "kind", *lists)
            )
            language = get_language()
            parties = [(code, Party.label(code, name, kind, language), used) for code, name, kind, *used in rows]
            for index, name in enumerate(lists):
                codes = set(asked(name))
                choices = [(code, label) for code, label, used in parties if used[index] or code in codes]
                form.fields[name].widget.choices = by_label(choices)
        if isinstance(form.fields.get("agreement"), SlugMultipleChoiceField):
            # The names of the agreements asked for, for the picker's chips and the summary.
            chosen = getattr(form, "cleaned_data", {}).get("agreement")
            form.fields["agreement"].widget.names = {a.slug: str(a) for a in chosen} if chosen else {}

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = Q()
        for field in self.search_fields:
            query |= Q(**{f"{field}__icontains": value})
        return queryset.filter(query)


# --- Agreements ---------------------------------------------------------------------------


class AgreementFilterSet(BaseFilterSet):
    """``q``, ``status``, ``kind``, ``party`` (+ ``party_include_members``), ``chapter``,
    ``reached_status`` with ``reached_after``/``reached_before`` (a status reached in a date
    range, e.g. in force between 2010 and 2015), ``ordering``."""

    q = filters.CharFilter(method="search", label=_("Search"))
    status = choices_filter(
        AgreementStatus.choices, _("Status"), _("Unknown status “%(value)s”."), field_name="current_status"
    )
    kind = choices_filter(AgreementKind.choices, _("Kind"), _("Unknown kind “%(value)s”."))
    party = party_filter(method="filter_party")
    party_include_members = include_members_filter()
    chapter = chapter_filter(method="filter_chapter")
    reached_status = filters.MultipleChoiceFilter(
        choices=AgreementStatus.choices,
        method="filter_status_reached",
        label=_("Status reached"),
        help_text=_("Agreements that reached this status; with dates, between them."),
        error_messages={"invalid_choice": _("Unknown status “%(value)s”.")},
        widget=OneOfManySelect(blank_label=_("Any status")),
    )
    reached_after = PartialDateFilter(method="filter_status_reached", label=_("Reached on or after"))
    reached_before = PartialDateFilter(method="filter_status_reached", label=_("Reached on or before"))
    ordering = NullsLastOrderingFilter(
        fields=(("name", "name"), ("status_date", "status_date")),
        field_labels={"name": _("Name"), "status_date": _("Status date")},
        error_messages={"invalid_choice": _("Unknown ordering “%(value)s”.")},
    )

    search_fields = ("name", "short_name", "slug", "summary")

    class Meta:
        model = Agreement
        form = FilterForm
        fields = [
            "q",
            "status",
            "kind",
            "party",
            "party_include_members",
            "chapter",
            "reached_status",
            "reached_after",
            "reached_before",
        ]

    def filter_nothing(self, queryset, name, value):
        """Modifiers such as ``party_include_members`` are read by the filter they modify."""
        return queryset

    def filter_party(self, queryset, name, value):
        if not value:
            return queryset
        include = bool(self.form.cleaned_data.get("party_include_members"))
        return queryset.filter(pk__in=agreements_of_parties(value, include_members=include))

    def filter_chapter(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=ChapterProgress.objects.filter(chapter=value).values("round__agreement"))

    REACHED = ("reached_status", "reached_after", "reached_before")

    def filter_status_reached(self, queryset, name, value):
        """Agreements with a status event that happened (not planned) with one of the statuses
        (any, if none is given) dated in the range: the three parameters make one condition on
        the same event, applied once."""
        asked = {key: self.form.cleaned_data.get(key) for key in self.REACHED}
        if name != next((key for key in self.REACHED if asked[key]), None):
            return queryset
        events = StatusEvent.objects.filter(planned=False)
        if asked["reached_status"]:
            events = events.filter(status__in=asked["reached_status"])
        if asked["reached_after"]:
            events = events.filter(starts_on_or_after_q(asked["reached_after"][0], "date", "date_precision"))
        if asked["reached_before"]:
            events = events.filter(date__lte=period_end(*asked["reached_before"]))
        return queryset.filter(pk__in=events.values("agreement"))


# --- Rounds -------------------------------------------------------------------------------


class RoundFilterSet(BaseFilterSet):
    """``q``, ``agreement``, ``party`` (+ ``party_include_members``), ``chapter``, ``chapter_status``,
    ``host_country``, ``city``, ``meeting_format``, ``status``, ``kind``, ``start_after``,
    ``start_before``, ``upcoming``, ``ordering``.

    ``meeting_format`` was first called ``format``, which is also the export format
    (``format=csv``). ``format=in_person|virtual|hybrid`` still filters (old links keep working):
    it is read as ``meeting_format`` once the export formats are taken out of it.

    ``chapter`` with ``chapter_status`` means "this chapter reached this status at the round";
    ``chapter_status`` alone means "some chapter reached it".
    """

    q = filters.CharFilter(method="search", label=_("Search"))
    agreement = agreement_filter(field_name="agreement__slug")
    party = party_filter(method="filter_party")
    party_include_members = include_members_filter()
    chapter = chapter_filter(method="filter_chapter_progress")
    chapter_status = choices_filter(
        ProgressStatus.choices,
        _("Chapter status"),
        _("Unknown chapter status “%(value)s”."),
        method="filter_chapter_progress",
    )
    host_country = CodesFilter(
        field_name="venue__country__code",
        queryset=Party.objects.filter(kind=PartyKind.COUNTRY),
        to_field_name="code",
        label=_("Host country"),
        help_text=_("ISO 3166-1 alpha-3 code"),
        error_messages={"invalid_choice": _("Unknown country code “%(value)s”.")},
    )
    city = filters.CharFilter(field_name="venue__city", lookup_expr="iexact", label=_("City"))
    meeting_format = choices_filter(
        RoundFormat.choices,
        _("Meeting format"),
        _("Unknown meeting format “%(value)s”."),
        field_name="format",
        help_text=_("In person, virtual or hybrid"),
    )
    status = choices_filter(RoundStatus.choices, _("Status"), _("Unknown round status “%(value)s”."))
    kind = choices_filter(RoundKind.choices, _("Kind"), _("Unknown round kind “%(value)s”."))
    start_after = PartialDateFilter(method="filter_start_after", label=_("Starts on or after"))
    start_before = PartialDateFilter(method="filter_start_before", label=_("Starts on or before"))
    upcoming = FlagFilter(method="filter_upcoming", label=_("Upcoming only"))
    overdue = FlagFilter(
        method="filter_overdue",
        label=_("Date passed — outcome not recorded"),
        help_text=_("Planned rounds whose dates have passed without a recorded outcome."),
    )
    ordering = NullsLastOrderingFilter(
        fields=(("start_date", "start_date"), ("number", "number")),
        field_labels={"start_date": _("Date"), "number": _("Number")},
        error_messages={"invalid_choice": _("Unknown ordering “%(value)s”.")},
    )

    search_fields = (
        "title",
        "summary",
        "venue_note",
        "venue__city",
        "venue__place",
        "agreement__name",
        "agreement__short_name",
        "chief_negotiators",
    )

    class Meta:
        model = Round
        form = RoundFilterForm
        fields = [
            "q",
            "agreement",
            "party",
            "party_include_members",
            "chapter",
            "chapter_status",
            "host_country",
            "city",
            "meeting_format",
            "status",
            "kind",
            "start_after",
            "start_before",
            "upcoming",
            "overdue",
        ]

    # Old parameter names still read, and the filter they now name.
    old_names = {OLD_MEETING_FORMAT: "meeting_format"}

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(self.with_old_names(data), *args, **kwargs)

    @staticmethod
    def with_old_names(data):
        """``format=virtual`` (the old name) read as ``meeting_format=virtual``; the old name
        stays in the data, where only RoundFilterForm's error message reads it."""
        if data is None or not hasattr(data, "getlist") or not data.getlist(OLD_MEETING_FORMAT):
            return data
        data = data.copy()
        data.setlist("meeting_format", [*data.getlist("meeting_format"), *data.getlist(OLD_MEETING_FORMAT)])
        return data

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_party(self, queryset, name, value):
        if not value:
            return queryset
        include = bool(self.form.cleaned_data.get("party_include_members"))
        return queryset.filter(agreement__in=agreements_of_parties(value, include_members=include))

    def filter_chapter_progress(self, queryset, name, value):
        chapter = self.form.cleaned_data.get("chapter")
        statuses = self.form.cleaned_data.get("chapter_status")
        if name == "chapter_status" and chapter:
            return queryset  # already applied together with the chapter
        progress = ChapterProgress.objects.all()
        if chapter:
            progress = progress.filter(chapter=chapter)
        if statuses:
            progress = progress.filter(status__in=statuses)
        if not chapter and not statuses:
            return queryset
        return queryset.filter(pk__in=progress.values("round"))

    def filter_start_after(self, queryset, name, value):
        if not value:
            return queryset
        day, _precision = value
        return queryset.filter(starts_on_or_after_q(day))

    def filter_start_before(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(start_date__lte=period_end(*value))

    def filter_upcoming(self, queryset, name, value):
        """Planned rounds starting today or later; a round "Jan 2026" stays upcoming all January."""
        if value is None:
            return queryset
        upcoming = Q(status=RoundStatus.PLANNED) & starts_on_or_after_q(timezone.localdate())
        return queryset.filter(upcoming) if value else queryset.exclude(upcoming)

    def filter_overdue(self, queryset, name, value):
        """Planned rounds whose dates have passed (``Round.is_overdue``, as a query)."""
        if value is None:
            return queryset
        overdue = overdue_round_q(timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


# --- The other models ---------------------------------------------------------------------


class ChapterProgressFilterSet(BaseFilterSet):
    """Chapter × round rows: ``agreement``, ``round``, ``chapter``, ``status``, ``party``, dates, ``q``."""

    q = filters.CharFilter(method="search", label=_("Search"))
    agreement = agreement_filter(field_name="round__agreement__slug")
    round = round_filter(field_name="round")
    chapter = chapter_filter(many=True, field_name="chapter__code")
    status = choices_filter(ProgressStatus.choices, _("Status"), _("Unknown chapter status “%(value)s”."))
    party = party_filter(method="filter_party")
    party_include_members = include_members_filter()
    start_after = PartialDateFilter(method="filter_start_after", label=_("Round starts on or after"))
    start_before = PartialDateFilter(method="filter_start_before", label=_("Round starts on or before"))
    ordering = NullsLastOrderingFilter(
        fields=(("round__start_date", "start_date"), ("chapter__order", "chapter")),
        error_messages={"invalid_choice": _("Unknown ordering “%(value)s”.")},
    )

    search_fields = ("note", "chapter__name", "round__agreement__name")

    class Meta:
        model = ChapterProgress
        form = FilterForm
        fields = ["q", "agreement", "round", "chapter", "status", "party", "start_after", "start_before"]

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_party(self, queryset, name, value):
        if not value:
            return queryset
        include = bool(self.form.cleaned_data.get("party_include_members"))
        return queryset.filter(round__agreement__in=agreements_of_parties(value, include_members=include))

    def filter_start_after(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(starts_on_or_after_q(value[0], "round__start_date", "round__date_precision"))

    def filter_start_before(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(round__start_date__lte=period_end(*value))


class ProgressNoteFilterSet(BaseFilterSet):
    """Notes: ``agreement``, ``round``, ``chapter``, ``q``, ``created_after``/``created_before``.

    The queryset given must already be restricted to what the reader may see.
    """

    q = filters.CharFilter(method="search", label=_("Search"))
    agreement = agreement_filter(field_name="round__agreement__slug")
    round = round_filter(field_name="round")
    chapter = chapter_filter(many=True, field_name="chapter__code")
    created_after = filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Written on or after"), input_formats=["%Y-%m-%d"]
    )
    created_before = filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Written on or before"), input_formats=["%Y-%m-%d"]
    )
    ordering = NullsLastOrderingFilter(
        fields=(("created_at", "created"), ("round__start_date", "start_date")),
        error_messages={"invalid_choice": _("Unknown ordering “%(value)s”.")},
    )

    search_fields = ("text",)

    class Meta:
        model = ProgressNote
        form = FilterForm
        fields = ["q", "agreement", "round", "chapter", "created_after", "created_before"]


class StatusEventFilterSet(BaseFilterSet):
    """Status timeline events: ``agreement``, ``status``, ``planned``, ``date_after``/``date_before``, ``q``."""

    q = filters.CharFilter(method="search", label=_("Search"))
    agreement = agreement_filter(field_name="agreement__slug")
    status = choices_filter(AgreementStatus.choices, _("Status"), _("Unknown status “%(value)s”."))
    planned = FlagFilter(field_name="planned", label=_("Planned"))
    date_after = PartialDateFilter(method="filter_date_after", label=_("On or after"))
    date_before = PartialDateFilter(method="filter_date_before", label=_("On or before"))
    ordering = NullsLastOrderingFilter(
        fields=(("date", "date"),), error_messages={"invalid_choice": _("Unknown ordering “%(value)s”.")}
    )

    search_fields = ("note", "agreement__name")

    class Meta:
        model = StatusEvent
        form = FilterForm
        fields = ["q", "agreement", "status", "planned", "date_after", "date_before"]

    def filter_date_after(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(starts_on_or_after_q(value[0], "date", "date_precision"))

    def filter_date_before(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(date__lte=period_end(*value))


class SourceFilterSet(BaseFilterSet):
    """Sources: ``q``, ``publisher``, ``agreement`` (cited anywhere in it), ``published_after``/``_before``."""

    q = filters.CharFilter(method="search", label=_("Search"))
    publisher = filters.CharFilter(field_name="publisher", lookup_expr="icontains", label=_("Publisher"))
    agreement = agreement_filter(method="filter_agreement")
    published_after = PartialDateFilter(method="filter_published_after", label=_("Published on or after"))
    published_before = PartialDateFilter(method="filter_published_before", label=_("Published on or before"))
    ordering = NullsLastOrderingFilter(
        fields=(("published_on", "published_on"), ("title", "title")),
        error_messages={"invalid_choice": _("Unknown ordering “%(value)s”.")},
    )

    search_fields = ("title", "publisher", "url", "note")

    class Meta:
        model = Source
        form = FilterForm
        fields = ["q", "publisher", "agreement", "published_after", "published_before"]

    def filter_agreement(self, queryset, name, value):
        """Sources cited for the agreement, its status events or its rounds."""
        if not value:
            return queryset
        from .models import AgreementSource, RoundSource, StatusEventSource

        return queryset.filter(
            Q(pk__in=AgreementSource.objects.filter(agreement__in=value).values("source"))
            | Q(pk__in=StatusEventSource.objects.filter(event__agreement__in=value).values("source"))
            | Q(pk__in=RoundSource.objects.filter(round__agreement__in=value).values("source"))
        )

    def filter_published_after(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(starts_on_or_after_q(value[0], "published_on", "published_precision"))

    def filter_published_before(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(published_on__lte=period_end(*value))


class PartyFilterSet(BaseFilterSet):
    """Parties: ``q``, ``kind``, ``code`` (repeatable), ``bloc`` (members of a bloc)."""

    q = filters.CharFilter(method="search", label=_("Search"))
    kind = choices_filter(PartyKind.choices, _("Kind"), _("Unknown party kind “%(value)s”."))
    code = CodesFilter(
        field_name="code",
        queryset=Party.objects.all(),
        to_field_name="code",
        label=_("Code"),
        error_messages={"invalid_choice": _("Unknown party code “%(value)s”.")},
    )
    bloc = CodesFilter(
        method="filter_bloc",
        queryset=Party.objects.filter(kind=PartyKind.BLOC),
        to_field_name="code",
        label=_("Member of bloc"),
        error_messages={"invalid_choice": _("Unknown bloc code “%(value)s”.")},
    )
    ordering = filters.OrderingFilter(fields=(("name", "name"), ("code", "code")))

    search_fields = ("code", "name", "official_name")

    class Meta:
        model = Party
        form = FilterForm
        fields = ["q", "kind", "code", "bloc"]

    def filter_bloc(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=BlocMembership.objects.filter(bloc__in=value).values("member"))


class ChapterFilterSet(BaseFilterSet):
    """Chapters: ``q``, ``code`` (repeatable), ``is_active``, ``agreement`` (discussed in it)."""

    q = filters.CharFilter(method="search", label=_("Search"))
    code = CodesFilter(
        field_name="code",
        queryset=Chapter.objects.all(),
        to_field_name="code",
        label=_("Code"),
        error_messages={"invalid_choice": _("Unknown chapter code “%(value)s”.")},
    )
    is_active = FlagFilter(field_name="is_active", label=_("Active"))
    agreement = agreement_filter(method="filter_agreement")
    ordering = filters.OrderingFilter(fields=(("order", "order"), ("code", "code"), ("name", "name")))

    search_fields = ("code", "name", "description", "dta_area")

    class Meta:
        model = Chapter
        form = FilterForm
        fields = ["q", "code", "is_active", "agreement"]

    def filter_agreement(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=ChapterProgress.objects.filter(round__agreement__in=value).values("chapter"))
