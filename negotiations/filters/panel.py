"""The list pages' filter panel: the most-used filters first, the others under "More filters",
so that on a phone the opened panel stays short and the results stay near.

Only the HTML form is grouped: the parameters, the export and the API are the same.
"""

from dataclasses import dataclass

from django.forms import BoundField

# Parameters of the page that the panel does not show as fields.
NOT_SHOWN = {"ordering"}


@dataclass(frozen=True)
class FilterPanel:
    main: list[BoundField]
    more: list[BoundField]
    more_open: bool  # a filter under "More filters" is in use or has an error: show it


def filter_panel(filterset, data, main: tuple[str, ...] = ()) -> FilterPanel:
    """The form's fields split into ``main`` (in the form's order) and the rest; without
    ``main``, every field is a main one."""
    form = filterset.form
    fields = [form[name] for name in form.fields if name not in NOT_SHOWN]
    if not main:
        return FilterPanel(main=fields, more=[], more_open=False)
    more = [field for field in fields if field.name not in main]
    # Old parameter names (``format``) count for the filter they now name.
    old_names = getattr(filterset, "old_names", {})
    used = {key for key, values in data.lists() if any(value.strip() for value in values)} | set(form.errors)
    used = {old_names.get(name, name) for name in used}
    return FilterPanel(
        main=[field for field in fields if field.name in main],
        more=more,
        more_open=any(field.name in used for field in more),
    )
