"""The curators' interface: every model, with the history button (django-simple-history).

Every save and delete goes through ``negotiations.services`` (the writers the site and the API
use), claiming the version of each row as the page loaded it: a curator never silently
overwrites a colleague's change, and site editors holding an older copy get a conflict.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, F
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .admin_fields import LabelledTabularInline, NamedAutocompleteMixin
from .choices import RoundStatus
from .models import (
    DUPLICATE_CHAPTER_MESSAGE,
    UNKNOWN_CHAPTER_MESSAGE,
    Agreement,
    AgreementParty,
    AgreementSource,
    BlocMembership,
    Chapter,
    ChapterProgress,
    Party,
    ProgressNote,
    Round,
    RoundSource,
    Source,
    StatusEvent,
    StatusEventSource,
    Venue,
)
from .permissions import is_curator, notes_visible_to


class YearListFilter(admin.SimpleListFilter):
    """Filter by the year of a date field; subclasses name the field."""

    title = _("year")
    parameter_name = "year"
    date_field = "start_date"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).dates(self.date_field, "year", order="DESC")
        return [(str(value.year), str(value.year)) for value in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(**{f"{self.date_field}__year": int(self.value())})
        return queryset


class EventYearListFilter(YearListFilter):
    date_field = "date"


def _reason_rule(value: str) -> None:
    try:
        services.reason_check(value)
    except ValidationError as error:
        raise ValidationError(error.message_dict["reason"]) from None


class ReasonForm(forms.ModelForm):
    """An admin form with the reason for the change, kept in the audit trail (the services'
    length rule)."""

    change_reason = forms.CharField(
        label=_("Reason for change"),
        required=False,
        validators=[_reason_rule],
        help_text=_("Optional; shown in the history."),
    )


class LoadedVersionMixin:
    """Carries the ``version`` of the row as the page showed it, so that the service saving the
    row claims it (``version_claim``) and refuses the save if someone changed the row since."""

    # On a history page that reverts the row to an earlier state, the version to claim is the
    # one the row has now, not the one it had then.
    live_version = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            version = self.instance.version
            if self.live_version:
                rows = type(self.instance).objects.filter(pk=self.instance.pk)
                version = rows.values_list("version", flat=True).first()
            self.initial["loaded_version"] = version

    def loaded_version(self) -> int | None:
        return self.cleaned_data.get("loaded_version")


def _loaded_version_field():
    return forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class VersionedForm(LoadedVersionMixin, ReasonForm):
    """A versioned record's admin form. After a save the services refused (``refused``: a
    conflict or a rule, set by the admin) it comes back with the curator's input and the error,
    nothing saved."""

    loaded_version = _loaded_version_field()
    refused = None

    def clean(self):
        if isinstance(self.refused, ValidationError):
            # A rule only the service could check (a row of an inline, a key the database holds).
            raise ValidationError([*self.refused.messages, gettext("Nothing was saved.")])
        if self.refused is not None:
            current = self.refused.current
            raise ValidationError(
                gettext(
                    "The %(kind)s “%(record)s” was changed by someone else after you opened this page, "
                    "so nothing was saved. Open the page again to see their change, then make yours."
                )
                % {"kind": current._meta.verbose_name, "record": current}
            )
        return super().clean()


class VersionedInlineForm(LoadedVersionMixin, forms.ModelForm):
    loaded_version = _loaded_version_field()


class VersionedInlineMixin:
    """An inline of versioned rows: each row carries its loaded version (a hidden field)."""

    form = VersionedInlineForm

    def get_fields(self, request, obj=None):
        return [*super().get_fields(request, obj), "loaded_version"]


class VersionedAdmin(NamedAutocompleteMixin, SimpleHistoryAdmin):
    """Saves and deletes through the services (the same writers as the site and the API), with
    the reason the curator gives. Every versioned row the page writes, the record and each of its
    inline rows, is claimed at the version the page loaded: a colleague's change in between
    (site, API or another admin tab) brings the form back with an error instead of being
    overwritten. Each model names its writer in ``WRITERS``; links and citations go through
    ``reference_save``."""

    form = VersionedForm
    delete_confirmation_template = "admin/versioned_delete_confirmation.html"

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.fieldsets and not any("change_reason" in opts.get("fields", ()) for _name, opts in fieldsets):
            fieldsets = [*fieldsets, (None, {"fields": ["change_reason", "loaded_version"]})]
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refused = getattr(request, "_admin_refused", None)
        reverting = getattr(request, "_admin_reverting", False)
        if refused is not None or reverting:
            form = type(form.__name__, (form,), {"refused": refused, "live_version": reverting})
        return form

    def _shown_again_if_refused(self, request, view, *args):
        """Run an admin page that saves; if a row it writes changed since the page was loaded, or
        a service refuses a row, roll everything back and show the page again with the
        curator's input and the error (``VersionedForm.clean``)."""
        if request.method != "POST":
            return view(request, *args)
        try:
            with transaction.atomic():
                return view(request, *args)
        except (services.ConcurrencyConflict, ValidationError) as refused:
            request._admin_refused = refused
            return view(request, *args)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._shown_again_if_refused(request, super().changeform_view, object_id, form_url, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request._admin_reverting = True
        return self._shown_again_if_refused(request, super().history_form_view, object_id, version_id, extra_context)

    def reason(self, request) -> str:
        return getattr(request, "_admin_change_reason", "") or ""

    def save_form(self, request, form, change):
        request._admin_change_reason = form.cleaned_data.get("change_reason", "")
        return super().save_form(request, form, change)

    def save_model(self, request, obj, form, change):
        WRITERS[self.model].save(
            obj, expected_version=form.loaded_version(), form=form, user=request.user, reason=self.reason(request)
        )

    def save_related(self, request, form, formsets, change):
        # The record's own many-to-many fields are its writer's (save_model); the inlines' rows
        # go through theirs.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_view(self, request, object_id, extra_context=None):
        """The confirmation page carries the row's version as it showed it (``loaded_version``);
        the delete claims it. If a colleague changed the row since, nothing is deleted and the
        curator is sent back to the row's page to see their change."""
        if request.method == "POST" and request.POST.get("post"):
            try:
                # A confirmation without a readable version claims none that can match: refused.
                request._admin_loaded_version = int(request.POST.get("loaded_version", ""))
            except ValueError:
                request._admin_loaded_version = 0
            try:
                return super().delete_view(request, object_id, extra_context)
            except services.ConcurrencyConflict as conflict:
                current = conflict.current
                self.message_user(
                    request,
                    gettext(
                        "The %(kind)s “%(record)s” was changed by someone else after you opened the page "
                        "confirming its deletion, so nothing was deleted. Check their change here, then "
                        "delete it again if you still mean to."
                    )
                    % {"kind": current._meta.verbose_name, "record": current},
                    messages.ERROR,
                )
                opts = self.model._meta
                change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[current.pk])
                return HttpResponseRedirect(change_url)
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        WRITERS[self.model].delete(
            obj,
            expected_version=getattr(request, "_admin_loaded_version", 0),
            user=request.user,
            reason=gettext("deleted in the admin"),
        )

    def get_actions(self, request, action_location=None):
        # The changelist neither shows nor carries the version of each row, so "delete selected"
        # could not claim the version the curator saw: versioned rows are deleted one by one,
        # from the confirmation page that carries it. (Django 6.1 asks per location, the change
        # list or the change form; Django 5.2 knows only the change list.)
        where = {} if action_location is None else {"action_location": action_location}
        actions = super().get_actions(request, **where)
        actions.pop("delete_selected", None)
        return actions

    def save_formset(self, request, form, formset, change):
        writer = WRITERS.get(formset.model, _LinkWriter)
        loaded = {
            id(row_form.instance): row_form.loaded_version()
            for row_form in formset.forms
            if isinstance(row_form, LoadedVersionMixin) and hasattr(row_form, "cleaned_data")
        }
        instances = formset.save(commit=False)
        reason = self.reason(request)
        for obj in formset.deleted_objects:
            writer.delete(obj, expected_version=loaded.get(id(obj)), user=request.user, reason=reason)
        for obj in instances:
            writer.save(obj, expected_version=loaded.get(id(obj)), form=None, user=request.user, reason=reason)


