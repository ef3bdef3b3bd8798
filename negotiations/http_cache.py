"""HTTP validators, 304s and the shared page cache for the public reads (docs/deployment.md,
"HTTP caching").

Every public GET (pages, exports, feeds, calendar, API reads and schema) is a function of the
record's data version (``data_version.py``), the URL with its query, the language, the day
(planned rounds turn overdue), the host, the negotiated format (API) and who asks. The
``ETag`` is a digest of exactly those, so this middleware answers ``If-None-Match`` /
``If-Modified-Since`` with 304 before any view runs: one query for the version (plus the
session's two for a signed-in user).

Anonymous responses are ``public`` and kept in the shared cache (Django's cache, Redis in
production) under the same digest, so a repeat visit is one query and one cache read. Signed-in
responses (edit buttons, confidential notes) are ``private`` and never stored; ``Vary: Cookie,
Authorization`` keeps shared caches from handing one audience's copy to the other.

The API's detail responses keep their own ``ETag: "v<version>"``, the row's version that writes
send back in ``If-Match``. That tag does not cover the nested rows the detail shows (chapters,
notes, sources), so it is never used for a 304: those answer 304 on ``If-Modified-Since`` alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.http import http_date
from django.utils.translation import get_language

from tracker.routers import current_replica, reads_from_one_replica

from . import data_version

# The public read views, by URL name (pages, exports, feeds, calendar) and the API's reads.
PUBLIC_VIEWS = frozenset(
    {
        "home",
        "agreement-list",
        "agreement-suggest",
        "agreement-detail",
        "agreement-export",
        "round-list",
        "party-detail",
        "round-detail",
        "chapter-list",
        "chapter-detail",
        "search",
        "coverage",
        "feed-rounds",
        "calendar-rounds",
        # Signed-in only, but a read of the record like the others: private validators.
        "agreement-history",
        "editor-todo",
    }
)
# API views that are not reads of the record: the docs page carries a per-request CSP nonce and
# its assets are static files with their own caching.
API_EXCLUDED = frozenset({"docs", "docs-asset"})
SAFE = frozenset({"GET", "HEAD"})
VARY = ("Cookie", "Authorization", "Accept-Language")
PAGE_KEY = "http-page:"


def _handled(request) -> bool:
    match = request.resolver_match
    if request.method not in SAFE or match is None:
        return False
    if match.namespace == "api":
        return match.url_name not in API_EXCLUDED
    return not match.namespace and match.url_name in PUBLIC_VIEWS


def _audience(request) -> str:
    """Who the response is for: ``anon``, or a key that differs per user or token."""
    authorization = request.headers.get("Authorization")
    if authorization:
        return "token:" + salted_hmac("http-cache-audience", authorization, algorithm="sha256").hexdigest()[:20]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # With the CSRF cookie: a signed-in page carries a token (the sign-out form) that pairs
        # with it, and signing in again rotates it, so an old copy must not earn a 304.
        csrf = salted_hmac(
            "http-cache-csrf", request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""), algorithm="sha256"
        ).hexdigest()[:12]
        return f"user:{user.pk}:{int(user.is_staff)}{int(user.is_superuser)}:{csrf}"
    return "anon"


def _last_modified(version: data_version.Version, now: dt.datetime) -> float | None:
    """The version's time rounded up to the second, once that second has passed.

    HTTP dates have whole seconds: rounding up, and sending nothing during the second of a
    write, makes ``If-Modified-Since`` exact (a later write always has a later date).
    """
    if version.changed_at is None:
        return None
    stamp = math.ceil(version.changed_at.timestamp())
    return stamp if stamp <= now.timestamp() else None


def _plan(request, version: data_version.Version) -> dict:
    """What this request's validators and cache key are (kept on the request)."""
    now = timezone.now()
    audience = _audience(request)
    match = request.resolver_match
    is_api = match.namespace == "api"
    parts = [
        str(version.number),
        get_language() or "",
        audience,
        request.get_host(),
        request.scheme,
        request.get_full_path(),
        timezone.localdate(now).isoformat(),
        request.headers.get("Accept", "") if is_api else "",
    ]
    digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()
    plan = {
        "version": version,
        "audience": audience,
        "etag": f'"d{version.number}-{digest}"',
        "is_api": is_api,
        "own_etag": is_api and (match.url_name or "").endswith("-detail"),
        "last_modified": _last_modified(version, now),
        "public": audience == "anon",
        "key": PAGE_KEY + digest,
        "hit": False,
        "replica": current_replica(),
    }
    request._http_cache = plan
    return plan


def _early(request, plan):
    """The 304 or the stored anonymous response, if either answers ``request``; else None."""
    not_modified = _conditional(request, plan)
    if not_modified is not None:
        return not_modified
    if plan["public"] and request.method == "GET" and "messages" not in request.COOKIES:
        stored = cache.get(plan["key"])
        if stored is not None:
            plan["hit"] = True
            status, headers, content = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            return response
    return None


def early_answer(request):
    """For API views, after authentication and throttling: the 304 or stored response, or None.

    ``request`` is Django's request, whose ``user`` the API's authentication has set by now.
    """
    plan = getattr(request, "_http_cache", None)
    if plan is None:
        return None
    return _early(request, _plan(request, plan["version"]))


