"""Accessible names for the admin's form fields where Django's admin gives none.

A tabular inline shows each field's label only as its column heading, which does not name the
inputs of the rows; a search-as-you-type (autocomplete) box that is empty has no text, so
screen readers announce an unnamed combo box. Both fail WCAG's "name, role, value"."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.text import capfirst


class NamedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete box whose placeholder (and so its name while empty) is the field's label."""

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs=extra_attrs)
        # Any non-empty placeholder still lets an optional field be cleared.
        attrs["data-placeholder"] = capfirst(self.field.verbose_name)
        return attrs


class NamedAutocompleteMixin:
    """For a ModelAdmin or an inline: its autocomplete fields use NamedAutocompleteSelect."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = NamedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ColumnLabelledFormSet(forms.BaseInlineFormSet):
    """Each input of a row is named after its column (the field's label), "Delete" included."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            if field.label:
                field.widget.attrs.setdefault("aria-label", capfirst(str(field.label)))


class LabelledTabularInline(NamedAutocompleteMixin, admin.TabularInline):
    """A tabular inline whose row inputs have accessible names."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (ColumnLabelledFormSet, formset), {})