def _adopt(obj, saved) -> None:
    """Give the admin's unsaved instance the identity of the row a service created."""
    obj.pk = saved.pk
    if hasattr(saved, "version"):
        obj.version = saved.version
    obj._state.adding = False


class _LinkWriter:
    """Agreement parties and citations: links without a version of their own."""

    @staticmethod
    def save(obj, *, expected_version, form, user, reason):
        services.reference_save(instance=obj, user=user, reason=reason)

    @staticmethod
    def delete(obj, *, expected_version, user, reason):
        services.reference_delete(instance=obj, user=user, reason=reason)


class _AgreementWriter:
    FIELDS = (
        "name",
        "short_name",
        "spanish_name",
        "kind",
        "predecessor",
        "predecessor_relation",
        "summary",
    )
    COVERAGE = ("rounds_coverage", "coverage_note", "coverage_checked_on")

    @classmethod
    def save(cls, obj, *, expected_version, form, user, reason):
        # Editing rights are read-only (absent from the form) for staff who are not curators.
        rights = {name: form.cleaned_data[name] for name in ("editors", "editor_groups") if name in form.cleaned_data}
        if obj.pk is None:
            agreement, _created = services.agreement_upsert(
                slug=obj.slug,
                parties=[],  # the parties inline follows
                coverage={name: getattr(obj, name) for name in cls.COVERAGE},
                create_only=True,
                user=user,
                reason=reason,
                **{name: getattr(obj, name) for name in cls.FIELDS},
                **rights,
            )
            _adopt(obj, agreement)
        else:
            fields = {name: getattr(obj, name) for name in ("slug", *cls.FIELDS, *cls.COVERAGE)}
            services.agreement_update(
                agreement=obj, expected_version=expected_version, user=user, reason=reason, **fields, **rights
            )

    @staticmethod
    def delete(obj, *, expected_version, user, reason):
        services.agreement_delete(agreement=obj, expected_version=expected_version, user=user, reason=reason)


