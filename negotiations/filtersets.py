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

import calendar
import datetime as dt
import html

import django_filters as filters
from django import forms
from django.db.models import F, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .choices import (
    AgreementKind,
    AgreementStatus,
    DatePrecision,
    PartyKind,
    ProgressStatus,
    RoundFormat,
    RoundKind,
    RoundStatus,
)
from .dates import parse_partial_date
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
)

TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}


# --- Form fields --------------------------------------------------------------------------


class FlagWidget(forms.CheckboxInput):
    """A checkbox that submits ``1`` and reads ``1``/``true``/``on`` back as checked."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"value": "1", **(attrs or {})}, check_test=self.is_checked)

    @staticmethod
    def is_checked(value) -> bool:
        return value is True or str(value).strip().lower() in TRUE_VALUES

    def value_from_datadict(self, data, files, name):
        # Keep the raw text so that the field can reject garbage instead of reading it as True.
        return data.get(name)


class FlagField(forms.Field):
    """``1``/``0`` (also true/false, yes/no, on/off); empty means "not asked"."""

    widget = FlagWidget
    default_error_messages = {"invalid": _("“%(value)s” is not a yes/no value; use 1 or 0.")}

    def to_python(self, value):
        if value in (None, "", False):
            return None
        if value is True:
            return True
        text = str(value).strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value})


class PartialDateField(forms.CharField):
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; cleans to ``(date, precision)``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "YYYY-MM-DD", "inputmode": "numeric"}))
        kwargs.setdefault("help_text", _("YYYY, YYYY-MM or YYYY-MM-DD"))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_partial_date(text)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


def fast_escape(value) -> str:
    """``conditional_escape`` without its per-call wrapping (same output: Django's ``escape`` is
    ``html.escape``): a few hundred options are escaped on every list page."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


class FastSelectMixin:
    """Renders the same HTML as Django's Select/SelectMultiple templates, but builds the options
    in Python: the template engine costs tens of µs per option, and the party and host-country
    lists have ~260 options at scale."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        wanted = set(self.format_value(value))
        has_selected = False

        def option(option_value, label) -> str:
            nonlocal has_selected
            option_value = "" if option_value is None else option_value
            # As ChoiceWidget.optgroups: a single select marks only the first match.
            selected = (not has_selected or self.allow_multiple_selected) and str(option_value) in wanted
            has_selected |= selected
            # The trailing newline is the one Django's select_option.html leaves: same bytes.
            return (
                f'\n  <option value="{fast_escape(option_value)}"{" selected" if selected else ""}>'
                f"{fast_escape(label)}</option>\n"
            )

        parts = []
        for group_value, group_label in self.choices:
            if isinstance(group_label, list | tuple):
                parts.append(f'\n  <optgroup label="{fast_escape(group_value)}">')
                parts.extend(option(*choice) for choice in group_label)
                parts.append("\n  </optgroup>")
            else:
                parts.append(option(group_value, group_label))
        return format_html('<select name="{}"{}>{}\n</select>', name, html_attrs(attrs), mark_safe("".join(parts)))


def html_attrs(attrs: dict) -> str:
    """`` name="value"`` pairs in the given order, as Django's attrs.html writes them (True: bare
    name; False: left out)."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", key) if value is True else format_html(' {}="{}"', key, value),)
            for key, value in attrs.items()
            if value is not False and value is not None
        ),
    )


class FastSelect(FastSelectMixin, forms.Select):
    pass


class FastSelectMultiple(FastSelectMixin, forms.SelectMultiple):
    pass


class SlugListInput(forms.TextInput):
    """A text box for a repeatable slug parameter: ``a, b`` and ``?x=a&x=b`` both read as
    ``["a", "b"]``. Unlike a <select> of every agreement, its HTML does not grow with the data.
    With ``suggest_url`` (a URL name) it names an empty <datalist> that static/js/filters.js
    fills from that JSON view as the user types."""

    def __init__(self, attrs=None, *, suggest_url: str | None = None):
        defaults = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        super().__init__({**defaults, **(attrs or {})})
        self.suggest_url = suggest_url

    def value_from_datadict(self, data, files, name):
        raw = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        if raw is None:
            return []
        if isinstance(raw, str):
            raw = [raw]
        # NUL would make PostgreSQL reject the lookup instead of reporting an unknown slug.
        return [part.strip() for item in raw for part in str(item).replace("\x00", "").split(",") if part.strip()]

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(item) for item in value) or None
        return super().format_value(value)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs['id']}_suggestions" if self.suggest_url and attrs.get("id") else None
        if list_id:
            attrs.update({"list": list_id, "data-suggest-url": reverse(self.suggest_url)})
        html = super().render(name, value, attrs, renderer)
        if list_id:
            html += format_html('<datalist id="{}"></datalist>', list_id)
        return html


