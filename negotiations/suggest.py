"""/agreements/suggest.json?q=pe: agreement suggestions for the filter forms' agreement box
(static/js/filters.js fills its <datalist> from here).

Agreements are public, so this answers anyone. One query, at most ``LIMIT`` rows: its cost does
not grow with the text or with the number of agreements returned to the page.
"""

from django.db.models import Q
from django.http import JsonResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from .models import Agreement

LIMIT = 10
MAX_QUERY_LENGTH = 100


@require_safe
def agreement_suggest(request):
    """``[{"slug": …, "name": …}]``: agreements whose name, short name or slug contains ``q``
    (case-insensitive), by name; an empty ``q`` gives an empty list."""
    text = request.GET.get("q", "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]  # PostgreSQL rejects NUL
    rows = []
    if text:
        matches = Agreement.objects.filter(
            Q(name__icontains=text) | Q(short_name__icontains=text) | Q(slug__icontains=text)
        ).order_by("name", "pk")
        rows = list(matches.values("slug", "name")[:LIMIT])
    response = JsonResponse(rows, safe=False, json_dumps_params={"ensure_ascii": False})
    # Public and slow to change: let the browser reuse an answer while the user edits the text.
    patch_cache_control(response, public=True, max_age=60)
    return response
