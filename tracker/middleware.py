"""Read-after-write consistency with read replicas (see docs/deployment.md, "Read replicas").

Replication is asynchronous: a round saved on the primary may not be on a replica yet when the
browser follows the redirect to the round's page. ``ReadAfterWriteMiddleware`` therefore sends a
user's reads to the primary for ``REPLICA_PIN_SECONDS`` after that user wrote something.
"""

import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings

from .routers import reads_from_primary, replica_aliases

PIN_COOKIE = "tracker_pin_primary"
# For clients that keep no cookies (API scripts with a token): "X-Read-Primary: 1".
PIN_HEADER = "X-Read-Primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_END = object()


def pin_seconds() -> int:
    return settings.REPLICA_PIN_SECONDS


def _valid_marker(value: str | None, now: float) -> bool:
    """A marker is the Unix time of the write; it pins only within the pin window around now.

    It is not signed on purpose: a forged or replayed marker only sends the forger's own reads
    to the primary (as any POST would), so all we guard against is one that pins forever.
    Future times are tolerated up to one window for clock skew between app servers.
    """
    try:
        written_at = int(value)
    except (TypeError, ValueError):
        return False
    return abs(now - written_at) <= pin_seconds()


def _wants_primary(request, now: float) -> bool:
    if request.method not in SAFE_METHODS:
        return True  # a write, and whatever the view reads to check it, belongs on the primary
    if request.headers.get(PIN_HEADER, "").strip().lower() in {"1", "true", "yes"}:
        return True  # like the cookie, it can only cost the sender's own reads on the primary
    return _valid_marker(request.COOKIES.get(PIN_COOKIE), now)


def _pinned_chunks(chunks):
    """Keep a streamed body's lazy queries (CSV/JSON exports) on the primary while it is sent."""
    iterator = iter(chunks)
    while True:
        # Set and reset around each chunk: the server iterates after the middleware returned.
        with reads_from_primary():
            chunk = next(iterator, _END)
        if chunk is _END:
            return
        yield chunk


async def _apinned_chunks(chunks):
    iterator = aiter(chunks)
    while True:
        with reads_from_primary():
            chunk = await anext(iterator, _END)
        if chunk is _END:
            return
        yield chunk


class ReadAfterWriteMiddleware:
    """Pin a request's reads to ``default`` after (and during) a write by the same client.

    - Unsafe-method requests (POST, PUT, PATCH, DELETE) read from ``default`` and their response,
      whatever its status, sets the ``tracker_pin_primary`` cookie for ``REPLICA_PIN_SECONDS``.
    - Requests carrying a valid cookie, or the ``X-Read-Primary: 1`` header, read from
      ``default`` for their whole duration, streamed bodies included.

    Does nothing when no replicas are configured. Place it right after SecurityMiddleware and
    WhiteNoise so that the session and user lookups are pinned too (a just-signed-in user's
    session row may not have reached the replica).
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        if not replica_aliases():
            return self.get_response(request)
        now = time.time()
        if not _wants_primary(request, now):
            return self.get_response(request)
        # The context manager resets the flag even if the view raises, so it never leaks into
        # the next request served by this thread.
        with reads_from_primary():
            response = self.get_response(request)
        return self._finish(request, response, now)

    async def __acall__(self, request):
        if not replica_aliases():
            return await self.get_response(request)
        now = time.time()
        if not _wants_primary(request, now):
            return await self.get_response(request)
        with reads_from_primary():
            response = await self.get_response(request)
        return self._finish(request, response, now)

    def _finish(self, request, response, now: float):
        if response.streaming:
            wrap = _apinned_chunks if response.is_async else _pinned_chunks
            response.streaming_content = wrap(response.streaming_content)
        if request.method not in SAFE_METHODS:
            response.set_cookie(
                PIN_COOKIE,
                str(int(now)),
                max_age=pin_seconds(),
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