class CodeChoiceField(forms.ModelChoiceField):
    """A model chosen by its (upper-case) code; the lookup is case-insensitive."""

    widget = FastSelect

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().upper()
        return super().to_python(value)

    def prepare_value(self, value):
        # ``?chapter=roo`` shows ROO as selected in the form, as it filters by ROO.
        return value.strip().upper() if isinstance(value, str) else super().prepare_value(value)


class CodeMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several models chosen by their (upper-case) codes; case-insensitive."""

    widget = FastSelectMultiple

    def clean(self, value):
        if isinstance(value, list | tuple):
            value = [str(item).strip().upper() for item in value if str(item).strip()]
        return super().clean(value)

    def prepare_value(self, value):
        # ``?party=per`` shows PER as selected in the form, as it filters by PER.
        if isinstance(value, list | tuple):
            return [item.strip().upper() if isinstance(item, str) else item for item in super().prepare_value(value)]
        return super().prepare_value(value)


class SlugMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several models chosen by their (lower-case) slugs."""

    def clean(self, value):
        if isinstance(value, list | tuple):
            value = [str(item).strip().lower() for item in value if str(item).strip()]
        return super().clean(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several models chosen by numeric id; ids outside the database's integer range are
    rejected here, before they reach the database (which would raise instead of not matching)."""

    MAX_ID = 2**63 - 1

    def clean(self, value):
        if isinstance(value, list | tuple):
            for item in value:
                text = str(item).strip()
                if not text.isdigit() or not 0 < int(text) <= self.MAX_ID:
                    raise forms.ValidationError(
                        self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                    )
        return super().clean(value)


# --- Filters ------------------------------------------------------------------------------


# The OpenAPI schema (drf-spectacular) cannot infer these custom filters' types; say them.
@extend_schema_field(OpenApiTypes.BOOL)
class FlagFilter(filters.Filter):
    field_class = FlagField


@extend_schema_field({"type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$", "example": "2025-11"})
class PartialDateFilter(filters.Filter):
    field_class = PartialDateField


@extend_schema_field(OpenApiTypes.STR)
class CodeFilter(filters.ModelChoiceFilter):
    field_class = CodeChoiceField


class ForwardMultipleChoiceFilter(filters.ModelMultipleChoiceFilter):
    """A repeatable filter on the row's own column or a forward foreign key (``chapter__code``,
    ``round__agreement__slug``): it cannot duplicate rows, so no ``DISTINCT``, which made
    PostgreSQL sort every match of e.g. /api/notes/?chapter=ROO. Across a reverse relation, use a
    ``method`` with a subquery instead."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


@extend_schema_field(OpenApiTypes.STR)
class CodesFilter(ForwardMultipleChoiceFilter):
    field_class = CodeMultipleChoiceField


@extend_schema_field(OpenApiTypes.STR)
class SlugsFilter(ForwardMultipleChoiceFilter):
    field_class = SlugMultipleChoiceField


class NullsLastOrderingFilter(filters.OrderingFilter):
    """``?ordering=start_date`` / ``-start_date``; rows without a value always sort last."""

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = []
        for param in value:
            if not param:  # "?ordering=," splits into empty names
                continue
            name = self.get_ordering_value(param)
            field = F(name.lstrip("-"))
            ordering.append(field.desc(nulls_last=True) if name.startswith("-") else field.asc(nulls_last=True))
        return qs.order_by(*ordering, "pk")


def choices_filter(choices, label, message, **kwargs):
    """A repeatable choice filter whose error names the unknown value (``message`` has ``%(value)s``)."""
    return filters.MultipleChoiceFilter(
        choices=choices,
        label=label,
        error_messages={"invalid_choice": message},
        widget=forms.CheckboxSelectMultiple,
        distinct=False,  # a value of the row's own column cannot duplicate rows
        **kwargs,
    )


def party_filter(**kwargs):
    return CodesFilter(
        queryset=Party.objects.all(),
        to_field_name="code",
        label=_("Party"),
        help_text=_("ISO 3166-1 alpha-3 code of a country, or a bloc code"),
        error_messages={"invalid_choice": _("Unknown party code “%(value)s”.")},
        **kwargs,
    )