class _ProgressWriter:
    @staticmethod
    def save(obj, *, expected_version, form, user, reason):
        fields = {name: getattr(obj, name) for name in ("chapter", "status", "note")}
        if obj.pk is None:
            _adopt(obj, services.chapter_progress_create(round=obj.round, user=user, reason=reason, **fields))
        else:
            services.chapter_progress_update(
                progress=obj, expected_version=expected_version, user=user, reason=reason, **fields
            )

    @staticmethod
    def delete(obj, *, expected_version, user, reason):
        services.chapter_progress_delete(progress=obj, expected_version=expected_version, user=user, reason=reason)


class _NoteWriter:
    @staticmethod
    def save(obj, *, expected_version, form, user, reason):
        fields = {name: getattr(obj, name) for name in ("text", "chapter", "visibility", "language", "source")}
        if obj.pk is None:
            _adopt(obj, services.note_add(round=obj.round, author=obj.author, user=user, reason=reason, **fields))
        else:
            services.note_update(note=obj, expected_version=expected_version, user=user, reason=reason, **fields)

    @staticmethod
    def delete(obj, *, expected_version, user, reason):
        services.note_delete(note=obj, expected_version=expected_version, user=user, reason=reason)


class _StatusEventWriter:
    FIELDS = ("status", "date", "date_precision", "planned", "sequence", "note")

    @classmethod
    def save(cls, obj, *, expected_version, form, user, reason):
        fields = {name: getattr(obj, name) for name in cls.FIELDS}
        if obj.pk is None:
            _adopt(obj, services.status_event_record(agreement=obj.agreement, user=user, reason=reason, **fields))
        else:
            services.status_event_update(
                event=obj,
                expected_version=expected_version,
                agreement=obj.agreement,
                user=user,
                reason=reason,
                **fields,
            )

    @staticmethod
    def delete(obj, *, expected_version, user, reason):
        services.status_event_delete(event=obj, expected_version=expected_version, user=user, reason=reason)


