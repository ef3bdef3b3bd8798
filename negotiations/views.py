"""The public, read-only site: home, agreements, rounds, chapters, search and exports.

Every list applies its model's FilterSet to the query string, so a filtered page, its CSV/JSON
export and the API answer the same rows. Invalid filters show their message (status 400)
instead of silently showing everything; exports of invalid filters answer 400.
"""

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from . import exports, selectors
from .filters.active import active_filters
from .filters.panel import filter_panel
from .filtersets import (
    AgreementFilterSet,
    ChapterFilterSet,
    ChapterProgressFilterSet,
    RoundFilterSet,
    filter_errors,
)
from .models import Chapter, ChapterProgress, Party
from .permissions import can_edit_agreement
from .search import MAX_QUERY_LENGTH, NOTE_RANK_LIMIT, SearchResults, search_results, using_postgres

PAGE_SIZE = 25
CHAPTER_AGREEMENTS = 10  # negotiations per page on a chapter's page (its notes follow)
ORDERING_PARAM = "ordering"


def paginate(request, items, per_page: int = PAGE_SIZE):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def page_number(value, *, last: int = 10_000) -> int:
    """A page number from the query string; anything unusable means the first page."""
    try:
        return min(max(int(value), 1), last)
    except (TypeError, ValueError):
        return 1


def page_link(request, **changes) -> str:
    """This page's query string with some parameters replaced (e.g. a second paginator)."""
    query = request.GET.copy()
    for key, value in changes.items():
        query[key] = value
    return f"?{query.urlencode()}"


