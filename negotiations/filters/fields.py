"""Form fields of the filter forms: each reads one URL parameter's values and rejects what it
cannot read with a message that names the value."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..dates import parse_partial_date
from .widgets import FALSE_VALUES, TRUE_VALUES, FastSelect, FastSelectMultiple, FlagWidget


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
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": _("YYYY-MM-DD"), "inputmode": "numeric"}))
        kwargs.setdefault("help_text", _("YYYY, YYYY-MM or YYYY-MM-DD"))
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_partial_date(text)
        except ValueError as error:
            # The reason quotes the input: as a parameter, a "%" typed in it is not a format.
            raise forms.ValidationError("%(reason)s", code="invalid", params={"reason": str(error)}) from None


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """Django's model choices, from the models the field has read (``CodeChoiceField.listed``):
    its own iterator uses ``.iterator()``, which on PostgreSQL is a server-side cursor (three
    round trips for a 30-row catalog)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for item in self.field.listed():
            yield self.choice(item)


class CodeChoiceField(forms.ModelChoiceField):
    """A model chosen by its (upper-case) code; the lookup is case-insensitive.

    The field reads its models once (``listed``) and finds the code among them: a page filtered
    by a chapter reads the catalog once for the code, its drop-down and the rounds' chips,
    instead of once each. Each form has its own copy of the field, so each request reads afresh.
    """

    widget = FastSelect
    iterator = ListedChoiceIterator
    _listed = None

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self._listed = None  # a new queryset (and each form's copy of the field) reads again

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def listed(self) -> list:
        """The models of the field's queryset, read once."""
        if self._listed is None:
            self._listed = list(self.queryset.all())
        return self._listed

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().upper()
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        key = self.to_field_name or "pk"
        if isinstance(value, self.queryset.model):
            value = getattr(value, key)
        for item in self.listed():
            if getattr(item, key) == value:
                return item
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )

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