class _RoundWriter:
    @staticmethod
    def save(obj, *, expected_version, form, user, reason):
        services.round_log(
            agreement=obj.agreement,
            round=obj,
            expected_version=expected_version,
            **services.round_fields(obj),
            user=user,
            reason=reason,
        )

    @staticmethod
    def delete(obj, *, expected_version, user, reason):
        services.round_delete(round=obj, expected_version=expected_version, user=user, reason=reason)


WRITERS = {
    Agreement: _AgreementWriter,
    Round: _RoundWriter,
    ChapterProgress: _ProgressWriter,
    ProgressNote: _NoteWriter,
    StatusEvent: _StatusEventWriter,
}


class RuleMessageFormSet(forms.BaseInlineFormSet):
    """Inline rows that repeat a natural key get the message of the model's unique constraint
    (the same words every door uses), not the formset's generic one."""

    def get_unique_error_message(self, unique_check):
        for constraint in self.model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and {*unique_check, self.fk.name} == {
                *constraint.fields,
                self.fk.name,
            }:
                return str(constraint.get_violation_error_message())
        return super().get_unique_error_message(unique_check)


class OneRowPerChapterFormSet(RuleMessageFormSet):
    """The round's chapter rows: a chapter listed twice gets the model's own message, on the row too."""

    def get_form_error(self):
        return str(DUPLICATE_CHAPTER_MESSAGE)


class ReferenceAdmin(SimpleHistoryAdmin):
    """Reference data and links (parties and bloc memberships, chapters, sources, venues,
    citations): saved and deleted through ``reference_save`` / ``reference_delete`` with the
    curator as the acting user, inline rows too. They carry no version."""

    def save_model(self, request, obj, form, change):
        services.reference_save(instance=obj, user=request.user)

    def delete_model(self, request, obj):
        services.reference_delete(instance=obj, user=request.user, reason=gettext("deleted in the admin"))

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            services.reference_save(instance=obj, user=request.user)
        for obj in formset.deleted_objects:
            self.delete_model(request, obj)
        formset.save_m2m()


class MergeActionMixin:
    """An admin action that merges the selected records into one the curator picks."""

    merge_function = None  # a service: f(*, keep, duplicates, user) -> references moved

    def reference_count(self, obj) -> int:
        raise NotImplementedError

    @admin.action(description=_("Merge selected records into one…"))
    def merge(self, request, queryset):
        if queryset.count() < 2:
            self.message_user(request, _("Select at least two records to merge."), messages.WARNING)
            return None
        if request.POST.get("apply"):
            keep = queryset.filter(pk=request.POST.get("keep")).first()
            if keep is None:
                self.message_user(request, _("Choose the record to keep."), messages.ERROR)
                return None
            duplicates = list(queryset.exclude(pk=keep.pk))
            moved = type(self).merge_function(keep=keep, duplicates=duplicates, user=request.user)
            self.message_user(
                request,
                _("Merged %(count)d records into “%(keep)s”; %(moved)d references moved.")
                % {"count": len(duplicates), "keep": keep, "moved": moved},
                messages.SUCCESS,
            )
            return None
        objects = list(queryset)
        for obj in objects:
            obj.reference_count = self.reference_count(obj)
        return TemplateResponse(
            request,
            "admin/negotiations/merge_confirm.html",
            {**self.admin_site.each_context(request), "opts": self.model._meta, "objects": objects, "action": "merge"},
        )


# --- Inlines ------------------------------------------------------------------------------


