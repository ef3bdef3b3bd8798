"""The curators' interface: every model, with the history button (django-simple-history).

Writes that carry business rules go through ``negotiations.services``: status events recompute
the agreement's current status; saves bump ``version`` so that site editors holding an older
copy get a conflict instead of silently overwriting a curator's change.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, F
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from simple_history.admin import SimpleHistoryAdmin

from . import services
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


class VersionedAdmin(SimpleHistoryAdmin):
    """Saves through the services (the same writers as the site and the API), with the reason
    the curator gives; every save bumps ``version`` so concurrent site edits see the change.

    Subclasses name their writer in :meth:`write`; the default saves the record as the
    ModelForm validated it (reference data and agreements)."""

    form = ReasonForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.fieldsets and not any("change_reason" in opts.get("fields", ()) for _name, opts in fieldsets):
            fieldsets = [*fieldsets, (None, {"fields": ["change_reason"]})]
        return fieldsets

    def reason(self, request) -> str:
        return getattr(request, "_admin_change_reason", "") or ""

    def save_form(self, request, form, change):
        request._admin_change_reason = form.cleaned_data.get("change_reason", "")
        return super().save_form(request, form, change)

    def save_model(self, request, obj, form, change):
        writer = WRITERS.get(self.model)
        if writer is not None:
            writer.save(obj, user=request.user, reason=self.reason(request))
            return
        with transaction.atomic():
            services.history_stamp(obj, user=request.user, reason=self.reason(request))
            obj.save()
            if change and hasattr(obj, "version"):
                services.version_claim(obj, expected_version=None)

    def delete_model(self, request, obj):
        writer = WRITERS.get(self.model)
        if writer is None:
            return super().delete_model(request, obj)
        writer.delete(obj, user=request.user, reason=gettext("deleted in the admin"))

    def delete_queryset(self, request, queryset):
        if WRITERS.get(self.model) is None:
            return super().delete_queryset(request, queryset)
        with transaction.atomic():
            for obj in queryset:
                self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        """Inline rows go through their own writers (chapter progress, notes, status events)."""
        writer = INLINE_WRITERS.get(formset.model)
        if writer is None:
            for obj in formset.save(commit=False):
                services.history_stamp(obj, user=request.user, reason=self.reason(request))
                obj.save()
            for obj in formset.deleted_objects:
                services.history_stamp(obj, user=request.user, reason=self.reason(request))
                obj.delete()
            formset.save_m2m()
            return
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            writer.delete(obj, user=request.user, reason=self.reason(request))
        for obj in instances:
            writer.save(obj, user=request.user, reason=self.reason(request))
        formset.save_m2m()


def _adopt(obj, saved) -> None:
    """Give the admin's unsaved instance the identity of the row a service created."""
    obj.pk, obj.version = saved.pk, saved.version
    obj._state.adding = False


class _ProgressWriter:
    @staticmethod
    def save(obj, *, user, reason):
        if obj.pk is None:
            _adopt(
                obj,
                services.chapter_progress_create(
                    round=obj.round, chapter=obj.chapter, status=obj.status, note=obj.note, user=user, reason=reason
                ),
            )
        else:
            services.chapter_progress_update(
                progress=obj,
                expected_version=None,
                chapter=obj.chapter,
                status=obj.status,
                note=obj.note,
                user=user,
                reason=reason,
            )

    @staticmethod
    def delete(obj, *, user, reason):
        services.chapter_progress_delete(progress=obj, expected_version=None, user=user, reason=reason)


class _NoteWriter:
    @staticmethod
    def save(obj, *, user, reason):
        if obj.pk is None:
            _adopt(
                obj,
                services.note_add(
                    round=obj.round,
                    text=obj.text,
                    chapter=obj.chapter,
                    visibility=obj.visibility,
                    source=obj.source,
                    author=obj.author,
                    user=user,
                    reason=reason,
                ),
            )
        else:
            services.note_update(
                note=obj,
                expected_version=None,
                text=obj.text,
                visibility=obj.visibility,
                chapter=obj.chapter,
                source=obj.source,
                user=user,
                reason=reason,
            )

    @staticmethod
    def delete(obj, *, user, reason):
        services.note_delete(note=obj, expected_version=None, user=user, reason=reason)


class _StatusEventWriter:
    FIELDS = ("status", "date", "date_precision", "planned", "sequence", "note")

    @classmethod
    def save(cls, obj, *, user, reason):
        fields = {name: getattr(obj, name) for name in cls.FIELDS}
        if obj.pk is None:
            _adopt(obj, services.status_event_record(agreement=obj.agreement, user=user, reason=reason, **fields))
        else:
            services.status_event_update(
                event=obj, expected_version=None, agreement=obj.agreement, user=user, reason=reason, **fields
            )

    @staticmethod
    def delete(obj, *, user, reason):
        services.status_event_delete(event=obj, user=user, reason=reason)


