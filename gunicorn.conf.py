"""gunicorn settings for the tracker: ``gunicorn tracker.wsgi`` reads this file from the working directory.

Everything that differs between machines comes from the environment:

- ``PORT`` (default 8000) and ``BIND_HOST`` (default 0.0.0.0): where to listen; or ``GUNICORN_BIND``
  for a full bind address such as ``unix:/run/tracker.sock``.
- ``WEB_CONCURRENCY``: worker processes (default 2, one per core of a small server).
- ``GUNICORN_THREADS``: threads per worker (default 1: plain sync workers).
- ``GUNICORN_TIMEOUT``: seconds a request may take (default 120, enough for a full CSV export).
- ``FORWARDED_ALLOW_IPS``: addresses of the load balancers whose X-Forwarded-* headers to trust.
- ``GUNICORN_CONTROL_SOCKET``: path of gunicorn's control socket (for ``gunicornc``); off when unset,
  so several instances on one host never fight over the default path.

The access log goes to stdout as one JSON object per request, like the application's log
(tracker/settings.py ``LOGGING``), so one log shipper parses both.
"""

import gc
import json
import os
import time

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND") or f"{os.environ.get('BIND_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak can never grow without bound; the jitter keeps
# the workers from restarting at the same moment.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # "-" is stdout; empty turns it off
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()


class JsonAccessLogger(Logger):
    """Writes each access-log line as JSON (values escaped properly, unlike a format string)."""

    def access(self, resp, req, environ, request_time):
        if not self.cfg.accesslog:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        record = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "remote": atoms["h"],
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": resp.status_code if hasattr(resp, "status_code") else atoms["s"],
            "bytes": atoms["B"],
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "referer": atoms["f"],
            "user_agent": atoms["a"],
            "pid": os.getpid(),
        }
        try:
            self.access_log.info(json.dumps(record, default=str))
        except Exception:  # a log line must never break a response
            self.exception("Could not write the access log")


logger_class = JsonAccessLogger


def post_worker_init(worker):
    """Once the worker has loaded the application, import the URLconf (and with it every view)
    and move everything alive into the collector's permanent generation (``gc.freeze()``):
    a full collection then no longer walks the ~150,000 start-up objects, which cost a request
    that triggers one 100-160 ms at the benchmark's scale L.

    The collector's thresholds stay Python's (700, 10, 10). Measured in-process on the API's
    round list at L (150 cold requests each, after the freeze, CPU time of the collector):
    (700, 10, 10) 2.1 ms per request, CPU p95 1.25x p50; (10000, 10, 10) 1.8 ms, 1.37x;
    (50000, 20, 20) 2.6 ms, 2.07x: a young generation that large holds a whole request's
    live objects, and each collection of it took ~50 ms."""
    from django.urls import resolve

    resolve("/healthz")
    gc.collect()
    gc.freeze()