class CitationInline(LabelledTabularInline):
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["source", "conflicting", "note"]


class AgreementSourceInline(CitationInline):
    model = AgreementSource


class StatusEventSourceInline(CitationInline):
    model = StatusEventSource


class RoundSourceInline(CitationInline):
    model = RoundSource


class AgreementPartyInline(LabelledTabularInline):
    model = AgreementParty
    extra = 0
    autocomplete_fields = ["party"]
    verbose_name = _("party")
    verbose_name_plural = _("parties")


class StatusEventInline(VersionedInlineMixin, LabelledTabularInline):
    """The agreement's status timeline, oldest first, as it is read."""

    model = StatusEvent
    formset = RuleMessageFormSet
    extra = 0
    fields = ["date", "date_precision", "sequence", "status", "planned", "note"]
    ordering = ["date", "sequence", "id"]
    show_change_link = True
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}


class RoundInline(LabelledTabularInline):
    """The agreement's rounds at a glance, each linking to its own page (chapters, notes, sources).

    Read-only here: editable foreign-key widgets would cost queries per row, and a round is
    edited with its chapters on its own page. "Add round" opens that page for this agreement.
    """

    model = Round
    extra = 0
    fields = ["number", "kind", "title", "dates_display", "venue", "format", "status"]
    readonly_fields = fields
    ordering = [F("start_date").asc(nulls_last=True), "number"]
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("agreement", "venue__country")

    @admin.display(description=_("dates"))
    def dates_display(self, obj):
        return obj.dates_display


