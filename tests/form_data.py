"""What a browser would submit for a Django form shown unchanged: every field's value, the
formsets' management data and the hidden initial values (``initial-…``) of fields that carry
them. Tests then override the fields a user would change."""

from html.parser import HTMLParser

from django import forms


def _put(data: dict, bound, *, initial: bool = False) -> None:
    name = bound.html_initial_name if initial else bound.html_name
    value = bound.field.prepare_value(bound.value())
    if isinstance(bound.field.widget, forms.CheckboxInput):
        if initial:
            data[name] = str(bool(value))
        elif value:
            data[name] = "on"
        return
    data[name] = "" if value is None else str(value)


def form_data(*parts) -> dict:
    """The POST data of unbound forms and formsets, as rendered."""
    data = {}
    for part in parts:
        if hasattr(part, "management_form"):
            for bound in part.management_form:
                _put(data, bound)
            children = part.forms
        else:
            children = [part]
        for form in children:
            for bound in form:
                _put(data, bound)
                if bound.field.show_hidden_initial:
                    _put(data, bound, initial=True)
    return data


class _FormParser(HTMLParser):
    """Collects what a browser would submit from the page's first form with a given class."""

    def __init__(self, form_class: str):
        super().__init__(convert_charrefs=True)
        self.form_class = form_class
        self.data: dict[str, str] = {}
        self.in_form = self.done = False
        self.select: str | None = None
        self.select_first: str | None = None
        self.option_value: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.done:
            return
        if tag == "form" and self.form_class in (attrs.get("class") or "").split():
            self.in_form = True
        if not self.in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data[name] = attrs.get("value") or "on"
            elif kind not in ("submit", "button", "file"):
                self.data[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select, self.select_first = name, None
        elif tag == "option" and self.select:
            value = attrs.get("value", "")
            if self.select_first is None:
                self.select_first = value
            if "selected" in attrs:
                self.data[self.select] = value
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            self.data.setdefault(self.select, self.select_first or "")
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True

    def handle_data(self, data):
        if self.textarea:
            # Django renders a newline right after <textarea>, which browsers drop.
            self.data[self.textarea] += data.removeprefix("\n") if not self.data[self.textarea] else data


def page_form_data(page: str, form_class: str = "edit-form") -> dict:
    """The POST data of the page's form with ``form_class`` as the browser would submit it."""
    parser = _FormParser(form_class)
    parser.feed(page)
    return parser.data
