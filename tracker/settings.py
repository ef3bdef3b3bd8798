"""Settings for the trade-negotiation tracker.

Everything that differs between machines comes from the environment:

- ``DATABASE_URL``: any URL dj-database-url understands; SQLite (``db.sqlite3``) when unset.
- ``DATABASE_REPLICA_URLS``: optional, comma-separated read replicas (see ``tracker.routers``).
- ``SECRET_KEY``, ``DEBUG``, ``ALLOWED_HOSTS`` (comma-separated), ``CSRF_TRUSTED_ORIGINS``.
- ``DJANGO_ENV=production``: turns on the production hardening below and refuses to start
  without a real ``SECRET_KEY`` and ``ALLOWED_HOSTS``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = os.environ.get("DJANGO_ENV", "development").lower() == "production"
DEBUG = env_bool("DEBUG", default=not PRODUCTION)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when DJANGO_ENV=production.")
    # Development only; `check --deploy` flags this key, and production refuses to start without one.
    SECRET_KEY = "django-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DJANGO_ENV=production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Before the admin, so that the admin's forms show a field per language.
    "modeltranslation",
    "tracker.admin_site.TrackerAdminConfig",  # the admin, for curators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    # Only so that migration 0014 can move the old clear-text tokens into knox: nothing
    # authenticates with DRF's tokens any more and their table stays empty.
    "rest_framework.authtoken",
    "knox",
    "axes",
    "csp",
    "drf_spectacular",
    "simple_history",
    "negotiations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # With read replicas: a user's reads go to the primary for a few seconds after they write.
    # Before the session middleware so that a just-signed-in user's session is read there too.
    "tracker.middleware.ReadAfterWriteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL in a URL answers 400 before any view or query sees it (PostgreSQL cannot take it).
    "tracker.input_guard.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Stamps every history row written during a request with the signed-in user.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
    # Innermost: needs the user and the language; its 304s and cached pages still get every
    # response step above (CSP header, Vary). See negotiations/http_cache.py.
    "negotiations.http_cache.HttpCacheMiddleware",
]

ROOT_URLCONF = "tracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "tracker.wsgi.application"

DATABASES = {
    # An empty DATABASE_URL counts as unset.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serves one machine with a few concurrent writers (README: "SQLite or PostgreSQL").
    # - IMMEDIATE: a transaction takes the write lock when it begins. With SQLite's default
    #   (DEFERRED) a transaction that read first and then writes while another connection
    #   writes fails at once with "database is locked", without waiting for the busy timeout.
    # - WAL: readers never wait for a writer, nor a writer for readers (kept in the file; for
    #   the in-memory test database the pragma is a harmless no-op). synchronous stays at
    #   SQLite's default (FULL), so an acknowledged write survives a power cut too.
    # - timeout: seconds a write waits for another one to finish before giving up.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }
for index, url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    DATABASES[f"replica{index}"] = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    # Replicas mirror the primary: tests must not try to create them separately.
    DATABASES[f"replica{index}"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["tracker.routers.ReplicaRouter"]
# Seconds a client's reads stay on the primary after it wrote (longer than the replicas' lag).
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS") or "10")
# One cache for every worker: Redis (Django's own backend) when CACHE_URL is set, e.g.
# redis://127.0.0.1:6379/0; otherwise each process keeps its own in local memory.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "tracker"}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Seconds the home page's counts and the chapter catalog's per-chapter counts are kept. They are
# cached under the data version (negotiations/data_version.py), so a write replaces them at
# once; this only bounds how long an old version's copy lingers. 0 recomputes them every time.
STATS_CACHE_SECONDS = int(os.environ.get("STATS_CACHE_SECONDS") or "86400")
# HTTP caching of public reads (negotiations/http_cache.py, docs/deployment.md "HTTP caching"):
# anonymous responses are "public, max-age=HTTP_MAX_AGE, s-maxage=HTTP_SHARED_MAX_AGE".
# max-age 0: browsers and feed readers revalidate every time (a 304 when nothing changed);
# s-maxage: how long a CDN or proxy may serve its copy without asking (it may lag a write by that).
HTTP_MAX_AGE = int(os.environ.get("HTTP_MAX_AGE") or "0")
HTTP_SHARED_MAX_AGE = int(os.environ.get("HTTP_SHARED_MAX_AGE") or "60")
# Seconds a rendered anonymous response is kept in the cache (keyed by the data version, so a
# write makes it unreachable at once; this bounds how long the old copy takes space). 0: off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS") or "86400")
# A streamed export (CSV, JSON) is kept like a page once sent, if it is no larger than this many
# bytes; a larger one streams through and is never held in memory or the cache.
STREAMED_KEEP_BYTES = int(os.environ.get("STREAMED_KEEP_BYTES") or str(512 * 1024))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username/address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Catalog data in both languages (negotiations/translation.py): English is the record's own
# language and the fallback when a Spanish name is missing.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "knox.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("API_ANON_RATE", "600/hour")},
    # Every refusal in one of the schema's shapes (400: messages by field; others: detail + code).
    "EXCEPTION_HANDLER": "negotiations.api.base.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Trade negotiation tracker API",
    "DESCRIPTION": (
        "Agreements, status timelines, rounds, chapter progress and public notes of trade "
        "negotiations, each fact with its sources.\n\n"
        "[← Back to the tracker](/) · [API overview](/api/) · [Schema (OpenAPI 3.0)](/api/schema/) · "
        "[Full-data export](/api/export/)\n\n"
        "Reading needs no account. Writing needs a token (ask a curator; send "
        "`Authorization: Token <token>`). Lists take the site's filters; `format=csv` downloads "
        "every matching row. Versioned records answer with an `ETag`; send it back in `If-Match` "
        "to change them (412 if someone changed the record first)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Without deep links an operation's path is plain text inside its expand button: a link
    # there is a control nested in a control, which screen readers cannot reach (axe-core's
    # nested-interactive rule).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    # Request bodies apart from responses: a create or update body holds only what a client sends.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "negotiations.api.schema.describe_parameters",
    ],
    # Several models have a "status" or "kind"; name each vocabulary after its choices class.
    "ENUM_NAME_OVERRIDES": {
        f"{name}Enum": f"negotiations.choices.{name}"
        for name in (
            "AgreementKind",
            "AgreementRelation",
            "AgreementStatus",
            "DatePrecision",
            "PartyKind",
            "ProgressStatus",
            "RoundFormat",
            "RoundKind",
            "RoundStatus",
            "Visibility",
        )
    },
}

# --- Sign-in throttling, API tokens and Content-Security-Policy -----------------------------
# Sign-in throttling (django-axes), on the site's and the admin's login alike: after
# AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is refused
# (even with the right password) until the cool-off has passed or a curator unlocks it
# (admin → Access attempts, or `manage.py axes_reset_username NAME`).
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT") or "5")
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES") or "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "tracker.lockout.locked_out"
# Behind a load balancer every request comes from its address: with TRUSTED_PROXY_COUNT set,
# the client's address is read from X-Forwarded-For as that many proxies appended it.
if os.environ.get("TRUSTED_PROXY_COUNT"):
    AXES_IPWARE_PROXY_COUNT = int(os.environ["TRUSTED_PROXY_COUNT"])
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    AXES_IPWARE_PROXY_ORDER = "right-most"

# API tokens (django-rest-knox): only a SHA-512 digest is stored; the token is shown once,
# when `manage.py issue_token` or the admin creates it. Tokens expire after API_TOKEN_TTL_DAYS.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=int(os.environ.get("API_TOKEN_TTL_DAYS") or "90")),
    "AUTH_HEADER_PREFIX": "Token",
}

# Content-Security-Policy (django-csp 4): scripts and style sheets only from the tracker
# itself, or inline with the response's nonce (the API docs' start-up script). Style
# *attributes* stay allowed: status colours come from the data (style-src-attr only, no
# inline <style> or <script> without the nonce).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Production hardening: `python manage.py check --deploy` is clean with DJANGO_ENV=production.
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # One JSON object per line, so log shippers can parse it without regexes.
        "json": {"()": "tracker.logging.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