def link_query(data, **changes) -> str:
    """The filters of ``data`` without the page number, with ``changes`` appended (``format=csv``
    is appended, not substituted, because ``format`` is also a round filter)."""
    query = data.copy()
    query.pop("page", None)
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query.appendlist(key, value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""


def filtered_list(
    request,
    *,
    filterset_class,
    queryset: QuerySet,
    default_ordering: list,
    template: str,
    columns,
    export_name: str,
    page_prepare=None,  # called with the page's items and the filterset
    export_prepare=None,
    extra_context=None,
    per_page: int = PAGE_SIZE,
    main_filters: tuple[str, ...] = (),
):
    """The shared list flow: filter, order, then export or paginate and render. The filter
    panel shows ``main_filters`` first and the others under "More filters"."""
    export_format, data = exports.split_export_format(request.GET)
    filterset = filterset_class(data, queryset=queryset, request=request)
    valid = filterset.is_valid()
    if export_format:
        if not valid:
            return exports.export_error_response(filter_errors(filterset), export_format=export_format)
        rows = filterset.qs
        if not data.get(ORDERING_PARAM):
            rows = rows.order_by(*default_ordering)
        return exports.export_response(
            rows, columns(request), export_format=export_format, name=export_name, prepare=export_prepare
        )

    filterset.narrow_choices()
    rows = filterset.qs if valid else queryset.none()
    if not data.get(ORDERING_PARAM):
        rows = rows.order_by(*default_ordering)
    page = paginate(request, rows, per_page)
    if page_prepare:
        page.object_list = list(page.object_list)
        page_prepare(page.object_list, filterset)
    context = {
        "filterset": filterset,
        "filter_panel": filter_panel(filterset, data, main_filters),
        "filter_errors": [] if valid else filter_errors(filterset),
        "active_filters": active_filters(filterset, data) if valid else [],
        "page_obj": page,
        "is_filtered": any(v for k, v in data.items() if k not in ("page", ORDERING_PARAM)),
        "ordering": data.get(ORDERING_PARAM, ""),
        "csv_query": link_query(data, format="csv"),
        "json_query": link_query(data, format="json"),
        "feed_query": link_query(data, ordering=None),
        **(extra_context or {}),
    }
    return render(request, template, context, status=200 if valid else 400)


@require_safe
def home(request):
    return render(request, "negotiations/home.html", selectors.home_page())


@require_safe
def agreement_list(request):
    return filtered_list(
        request,
        filterset_class=AgreementFilterSet,
        queryset=selectors.agreement_list_queryset(),
        default_ordering=["name", "pk"],
        template="negotiations/agreement_list.html",
        columns=exports.agreement_columns,
        export_name="agreements",
        main_filters=("party", "status", "chapter"),
    )


@require_safe
def agreement_detail(request, slug):
    agreement = get_object_or_404(selectors.agreement_detail_queryset(), slug=slug)
    context = {
        "agreement": agreement,
        "can_edit": can_edit_agreement(request.user, agreement),
        **selectors.agreement_page(agreement=agreement),
    }
    return render(request, "negotiations/agreement_detail.html", context)


@require_safe
def coverage(request):
    """What the tracker holds and how complete each negotiation's round record is."""
    context = {
        "page_obj": paginate(request, selectors.coverage_agreements_queryset(), per_page=50),
        **selectors.coverage_summary(),
    }
    return render(request, "negotiations/coverage.html", context)


@require_safe
def agreement_export(request, slug):
    """/agreements/<slug>/export.json: the agreement's full public record."""
    agreement = get_object_or_404(selectors.agreement_detail_queryset(), slug=slug)
    response = JsonResponse(
        exports.agreement_record(agreement, request), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="{agreement.slug}.json"'
    return response


@require_safe
def round_list(request):
    return filtered_list(
        request,
        filterset_class=RoundFilterSet,
        queryset=selectors.round_list_queryset(),
        default_ordering=selectors.NEWEST_FIRST,
        template="negotiations/round_list.html",
        columns=exports.round_columns,
        export_name="rounds",
        page_prepare=round_chips,
        export_prepare=exports.attach_chapter_statuses,
        main_filters=("agreement", "party", "chapter", "status", "start_after", "start_before"),
    )


def round_chips(rounds: list, filterset: RoundFilterSet) -> None:
    # The chips' chapters are those of the chapter drop-down, read once for the page.
    selectors.attach_chapter_chips(rounds, catalog=filterset.form.fields["chapter"].listed())


@require_safe
def round_detail(request, pk):
    round_obj = get_object_or_404(selectors.round_detail_queryset(), pk=pk)
    context = {
        "round": round_obj,
        "agreement": round_obj.agreement,
        "can_edit": can_edit_agreement(request.user, round_obj.agreement),
        **selectors.round_page(round_obj=round_obj, user=request.user),
    }
    return render(request, "negotiations/round_detail.html", context)


@require_safe
def chapter_list(request):
    return filtered_list(
        request,
        filterset_class=ChapterFilterSet,
        queryset=selectors.chapter_list(),
        default_ordering=["order", "code"],
        template="negotiations/chapter_list.html",
        columns=exports.chapter_columns,
        export_name="chapters",
        per_page=100,
        page_prepare=lambda chapters, _filterset: selectors.attach_chapter_stats(chapters),
        export_prepare=selectors.attach_chapter_stats,
    )


@require_safe
def chapter_detail(request, code):
    """A chapter across negotiations; ``?format=csv|json`` exports its progress rows, which take
    the ChapterProgressFilterSet parameters (e.g. ``?agreement=india-peru-ta``)."""
    if code != code.upper():
        return redirect("chapter-detail", code=code.upper())
    chapter = get_object_or_404(Chapter, code=code)
    export_format, data = exports.split_export_format(request.GET)
    if export_format:
        progress = ChapterProgress.objects.filter(chapter=chapter).select_related(
            "round__agreement", "chapter", "round__venue__country"
        )
        filterset = ChapterProgressFilterSet(data, queryset=progress, request=request)
        if not filterset.is_valid():
            return exports.export_error_response(filter_errors(filterset), export_format=export_format)
        rows = filterset.qs
        if not data.get(ORDERING_PARAM):
            rows = rows.order_by("round__agreement__name", F("round__start_date").asc(nulls_last=True), "round__pk")
        return exports.export_response(
            rows, exports.progress_columns(request), export_format=export_format, name=f"chapter-{chapter.code}"
        )
    agreements_page = selectors.chapter_agreements(
        chapter=chapter, page=page_number(request.GET.get("page")), per_page=CHAPTER_AGREEMENTS
    )
    if agreements_page.number > 1 and not agreements_page.items:
        # Past the last page (pages are walked, not counted): back to the first.
        query = request.GET.copy()
        query.pop("page", None)
        return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    notes_page = Paginator(selectors.chapter_notes(chapter=chapter, user=request.user), PAGE_SIZE).get_page(
        request.GET.get("notes_page")
    )
    context = {
        "chapter": chapter,
        "page_obj": agreements_page,
        "negotiations": selectors.chapter_negotiations(chapter=chapter, agreements=agreements_page),
        "notes_page": notes_page,
        "notes_previous": notes_page.has_previous()
        and page_link(request, notes_page=notes_page.previous_page_number()),
        "notes_next": notes_page.has_next() and page_link(request, notes_page=notes_page.next_page_number()),
    }
    return render(request, "negotiations/chapter_detail.html", context)


HIT_KIND_LABELS = {
    "agreement": _("Agreement"),
    "round": _("Round"),
    "chapter": _("Chapter"),
    "party": _("Party"),
    "note": _("Note"),
}


@require_safe
def search_view(request):
    query = request.GET.get("q", "").strip()
    too_long = len(query) > MAX_QUERY_LENGTH
    results = search_results(query) if query else SearchResults([])
    hits = results.hits
    page_obj = paginate(request, hits)
    labels = {kind: str(label) for kind, label in HIT_KIND_LABELS.items()}  # translated once a page
    for hit in page_obj:
        hit.kind_label = labels[hit.kind]
    context = {
        "query": query,
        "page_obj": page_obj,
        "hit_count": len(hits),
        "full_text": using_postgres(),
        "notice": _("Only the first %(n)s characters were searched.") % {"n": MAX_QUERY_LENGTH} if too_long else "",
        "notes_notice": _(
            "More than %(n)s public notes contain these words, so the newest of them are listed rather "
            "than the most relevant. Add words to narrow the search and rank notes by relevance."
        )
        % {"n": intcomma(NOTE_RANK_LIMIT)}
        if results.notes_by_date
        else "",
    }
    return render(request, "negotiations/search.html", context)


@require_safe
def party_detail(request, code):
    """A party's page: its negotiations with status, next and recent rounds, the chapters its
    rounds discussed, the blocs it belongs to, and links to its filtered lists, exports and
    calendar. A constant number of queries, whatever the record holds."""
    if code != code.upper():
        return redirect("party-detail", code=code.upper())
    party = get_object_or_404(Party, code=code)
    return render(request, "negotiations/party_detail.html", {"party": party, **selectors.party_overview(party)})