class _RoundWriter:
    @staticmethod
    def save(obj, *, user, reason):
        services.round_log(agreement=obj.agreement, round=obj, **services.round_fields(obj), user=user, reason=reason)

    @staticmethod
    def delete(obj, *, user, reason):
        services.round_delete(round=obj, user=user, reason=reason)


INLINE_WRITERS = {ChapterProgress: _ProgressWriter, ProgressNote: _NoteWriter, StatusEvent: _StatusEventWriter}
WRITERS = {Round: _RoundWriter, **INLINE_WRITERS}


class OneRowPerChapterFormSet(forms.BaseInlineFormSet):
    """The round's chapter rows: a chapter listed twice gets the model's own message."""

    def get_unique_error_message(self, unique_check):
        return str(DUPLICATE_CHAPTER_MESSAGE)

    def get_form_error(self):
        return str(DUPLICATE_CHAPTER_MESSAGE)


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


class CitationInline(admin.TabularInline):
    extra = 0
    autocomplete_fields = ["source"]
    fields = ["source", "conflicting", "note"]


class AgreementSourceInline(CitationInline):
    model = AgreementSource


class StatusEventSourceInline(CitationInline):
    model = StatusEventSource


class RoundSourceInline(CitationInline):
    model = RoundSource


class AgreementPartyInline(admin.TabularInline):
    model = AgreementParty
    extra = 0
    autocomplete_fields = ["party"]
    verbose_name = _("party")
    verbose_name_plural = _("parties")


class StatusEventInline(admin.TabularInline):
    """The agreement's status timeline, oldest first, as it is read."""

    model = StatusEvent
    extra = 0
    fields = ["date", "date_precision", "sequence", "status", "planned", "note"]
    ordering = ["date", "sequence", "id"]
    show_change_link = True
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}


class RoundInline(admin.TabularInline):
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


class ChapterProgressInline(admin.TabularInline):
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


class ProgressNoteInline(admin.StackedInline):
    model = ProgressNote
    extra = 0
    fields = [("chapter", "visibility", "source"), "text", "author"]
    autocomplete_fields = ["chapter", "source", "author"]

    def get_queryset(self, request):
        return notes_visible_to(request.user, super().get_queryset(request))


class BlocMembershipInline(admin.TabularInline):
    model = BlocMembership
    fk_name = "bloc"
    extra = 0
    autocomplete_fields = ["member"]
    fields = ["member", "joined_on", "joined_precision", "left_on", "left_precision", "note"]


# --- Reference data -------------------------------------------------------------------------


@admin.register(Party)
class PartyAdmin(SimpleHistoryAdmin):
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
class BlocMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["bloc", "member", "joined_on", "left_on", "note"]
    list_filter = ["bloc"]
    search_fields = ["bloc__code", "member__code", "member__name"]
    autocomplete_fields = ["bloc", "member"]
    list_select_related = ["bloc", "member"]


@admin.register(Chapter)
class ChapterAdmin(TranslationAdmin, SimpleHistoryAdmin):
    """Name and description are edited in English and Spanish side by side (``name_en``, ``name_es``)."""

    list_display = ["code", "name_en", "name_es", "order", "cptpp_chapter", "dta_area", "is_active", "round_count"]
    list_editable = ["order"]
    list_filter = ["is_active", "dta_area"]
    search_fields = ["code", "name_en", "name_es", "description_en", "description_es"]
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
class SourceAdmin(MergeActionMixin, SimpleHistoryAdmin):
    merge_function = services.source_merge
    actions = ["merge"]
    list_display = ["title", "publisher", "published_display", "url"]
    search_fields = ["title", "publisher", "url", "note"]
    list_filter = ["publisher"]
    date_hierarchy = "published_on"

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
class VenueAdmin(MergeActionMixin, SimpleHistoryAdmin):
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

    def save_related(self, request, form, formsets, change):
        # Inline status events may have changed: the derived status follows, in this request's transaction.
        super().save_related(request, form, formsets, change)
        services.agreement_status_recompute(agreement=form.instance)

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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.agreement_status_recompute(agreement=form.instance.agreement)
        previous = form.initial.get("agreement")
        if previous and previous != form.instance.agreement_id:
            # The event moved to another agreement: the one it left needs its status recomputed too.
            services.agreement_status_recompute(agreement=Agreement.objects.get(pk=previous))


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
class LinkAdmin(SimpleHistoryAdmin):
    """Citations and agreement parties, for search and history; normally edited as inlines."""

    search_fields = ["id"]


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
