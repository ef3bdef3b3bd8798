"""The admin's spreadsheet import page (/admin/import/): the same importer as
``manage.py import_csv``, for curators, with the row-level error report on the page."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from .interchange.columns import COLUMNS, FORMATS, KINDS, OPTIONAL_COLUMNS
from .interchange.importer import run_import
from .permissions import is_curator

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=[(kind, kind) for kind in KINDS],
        help_text=_("Import agreements first, then status events, rounds and chapter progress."),
    )
    file = forms.FileField(label=_("CSV or JSON file"), help_text=_("UTF-8; the first line names the columns."))
    dry_run = forms.BooleanField(label=_("Dry run: check every row, write nothing"), required=False, initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.name.rsplit(".", 1)[-1].lower() not in FORMATS:
            raise forms.ValidationError(_("Name the file .csv or .json."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 50 MB; use manage.py import_csv."))
        return upload


@staff_member_required
def import_view(request):
    """GET: the form and the columns of each kind. POST: validate (and, unless dry run, write)."""
    if not is_curator(request.user):
        raise PermissionDenied
    report = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report = run_import(
                kind=form.cleaned_data["kind"],
                data=upload.read(),
                filename=upload.name,
                user=request.user,
                dry_run=form.cleaned_data["dry_run"],
            )
            level = messages.ERROR if report.errors else messages.SUCCESS
            messages.add_message(request, level, report.summary())
    else:
        form = ImportForm()
    context = {
        **admin.site.each_context(request),
        "title": _("Import a spreadsheet"),
        "form": form,
        "report": report,
        "columns": [(kind, COLUMNS[kind], OPTIONAL_COLUMNS[kind]) for kind in KINDS],
    }
    return TemplateResponse(
        request, "admin/negotiations/import.html", context, status=400 if report and report.errors else 200
    )
