"""The filters of the URL filter contract: custom filter types, and the filter declarations
(party, chapter, agreement, round, a choice list) that several FilterSets share, so that a
parameter reads and fails the same way wherever it appears."""

import django_filters as filters
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ..models import Agreement, Chapter, Party, Round
from .fields import (
    CodeChoiceField,
    CodeMultipleChoiceField,
    FlagField,
    IdMultipleChoiceField,
    PartialDateField,
    SlugMultipleChoiceField,
)
from .widgets import FastCheckboxSelectMultiple, SlugListInput


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
        widget=FastCheckboxSelectMultiple,
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