def include_members_filter():
    """``party_include_members``: read by the party filter it modifies."""
    return FlagFilter(
        method="filter_nothing",
        label=_("Include bloc members"),
        help_text=_(
            "A bloc also matches its member countries' agreements; a former member's only if begun before it left."
        ),
    )


def chapter_filter(*, many: bool = False, **kwargs):
    """A chapter code filter: one code, or (``many``) repeatable codes."""
    return (CodesFilter if many else CodeFilter)(
        queryset=Chapter.objects.all(),
        to_field_name="code",
        label=_("Chapter"),
        error_messages={"invalid_choice": _("Unknown chapter code “%(value)s”.")},
        **kwargs,
    )


def agreement_filter(**kwargs):
    # A text box, not a <select>: one <option> per agreement made the pages grow with the data.
    return SlugsFilter(
        queryset=Agreement.objects.all(),
        to_field_name="slug",
        label=_("Agreement"),
        help_text=_("One or more agreement slugs, separated by commas, e.g. india-peru-ta, india-chile-cepa"),
        widget=SlugListInput(
            attrs={"placeholder": _("e.g. india-peru-ta, india-chile-cepa")}, suggest_url="agreement-suggest"
        ),
        error_messages={"invalid_choice": _("Unknown agreement “%(value)s”.")},
        **kwargs,
    )


@extend_schema_field(OpenApiTypes.INT)
class IdsFilter(ForwardMultipleChoiceFilter):
    field_class = IdMultipleChoiceField


def round_filter(**kwargs):
    return IdsFilter(
        queryset=Round.objects.all(),
        label=_("Round"),
        error_messages={
            "invalid_choice": _("Unknown round “%(value)s”."),
            "invalid_pk_value": _("“%(pk)s” is not a round id."),
        },
        **kwargs,
    )


# --- Helpers shared by the filter methods ----------------------------------------------


def period_end(value: dt.date, precision: str) -> dt.date:
    """The last day of the period a partial date names (``2025-11`` → 30 Nov 2025)."""
    if precision == DatePrecision.YEAR:
        return value.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    return value


def starts_on_or_after_q(day: dt.date, field: str = "start_date", precision_field: str = "date_precision") -> Q:
    """Dates on or after ``day``; a month- or year-precision date counts from its whole period."""
    return (
        Q(**{f"{field}__gte": day})
        | Q(**{precision_field: DatePrecision.MONTH, f"{field}__gte": day.replace(day=1)})
        | Q(**{precision_field: DatePrecision.YEAR, f"{field}__gte": day.replace(month=1, day=1)})
    )


def agreements_of_parties(parties, *, include_members: bool) -> QuerySet:
    """Ids of the agreements any of ``parties`` is party to; with ``include_members``, a bloc also
    stands for its member countries (through BlocMembership).

    A former member stands for the bloc only in agreements that began before it left: Chile
    left the Andean Community in 1976, so the India–Chile CEPA is not an Andean agreement. An
    agreement begins at its first recorded date (status event or round); one without any date
    counts. A departure known only to the month or year lasts until the end of that period.
    """
    party_ids = Q(party__in=parties)
    if include_members:
        memberships = list(
            BlocMembership.objects.filter(bloc__in=parties).values_list("member_id", "left_on", "left_precision")
        )
        current = {member_id for member_id, left_on, _ in memberships if left_on is None}
        former: dict[int, dt.date] = {}  # member → the end of its (latest) departure's period
        for member_id, left_on, precision in memberships:
            if left_on is not None and member_id not in current:
                until = period_end(left_on, precision)
                former[member_id] = max(until, former.get(member_id, until))
        party_ids |= Q(party__in=current)
        if former:
            for member_id, until in former.items():
                party_ids |= Q(party=member_id) & (Q(began__isnull=True) | Q(began__lte=until))
            return AgreementParty.objects.annotate(began=agreement_first_date()).filter(party_ids).values("agreement")
    return AgreementParty.objects.filter(party_ids).values("agreement")


def per_agreement(queryset: QuerySet, aggregate, ref: str = "pk") -> Subquery:
    """``aggregate`` over the rows of ``queryset`` that belong to the agreement ``ref`` points
    to, as a correlated subquery: computed for the rows a page shows, without grouping every
    agreement the filters match."""
    rows = queryset.filter(agreement=OuterRef(ref)).order_by().values("agreement")
    return Subquery(rows.annotate(value=aggregate).values("value"))


