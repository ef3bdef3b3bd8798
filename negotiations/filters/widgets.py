"""HTML inputs of the filter forms: a yes/no checkbox, fast <select>s and a slug text box."""

import html
import json

from django import forms
from django.urls import reverse
from django.utils.choices import normalize_choices
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

# What a yes/no filter reads as yes, or no (``?upcoming=1``, ``?is_active=false``).
TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}


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

    def format_value(self, value):
        # The box always submits its own ``1``; writing the asked value as well gave the input two
        # ``value`` attributes, and the browser keeps the first: ticking the box on a page asked
        # with ``?upcoming=0`` sent ``upcoming=0``.
        return None


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


class FastCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Renders the same HTML as Django's checkbox_select.html, built in Python: that template
    includes three more per option (option, input, attrs), which cost more than the rest of a
    list page's filter form."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        outer = widget["attrs"]
        parts = ["<div"]
        if outer.get("id"):
            parts.append(f' id="{fast_escape(outer["id"])}"')
        if outer.get("class"):
            parts.append(f' class="{fast_escape(outer["class"])}"')
        parts.append(">")
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f"\n  <div><label>{fast_escape(group)}</label>")
            for option in options:
                # checkbox_option.html ends with its own line break.
                parts.append(f"<div>\n    {checkbox_option(option)}\n</div>")
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return mark_safe("".join(parts))


def checkbox_option(option: dict) -> str:
    """One option as input_option.html writes it (with input.html's and attrs.html's output,
    including the line breaks their files end with)."""
    option_id = option["attrs"].get("id")
    value = "" if option["value"] is None else f' value="{fast_escape(option["value"])}"'
    attributes = "".join(
        f" {key}" if item is True else f' {key}="{fast_escape(item)}"'
        for key, item in option["attrs"].items()
        if item is not False
    )
    tag = f'<input type="{option["type"]}" name="{fast_escape(option["name"])}"{value}{attributes}>\n'
    if not option["wrap_label"]:
        return tag + "\n"
    label_for = f' for="{fast_escape(option_id)}"' if option_id else ""
    return f"<label{label_for}>{tag} {fast_escape(option['label'])}</label>\n"


class SlugListInput(forms.TextInput):
    """A text box for a repeatable slug parameter: ``a, b`` and ``?x=a&x=b`` both read as
    ``["a", "b"]``. Unlike a <select> of every agreement, its HTML does not grow with the data.
    With ``suggest_url`` (a URL name), static/js/filters.js turns it into a picker that looks up
    names as the user types; ``names`` (slug → name, set by the page for the slugs asked for)
    gives the picker's chips their names."""

    def __init__(self, attrs=None, *, suggest_url: str | None = None):
        defaults = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        super().__init__({**defaults, **(attrs or {})})
        self.suggest_url = suggest_url
        self.names: dict[str, str] = {}

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
        if self.suggest_url:
            attrs["data-suggest-url"] = reverse(self.suggest_url)
        if self.names:
            attrs["data-names"] = json.dumps(self.names, ensure_ascii=False)
        return super().render(name, value, attrs, renderer)


class OneOfManySelect(forms.Select):
    """A drop-down for a repeatable choice parameter, led by a blank "any" option: the form picks
    one value, and ``?x=a&x=b`` (a link, a script) still reads as both (one of them shown selected).
    Shorter than a checkbox per choice where one value is the usual question."""

    def __init__(self, attrs=None, choices=(), *, blank_label):
        self.blank_label = blank_label
        super().__init__(attrs, choices)

    def __deepcopy__(self, memo):
        copied = super().__deepcopy__(memo)
        copied._choices = list(self._choices)  # not the blank-led list the property returns
        return copied

    @property
    def choices(self):
        return [("", self.blank_label), *self._choices]

    @choices.setter
    def choices(self, value):
        self._choices = list(normalize_choices(value))

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return [value for value in values if value not in (None, "")]
