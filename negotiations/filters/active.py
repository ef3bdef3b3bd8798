"""The filters a list page is showing, as the reader reads them ("Party: Peru (PER)"), each with
the link to the same page without it: the "active filters" summary above the results.

Built from the query string (each value of a repeatable parameter, each slug of a comma list,
is one item) and the valid form's cleaned values (for the names of codes and slugs). Costs no
query for values the form already holds (narrowed drop-downs, a single chapter); at most one per
other model-valued parameter in use.
"""

from dataclasses import dataclass

from django import forms
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from .fields import FlagField
from .widgets import SlugListInput

# Parameters of the page that are not filters.
NOT_FILTERS = {"page", "ordering"}


@dataclass(frozen=True)
class ActiveFilter:
    label: str
    value: str
    remove_query: str  # "?…" for the page without this value, "" when nothing is left


def active_filters(filterset, data) -> list[ActiveFilter]:
    """The active filters of a valid ``filterset`` bound to ``data`` (the page's query string,
    without the export format), in the order of the query string."""
    form = filterset.form
    old_names = getattr(filterset, "old_names", {})
    items = []
    for key in dict.fromkeys(data.keys()):
        name = old_names.get(key, key)
        if key in NOT_FILTERS or name not in form.fields:
            continue
        field = form.fields[name]
        names = value_names(field, form.cleaned_data.get(name))
        for raw in data.getlist(key):
            parts = split_list(raw) if isinstance(field.widget, SlugListInput) else [raw.strip()]
            for part in filter(None, parts):
                items.append(
                    ActiveFilter(
                        label=str(field.label),
                        value=shown_value(field, names, part),
                        remove_query=query_without(data, key, raw, part),
                    )
                )
    return items


def split_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",")]


def value_names(field, cleaned) -> dict[str, str]:
    """Code (or slug, or id), lower-cased → the name shown for it."""
    names = getattr(field.widget, "names", None)  # set by the page's own look-up (narrow_choices)
    if names is not None:
        return {str(key).lower(): str(name) for key, name in names.items()}
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        return {str(value).lower(): str(label) for value, label in field.choices}  # a vocabulary
    choices = getattr(field.widget, "choices", None)
    if isinstance(choices, list):  # choices in hand: the narrowed party and host-country lists
        return {str(value).lower(): str(label) for value, label in choices}
    key = getattr(field, "to_field_name", None) or "pk"
    if isinstance(cleaned, Model):
        return {str(getattr(cleaned, key)).lower(): str(cleaned)}
    if isinstance(cleaned, QuerySet):
        return {str(getattr(obj, key)).lower(): str(obj) for obj in cleaned}
    return {}


def shown_value(field, names: dict[str, str], part: str) -> str:
    if isinstance(field, FlagField):
        return str(_("yes") if field.clean(part) else _("no"))
    if names:
        return names.get(part.lower(), part)
    if type(field) is forms.CharField:
        return f"“{part}”"  # typed text (a search, a city): quoted, as typed
    return part


def query_without(data, key: str, raw: str, part: str) -> str:
    """The query string without one value (one slug of a comma list), and without the page."""
    query = data.copy()
    query.pop("page", None)
    values = query.getlist(key)
    index = values.index(raw)
    rest = ", ".join(p for p in split_list(raw) if p and p != part) if part != raw.strip() else ""
    values[index : index + 1] = [rest] if rest else []
    query.setlist(key, values)
    if not values:
        query.pop(key)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""
