"""Characters no request may carry into the database.

PostgreSQL cannot store or even compare text holding a NUL character: a NUL in a URL, a filter
or a lookup made it fail with a server error. Other control characters (all but tab, line feed
and carriage return) have no place in the record's text either. One rule for every door:

- :class:`RejectNulMiddleware` answers 400 to any URL whose path or query string holds a NUL
  (pages, exports, feeds, the API), naming the parameter;
- :func:`control_character_errors` finds such characters in a write's data, by field, for the
  API (which answers 400 naming each field) and the importer;
- :func:`reject_control_characters` is the same rule as a validator for the site's forms.
"""

import re

from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def nul_message() -> str:
    return _("NUL characters are not allowed.")


def control_message() -> str:
    return _("Control characters (other than tab and line breaks) are not allowed.")


def reject_control_characters(value) -> None:
    """Validator for the site's text fields: the same rule the API and the importer apply."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(control_message(), code="control_characters")


def control_character_errors(data, path: str = "") -> dict[str, list[str]]:
    """``{field path: [message]}`` for every text in ``data`` (nested dicts and lists) that holds
    a control character; empty when there is none."""
    errors: dict[str, list[str]] = {}
    if isinstance(data, str):
        if CONTROL_CHARACTERS.search(data):
            errors[path or "non_field_errors"] = [control_message()]
    elif isinstance(data, dict):
        for key, value in data.items():
            errors.update(control_character_errors(value, f"{path}.{key}" if path else str(key)))
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            errors.update(control_character_errors(value, f"{path}[{index}]" if path else f"[{index}]"))
    return errors


class RejectNulMiddleware:
    """400 for a NUL anywhere in the path or the query string, before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        where = None
        if "\x00" in request.path:
            where = "path"
        else:
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    where = name.replace("\x00", "")
                    break
        if where is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({where: [nul_message()]}, status=400)
        return HttpResponseBadRequest(f"{where}: {nul_message()}\n", content_type="text/plain; charset=utf-8")