class ChapterProgressInline(VersionedInlineMixin, LabelledTabularInline):
    model = ChapterProgress
    formset = OneRowPerChapterFormSet
    extra = 0
    fields = ["chapter", "status", "note"]
    autocomplete_fields = ["chapter"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "chapter":
            kwargs["error_messages"] = {"invalid_choice": UNKNOWN_CHAPTER_MESSAGE}
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("round__agreement", "chapter")


class ProgressNoteInline(VersionedInlineMixin, NamedAutocompleteMixin, admin.StackedInline):
    model = ProgressNote
    extra = 0
    fields = [("chapter", "visibility", "source"), "text", "author"]
    autocomplete_fields = ["chapter", "source", "author"]

    def get_queryset(self, request):
        return notes_visible_to(request.user, super().get_queryset(request))


class BlocMembershipInline(LabelledTabularInline):
    model = BlocMembership
    fk_name = "bloc"
    extra = 0
    autocomplete_fields = ["member"]
    fields = ["member", "joined_on", "joined_precision", "left_on", "left_precision", "note"]


# --- Reference data -------------------------------------------------------------------------


@admin.register(Party)
class PartyAdmin(ReferenceAdmin):
    list_display = ["code", "name", "kind", "alpha_2", "member_count"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "official_name", "alpha_2"]
    inlines = [BlocMembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count or "—"


@admin.register(BlocMembership)
class BlocMembershipAdmin(NamedAutocompleteMixin, ReferenceAdmin):
    list_display = ["bloc", "member", "joined_on", "left_on", "note"]
    list_filter = ["bloc"]
    search_fields = ["bloc__code", "member__code", "member__name"]
    autocomplete_fields = ["bloc", "member"]
    list_select_related = ["bloc", "member"]


@admin.register(Chapter)
class ChapterAdmin(TranslationAdmin, ReferenceAdmin):
    """Name, description and synonyms are edited in English and Spanish side by side (``name_en``,
    ``name_es``); search finds a chapter by its synonyms in either language."""

    list_display = ["code", "name_en", "name_es", "order", "cptpp_chapter", "dta_area", "is_active", "round_count"]
    list_editable = ["order"]
    list_filter = ["is_active", "dta_area"]
    search_fields = ["code", "name_en", "name_es", "description_en", "description_es", "synonyms_en", "synonyms_es"]
    actions = ["retire", "reactivate"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(round_count=Count("progress"))

    @admin.display(description=_("rounds"), ordering="round_count")
    def round_count(self, obj):
        return obj.round_count

    def _set_active(self, request, queryset, active: bool):
        changed = services.chapters_active_set(
            chapters=queryset, active=active, user=request.user, reason=gettext("admin bulk action")
        )
        self.message_user(
            request, ngettext("%d chapter updated.", "%d chapters updated.", changed) % changed, messages.SUCCESS
        )

    @admin.action(description=_("Retire selected chapters"))
    def retire(self, request, queryset):
        self._set_active(request, queryset, False)

    @admin.action(description=_("Reactivate selected chapters"))
    def reactivate(self, request, queryset):
        self._set_active(request, queryset, True)


@admin.register(Source)
class SourceAdmin(MergeActionMixin, ReferenceAdmin):
    merge_function = services.source_merge
    actions = ["merge"]
    list_display = ["title", "publisher", "published_display", "url"]
    search_fields = ["title", "publisher", "url", "note"]
    list_filter = ["publisher"]
    date_hierarchy = "published_on"
    # A link typed without a scheme is read as https, as the site's source form reads it.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.display(description=_("published"), ordering="published_on")
    def published_display(self, obj):
        return obj.published_display

    def reference_count(self, obj) -> int:
        return (
            obj.agreementsource_set.count()
            + obj.statuseventsource_set.count()
            + obj.roundsource_set.count()
            + (obj.notes.count())
        )


@admin.register(Venue)
class VenueAdmin(MergeActionMixin, NamedAutocompleteMixin, ReferenceAdmin):
    merge_function = services.venue_merge
    actions = ["merge"]
    list_display = ["city", "country", "place", "round_count"]
    list_filter = [("country", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["city", "place", "country__name", "country__code"]
    autocomplete_fields = ["country"]
    list_select_related = ["country"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(round_count=Count("rounds"))

    @admin.display(description=_("rounds"), ordering="round_count")
    def round_count(self, obj):
        return obj.round_count

    def reference_count(self, obj) -> int:
        return obj.round_count


# --- Agreements and their timeline ------------------------------------------------------------


@admin.register(Agreement)
class AgreementAdmin(VersionedAdmin):
    list_display = ["name", "short_name", "kind", "current_status", "status_date_display", "party_codes"]
    list_filter = ["current_status", "kind", ("parties", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "short_name", "spanish_name", "slug", "summary", "parties__code", "parties__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["predecessor"]
    filter_horizontal = ["editors", "editor_groups"]
    readonly_fields = ["current_status", "status_date_display", "version", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "spanish_name", "slug", "kind", "summary"]}),
        (_("Lineage"), {"fields": ["predecessor", "predecessor_relation"]}),
        (_("Round record coverage"), {"fields": ["rounds_coverage", "coverage_note", "coverage_checked_on"]}),
        (
            _("Status (derived from the timeline below)"),
            {"fields": ["current_status", "status_date_display", "version", "created_at", "updated_at"]},
        ),
        (_("Editing rights"), {"fields": ["editors", "editor_groups"], "classes": ["collapse"]}),
    ]
    inlines = [AgreementPartyInline, StatusEventInline, RoundInline, AgreementSourceInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("parties")

    @admin.display(description=_("status date"), ordering="status_date")
    def status_date_display(self, obj):
        return obj.status_date_display or "—"

    @admin.display(description=_("parties"))
    def party_codes(self, obj):
        return ", ".join(party.code for party in obj.parties.all())

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not is_curator(request.user):
            readonly += ["editors", "editor_groups"]  # only curators assign editing rights
        return readonly


@admin.register(StatusEvent)
class StatusEventAdmin(VersionedAdmin):
    list_display = ["agreement", "date_display", "sequence", "status", "planned"]
    list_filter = ["status", "planned", "date_precision", EventYearListFilter]
    search_fields = ["agreement__name", "agreement__slug", "note"]
    autocomplete_fields = ["agreement"]
    date_hierarchy = "date"
    inlines = [StatusEventSourceInline]
    list_select_related = ["agreement"]

    @admin.display(description=_("date"), ordering="date")
    def date_display(self, obj):
        return obj.date_display


# --- Rounds, progress and notes ------------------------------------------------------------------


@admin.register(Round)
class RoundAdmin(VersionedAdmin):
    list_display = ["__str__", "number", "kind", "dates_display", "venue", "format", "status", "chapter_count"]
    list_filter = [
        "status",
        "kind",
        "format",
        YearListFilter,
        ("agreement", admin.RelatedOnlyFieldListFilter),
        ("venue__country", admin.RelatedOnlyFieldListFilter),
        ("chapters", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["agreement__name", "agreement__slug", "title", "summary", "chief_negotiators", "venue__city"]
    autocomplete_fields = ["agreement", "venue"]
    date_hierarchy = "start_date"
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [ChapterProgressInline, ProgressNoteInline, RoundSourceInline]
    list_select_related = ["agreement", "venue__country"]
    actions = ["mark_held", "mark_postponed"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(chapter_count=Count("progress"))

    @admin.display(description=_("dates"), ordering="start_date")
    def dates_display(self, obj):
        return obj.dates_display

    @admin.display(description=_("chapters"), ordering="chapter_count")
    def chapter_count(self, obj):
        return obj.chapter_count

    def _set_status(self, request, queryset, status):
        changed = services.rounds_status_set(
            rounds=queryset, status=status, user=request.user, reason=gettext("admin bulk action")
        )
        self.message_user(
            request, ngettext("%d round updated.", "%d rounds updated.", changed) % changed, messages.SUCCESS
        )

    @admin.action(description=_("Mark selected rounds as held"))
    def mark_held(self, request, queryset):
        self._set_status(request, queryset, RoundStatus.HELD)

    @admin.action(description=_("Mark selected rounds as postponed"))
    def mark_postponed(self, request, queryset):
        self._set_status(request, queryset, RoundStatus.POSTPONED)


@admin.register(ChapterProgress)
class ChapterProgressAdmin(VersionedAdmin):
    list_display = ["round", "chapter", "status", "updated_at"]
    list_filter = ["status", ("chapter", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["round__agreement__name", "chapter__code", "chapter__name", "note"]
    autocomplete_fields = ["round", "chapter"]
    list_select_related = ["round__agreement", "chapter"]


@admin.register(ProgressNote)
class ProgressNoteAdmin(VersionedAdmin):
    list_display = ["round", "chapter", "visibility", "language", "author", "created_at", "excerpt"]
    list_filter = ["visibility", "language", ("chapter", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text", "round__agreement__name", "chapter__code"]
    autocomplete_fields = ["round", "chapter", "source", "author"]
    date_hierarchy = "created_at"
    list_select_related = ["round__agreement", "chapter", "author"]

    def get_queryset(self, request):
        # Confidential notes stay hidden from staff who may not read them (also in history views).
        return notes_visible_to(request.user, super().get_queryset(request))

    @admin.display(description=_("text"))
    def excerpt(self, obj):
        return obj.text[:80]


@admin.register(AgreementSource, StatusEventSource, RoundSource, AgreementParty)
class LinkAdmin(ReferenceAdmin):
    """Citations and agreement parties, for search and history; edited as inlines of their
    agreement, status event or round, so they are not listed on the admin index."""

    search_fields = ["id"]

    def has_module_permission(self, request):
        return False


# --- Accounts -------------------------------------------------------------------------------


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class TrackerUserAdmin(UserAdmin):
    """Curators create officials and assign roles; only superusers grant superuser or raw permissions."""

    list_filter = ["is_staff", "is_active", "groups"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # A curator may not take over (or reset the password of) a superuser account.
        return queryset if request.user.is_superuser else queryset.filter(is_superuser=False)


# API tokens: issued and revoked by curators, never readable (their own module).
from . import admin_tokens  # noqa: E402, F401
