"""Editing on the site: log or edit a round, record a status event, edit or delete notes, and
read an agreement's history.

Every view here needs a signed-in user (anonymous visitors are sent to the sign-in page) and,
for writes, the right to edit the agreement (``permissions.can_edit_agreement``; 403
otherwise). The views parse input with ``forms`` and save through ``services``; on a
``ConcurrencyConflict`` they answer 409 with the user's input kept and what changed beside it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .choices import RoundStatus
from .forms import MORE_ROWS, ConfirmDeleteForm, NoteForm, RoundLogForm, StatusEventForm, round_conflict_rows
from .history import agreement_history
from .models import Agreement, ChapterProgress, ProgressNote, Round, RoundSource, StatusEvent, overdue_round_q
from .permissions import can_edit_agreement, editable_agreements_q
from .services import (
    ConcurrencyConflict,
    note_delete,
    note_update,
    round_delete,
    round_log,
    status_event_record,
    status_event_update,
)
from .timeline import event_order_key

CONFLICT = 409


def _require_editor(user, agreement: Agreement) -> None:
    if not can_edit_agreement(user, agreement):
        raise PermissionDenied(_("You are not assigned to edit this agreement."))


def _last_change(instance) -> dict:
    """Who saved ``instance`` last and when (for the conflict message)."""
    record = instance.history.select_related("history_user").first()
    if record is None:
        return {}
    return {"user": record.history_user, "when": record.history_date, "reason": record.history_change_reason}


def _round_for_edit(request, pk: int) -> Round:
    round_obj = get_object_or_404(Round.objects.select_related("agreement", "venue__country"), pk=pk)
    _require_editor(request.user, round_obj.agreement)
    return round_obj


def _more_rows_asked(request) -> str | None:
    """Which part of the round form the "more rows" button was pressed for (without
    JavaScript the button submits the form), or ``None`` for a save."""
    part = request.POST.get("more_rows")
    return part if part in MORE_ROWS else None


def _render_round_form(request, form: RoundLogForm, *, status: int = 200, **context):
    round_obj = form.round
    existing_notes, existing_sources = [], []
    if round_obj is not None:
        # Editors of the agreement may read all its notes, confidential ones included.
        existing_notes = list(round_obj.notes.select_related("chapter", "author"))
        existing_sources = list(RoundSource.objects.filter(round=round_obj).select_related("source"))
    return render(
        request,
        "negotiations/edit/round_form.html",
        {
            "agreement": form.agreement,
            "round": round_obj,
            "form": form,
            "existing_notes": existing_notes,
            "existing_sources": existing_sources,
            **context,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request, slug):
    """Log a round: its fields, the chapters discussed, notes and sources, in one form."""
    agreement = get_object_or_404(Agreement.objects.prefetch_related("agreement_parties"), slug=slug)
    _require_editor(request.user, agreement)
    if request.method != "POST":
        copy_from = None
        if request.GET.get("from", "").isdigit():
            copy_from = Round.objects.filter(agreement=agreement, pk=int(request.GET["from"])).first()
        # Offer the chapters of the latest round that has some, the usual starting point.
        latest = (
            Round.objects.filter(agreement=agreement, progress__isnull=False)
            .annotate(chapter_count=Count("progress"))
            .order_by(F("start_date").desc(nulls_last=True), "-number")
            .first()
        )
        return _render_round_form(
            request,
            RoundLogForm(agreement=agreement, copy_from=copy_from),
            copy_from=copy_from,
            copy_candidate=latest,
        )
    form = RoundLogForm(request.POST, agreement=agreement)
    if part := _more_rows_asked(request):
        return _render_round_form(request, form.with_more_rows(part))
    if form.is_valid():
        try:
            round_obj = round_log(agreement=agreement, user=request.user, **form.service_kwargs())
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, _("%(round)s is logged.") % {"round": round_obj.label})
            return redirect(round_obj)
    return _render_round_form(request, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request, pk):
    """Edit a round and its chapters through the same form, guarded by the round's version."""
    round_obj = _round_for_edit(request, pk)
    agreement = round_obj.agreement
    if request.method != "POST":
        return _render_round_form(request, RoundLogForm(agreement=agreement, round=round_obj))
    form = RoundLogForm(request.POST, agreement=agreement, round=round_obj)
    if part := _more_rows_asked(request):
        return _render_round_form(request, form.with_more_rows(part))
    if form.is_valid():
        try:
            round_obj = round_log(
                agreement=agreement,
                round=round_obj,
                expected_version=form.expected_version,
                expected_snapshot=form.expected_snapshot,
                user=request.user,
                **form.service_kwargs(),
            )
        except ConcurrencyConflict:
            current = Round.objects.select_related("agreement", "venue__country").get(pk=round_obj.pk)
            rows = round_conflict_rows(form, current)
            return _render_round_form(
                request,
                form.rebased(current),
                status=CONFLICT,
                conflict_rows=rows,
                last_change=_last_change(current),
            )
        except ValidationError as error:
            form.round = Round.objects.select_related("agreement", "venue__country").get(pk=round_obj.pk)
            form.add_service_errors(error)
        else:
            messages.success(request, _("%(round)s is saved.") % {"round": round_obj.label})
            return redirect(round_obj)
    return _render_round_form(request, form, status=400)