def _conditional(request, plan, response=None):
    if not (request.headers.get("If-None-Match") or request.headers.get("If-Modified-Since")):
        return None
    if plan["own_etag"] and request.headers.get("If-None-Match"):
        return None  # the row's "v<version>" does not cover what the detail shows
    return get_conditional_response(
        request,
        etag=None if plan["own_etag"] else plan["etag"],
        last_modified=plan["last_modified"],
        response=response,
    )


class HttpCacheMiddleware:
    """Validators, 304s and the anonymous page cache. Last in ``MIDDLEWARE``: it needs the
    user and the language, and its 304s and cache hits still pass every other middleware's
    response step (CSP header, ``Vary``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            with reads_from_one_replica():
                response = self.get_response(request)
        finally:
            token = getattr(request, "_http_cache_token", None)
            if token is not None:
                data_version.unpin(token)
        plan = getattr(request, "_http_cache", None)
        return self._finish(request, response, plan) if plan else response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not _handled(request):
            return None
        version = data_version.read()
        request._http_cache_token = data_version.pin(version)
        plan = _plan(request, version)
        view_class = getattr(view_func, "cls", None)
        if getattr(view_class, "answers_early_after_authentication", False):
            # An anonymous reader (no token, no session) is who DRF would find too: a 304 or a
            # stored copy costs less than the throttle's own bookkeeping, so it is answered here
            # uncounted, like the pages; the throttle guards the work of building an answer. A
            # token or a signed-in user is answered by the viewset (early_answer()) once DRF
            # has checked them (a revoked token gets 401, never a 304).
            # (DRF's Request also takes a user forced on the request by its test client.)
            anonymous = plan["public"] and getattr(request, "_force_auth_user", None) is None
            return _early(request, plan) if anonymous else None
        if plan["audience"].startswith("token:"):
            return None  # the token is checked by the view first
        return _early(request, plan)

    def _finish(self, request, response, plan):
        if _audience(request) != plan["audience"]:  # an API view signed the client in itself
            plan = _plan(request, plan["version"])
        if _uses_nonce(request):
            # A per-request CSP nonce in the body: no validator may let a client keep it.
            del response["ETag"], response["Last-Modified"]
            patch_cache_control(response, private=True, no_cache=True)
            return response
        if response.status_code not in (200, 304):
            patch_vary_headers(response, VARY)
            return response
        if not plan["own_etag"] or not response.has_header("ETag"):
            response["ETag"] = plan["etag"]
        if plan["last_modified"] is not None:
            response["Last-Modified"] = http_date(plan["last_modified"])
        if plan["public"]:
            if not response.has_header("Cache-Control"):  # a view's own choice stands
                patch_cache_control(
                    response, public=True, max_age=settings.HTTP_MAX_AGE, s_maxage=settings.HTTP_SHARED_MAX_AGE
                )
        else:
            patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(response, ("Accept", *VARY) if plan["is_api"] else VARY)
        if response.status_code == 200 and not plan["hit"]:
            if not plan["public"] and request.headers.get("Authorization"):
                not_modified = _conditional(request, plan, response)
                if not_modified is not None:
                    return not_modified
            if _storable(request, response, plan):
                _store(response, plan)
        return response


def _store(response, plan) -> None:
    headers = [(name, value) for name, value in response.items() if name.lower() != "set-cookie"]
    if not response.streaming:
        cache.set(plan["key"], (response.status_code, headers, response.content), settings.PAGE_CACHE_SECONDS)
        return
    response.streaming_content = _kept_if_small(
        response.streaming_content, plan["key"], (response.status_code, headers), plan["replica"]
    )


def _kept_if_small(chunks, key: str, head: tuple, replica: str | None):
    """Pass a streamed export through, and keep it once it has been sent whole if it stayed
    within ``STREAMED_KEEP_BYTES``: a filtered export (one agreement's rounds) is then as cheap
    to repeat as a page, while a large one streams through without being held. An export the
    client stopped reading is never kept. Its rows are read after the view has returned, so
    each chunk is read from the replica the request's version came from (one snapshot, as for
    a page); the yield itself happens outside that pin."""
    chunks, kept, size = iter(chunks), [], 0
    while True:
        with reads_from_one_replica(replica):
            chunk = next(chunks, None)
        if chunk is None:
            break
        yield chunk
        if kept is not None:
            size += len(chunk)
            if size > settings.STREAMED_KEEP_BYTES:
                kept = None
            else:
                kept.append(chunk)
    if kept is not None:
        cache.set(key, (*head, b"".join(kept)), settings.PAGE_CACHE_SECONDS)


def _uses_nonce(request) -> bool:
    return isinstance(getattr(request, "_csp_nonce", None), str)


def _storable(request, response, plan) -> bool:
    """Only what any anonymous reader would get: no cookie, CSRF token or one-time message."""
    messages = getattr(request, "_messages", None)
    return (
        plan["public"]
        and request.method == "GET"
        and settings.PAGE_CACHE_SECONDS > 0
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (messages is not None and messages.used)
        and "private" not in response.get("Cache-Control", "")
        and "no-store" not in response.get("Cache-Control", "")
    )