def agreement_first_date(ref: str = "agreement"):
    """The first recorded date of the agreement ``ref`` points to: its earliest status event
    (not planned) or round, whichever comes first; None without any."""
    event = per_agreement(StatusEvent.objects.filter(planned=False), Min("date"), ref)
    round_ = per_agreement(Round.objects.filter(start_date__isnull=False), Min("start_date"), ref)
    # LEAST of the two where both exist; either one where only one does.
    return Least(Coalesce(event, round_), Coalesce(round_, event))


def filter_errors(filterset) -> list[str]:
    """The form's errors as readable sentences, e.g. "Chapter: Unknown chapter code “XYZ”."."""
    messages = []
    form = filterset.form
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            messages.append(f"{label}: {error}" if label else str(error))
    return messages


class FilterForm(forms.Form):
    """The filter form: labels without a trailing colon (they read better above the inputs)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class BaseFilterSet(filters.FilterSet):
    """Shared behaviour: ``q`` searches the fields listed in ``search_fields``."""

    search_fields: tuple[str, ...] = ()

    def narrow_choices(self) -> None:
        """Offer only the parties and countries that occur in the data in the HTML form's
        drop-downs (every ISO country would be a 250-line list). Validation still accepts any
        known code, which then simply matches nothing. For HTML pages only: two queries."""
        form = self.form

        def asked(name: str) -> Q:
            # Codes in the URL stay in the list, so the form shows what is being filtered.
            codes = [code.strip().upper() for code in self.data.getlist(name)] if hasattr(self.data, "getlist") else []
            return Q(code__in=codes)

        if "party" in form.fields:
            used = Party.objects.filter(Q(party_agreements__isnull=False) | asked("party"))
            used = used.only("code", "name").distinct().order_by("name")
            form.fields["party"].widget.choices = [(p.code, str(p)) for p in used]
        if "host_country" in form.fields:
            hosts = Party.objects.filter(Q(venues__isnull=False) | asked("host_country"))
            hosts = hosts.only("code", "name").distinct().order_by("name")
            form.fields["host_country"].widget.choices = [(p.code, str(p)) for p in hosts]

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
    """``q``, ``status``, ``kind``, ``party`` (+ ``party_include_members``), ``chapter``, ``ordering``."""

    q = filters.CharFilter(method="search", label=_("Search"))
    status = choices_filter(
        AgreementStatus.choices, _("Status"), _("Unknown status “%(value)s”."), field_name="current_status"
    )
    kind = choices_filter(AgreementKind.choices, _("Kind"), _("Unknown kind “%(value)s”."))
    party = party_filter(method="filter_party")
    party_include_members = include_members_filter()
    chapter = chapter_filter(method="filter_chapter")
    ordering = NullsLastOrderingFilter(
        fields=(("name", "name"), ("status_date", "status_date")),
        field_labels={"name": _("Name"), "status_date": _("Status date")},
        error_messages={"invalid_choice": _("Unknown ordering “%(value)s”.")},
    )

    search_fields = ("name", "short_name", "slug", "summary")

    class Meta:
        model = Agreement
        form = FilterForm
        fields = ["q", "status", "kind", "party", "party_include_members", "chapter"]

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


# --- Rounds -------------------------------------------------------------------------------


class RoundFilterSet(BaseFilterSet):
    """``q``, ``agreement``, ``party`` (+ ``party_include_members``), ``chapter``, ``chapter_status``,
    ``host_country``, ``city``, ``format``, ``status``, ``kind``, ``start_after``, ``start_before``,
    ``upcoming``, ``ordering``.

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
    format = choices_filter(RoundFormat.choices, _("Format"), _("Unknown format “%(value)s”."))
    status = choices_filter(RoundStatus.choices, _("Status"), _("Unknown round status “%(value)s”."))
    kind = choices_filter(RoundKind.choices, _("Kind"), _("Unknown round kind “%(value)s”."))
    start_after = PartialDateFilter(method="filter_start_after", label=_("Starts on or after"))
    start_before = PartialDateFilter(method="filter_start_before", label=_("Starts on or before"))
    upcoming = FlagFilter(method="filter_upcoming", label=_("Upcoming only"))
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
        form = FilterForm
        fields = [
            "q",
            "agreement",
            "party",
            "party_include_members",
            "chapter",
            "chapter_status",
            "host_country",
            "city",
            "format",
            "status",
            "kind",
            "start_after",
            "start_before",
            "upcoming",
        ]

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