def _confirm_delete(request, obj, *, delete, template: str, context: dict, done_url, conflict_message, conflict_url):
    """The shared confirm-then-delete flow: the form carries the version shown and a reason;
    a stale version sends the user back to the record with ``conflict_message``."""
    form = ConfirmDeleteForm(request.POST or None, initial={"version": obj.version})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            label = str(obj)
            try:
                delete(
                    expected_version=form.cleaned_data["version"], user=request.user, reason=form.cleaned_data["reason"]
                )
            except ConcurrencyConflict:
                messages.error(request, conflict_message)
                return redirect(conflict_url)
            messages.success(request, _("Deleted: %(record)s.") % {"record": label})
            return redirect(done_url)
    return render(request, template, {**context, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def round_delete_view(request, pk):
    """Confirm, then delete a round with its chapters, notes and citations."""
    round_obj = _round_for_edit(request, pk)
    return _confirm_delete(
        request,
        round_obj,
        delete=lambda **kwargs: round_delete(round=round_obj, **kwargs),
        template="negotiations/edit/round_confirm_delete.html",
        context={
            "round": round_obj,
            "agreement": round_obj.agreement,
            "counts": {"chapters": round_obj.progress.count(), "notes": round_obj.notes.count()},
        },
        done_url=round_obj.agreement.get_absolute_url(),
        conflict_message=_("This round was changed after you opened this page. Check it before deleting it."),
        conflict_url=reverse("round-edit", args=[round_obj.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def status_event_new(request, slug):
    """Record a dated step of the agreement ("concluded on 6 May 2025"); recomputes the status."""
    agreement = get_object_or_404(Agreement, slug=slug)
    _require_editor(request.user, agreement)
    form = StatusEventForm(request.POST or None)
    # Newest first in the public timeline's order (an event known to the year or month at its period's end).
    timeline = sorted(StatusEvent.objects.filter(agreement=agreement), key=event_order_key, reverse=True)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                event = status_event_record(agreement=agreement, user=request.user, **form.service_kwargs())
            except ValidationError as error:
                _form_errors_from(form, error)
            else:
                messages.success(request, _("Recorded: %(event)s.") % {"event": event})
                return redirect(agreement)
    return render(
        request,
        "negotiations/edit/status_event_form.html",
        {"agreement": agreement, "form": form, "timeline": timeline},
        status=status,
    )


def _event_for_edit(request, pk: int) -> StatusEvent:
    event = get_object_or_404(StatusEvent.objects.select_related("agreement"), pk=pk)
    _require_editor(request.user, event.agreement)
    return event


def _form_errors_from(form, error: ValidationError) -> None:
    for key, errors in error.message_dict.items():
        for message in errors:
            form.add_error(key if key in form.fields else None, message)


def _versioned_edit(request, form, *, save, reload, template: str, context: dict, saved_message, done):
    """The shared edit flow of a versioned record: save with the version the page was opened
    with; a stale version answers 409 with the user's input kept and what changed beside it;
    the services' validation errors go back onto the form."""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                save(expected_version=form.cleaned_data["version"], user=request.user, **form.service_kwargs())
            except ConcurrencyConflict:
                current = reload()
                context = {
                    **context,
                    "conflict_rows": form.conflict_rows(current),
                    "last_change": _last_change(current),
                }
                form.rebase(current)
                status = CONFLICT
            except ValidationError as error:
                _form_errors_from(form, error)
            else:
                messages.success(request, saved_message())
                return redirect(done)
    return render(request, template, {**context, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def status_event_edit(request, pk):
    """Correct a status event (guarded by its version); recomputes the agreement's status."""
    event = _event_for_edit(request, pk)
    return _versioned_edit(
        request,
        StatusEventForm(request.POST or None, event=event),
        save=lambda **kwargs: status_event_update(event=event, **kwargs),
        reload=lambda: StatusEvent.objects.get(pk=event.pk),
        template="negotiations/edit/status_event_form.html",
        context={"agreement": event.agreement, "event": event},
        saved_message=lambda: _("Saved: %(event)s.") % {"event": event},
        done=event.agreement,
    )


@login_required
@require_http_methods(["GET", "POST"])
def status_event_delete_view(request, pk):
    """Confirm, then delete a status event; the agreement's status is recomputed."""
    event = _event_for_edit(request, pk)
    return _confirm_delete(
        request,
        event,
        delete=lambda **kwargs: services.status_event_delete(event=event, **kwargs),
        template="negotiations/edit/status_event_confirm_delete.html",
        context={"agreement": event.agreement, "event": event},
        done_url=event.agreement.get_absolute_url(),
        conflict_message=_("This event was changed after you opened the page. Check it again first."),
        conflict_url=reverse("status-event-edit", args=[event.pk]),
    )


def _note_for_edit(request, pk: int) -> ProgressNote:
    note = get_object_or_404(ProgressNote.objects.select_related("round__agreement", "chapter"), pk=pk)
    # Someone who may not edit the agreement must not learn a confidential note exists: 404.
    if not can_edit_agreement(request.user, note.round.agreement):
        if note.is_confidential:
            raise Http404
        raise PermissionDenied(_("You are not assigned to edit this agreement."))
    return note


@login_required
@require_http_methods(["GET", "POST"])
def note_edit(request, pk):
    """Edit a note's text, visibility or chapter, guarded by its version."""
    note = _note_for_edit(request, pk)
    return _versioned_edit(
        request,
        NoteForm(request.POST or None, note=note),
        save=lambda **kwargs: note_update(note=note, **kwargs),
        reload=lambda: ProgressNote.objects.select_related("chapter").get(pk=note.pk),
        template="negotiations/edit/note_form.html",
        context={"note": note, "round": note.round, "agreement": note.round.agreement},
        saved_message=lambda: _("The note is saved."),
        done=note.round,
    )


@login_required
@require_http_methods(["GET", "POST"])
def note_delete_view(request, pk):
    """Confirm, then delete a note (refused if it changed since the page was opened)."""
    note = _note_for_edit(request, pk)
    return _confirm_delete(
        request,
        note,
        delete=lambda **kwargs: note_delete(note=note, **kwargs),
        template="negotiations/edit/note_confirm_delete.html",
        context={"note": note, "round": note.round, "agreement": note.round.agreement},
        done_url=note.round.get_absolute_url(),
        conflict_message=_("This note was changed after you opened the page. Read it again first."),
        conflict_url=reverse("note-edit", args=[note.pk]),
    )


@login_required
def agreement_history_view(request, slug):
    """Who changed what in an agreement and its rounds, progress, notes and status events.

    For the agreement's editors and curators: the audit trail names officials, which the
    public record does not.
    """
    agreement = get_object_or_404(Agreement, slug=slug)
    _require_editor(request.user, agreement)
    page = agreement_history(agreement=agreement, user=request.user, page_number=request.GET.get("page"))
    return render(
        request,
        "negotiations/history.html",
        {
            "agreement": agreement,
            "page_obj": page,
            "rows": page.object_list,
            "can_edit": can_edit_agreement(request.user, agreement),
        },
    )


@login_required
def editor_todo(request):
    """What the signed-in editor's agreements are missing: planned rounds whose date passed
    with no outcome, and rounds with no chapters or no sources; each one click from its form."""
    editable = Agreement.objects.filter(editable_agreements_q(request.user)).values("pk")
    has_chapters = Exists(ChapterProgress.objects.filter(round=OuterRef("pk")))
    has_sources = Exists(RoundSource.objects.filter(round=OuterRef("pk")))
    rounds = (
        Round.objects.filter(agreement__in=editable)
        .select_related("agreement", "venue__country")
        .annotate(has_chapters=has_chapters, has_sources=has_sources)
    )
    overdue = list(rounds.filter(overdue_round_q(timezone.localdate())).order_by("start_date", "pk"))
    overdue_ids = {r.pk for r in overdue}
    missing = rounds.exclude(status=RoundStatus.CANCELLED).filter(Q(has_chapters=False) | Q(has_sources=False))
    incomplete = [r for r in missing.order_by(F("start_date").desc(nulls_last=True), "pk") if r.pk not in overdue_ids]
    return render(request, "negotiations/edit/todo.html", {"overdue": overdue, "incomplete": incomplete})
