"""Production settings (tracker/settings.py with DJANGO_ENV=production), checked in a fresh process.

Settings are read once per process, so each case starts ``manage.py`` with its own environment.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    # conftest.py sets DJANGO_ALLOW_ASYNC_UNSAFE for browser tests; a deployment would not.
    dropped = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {key: value for key, value in os.environ.items() if key not in dropped}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def production_env(**overrides):
    env = {"DJANGO_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "example.org"}
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def test_check_deploy_is_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_in_development():
    """The same check is not vacuous: development settings (DEBUG, insecure key) fail it."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", DJANGO_ENV="development")
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG is on


def test_production_refuses_to_start_without_secret_key():
    result = manage("check", **production_env(SECRET_KEY=None))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", **production_env(ALLOWED_HOSTS=None))
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_turns_debug_off_and_cookies_secure():
    script = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT)"
    )
    result = manage("shell", "-c", script, **production_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-5:] == ["False", "True", "True", "True", "True"]


def test_cache_url_selects_the_shared_redis_cache():
    """Every worker shares one cache when CACHE_URL is set; a value set by one process is seen by another."""
    url = "redis://127.0.0.1:6379/15"
    script = (
        "from django.core.cache import cache, caches; import uuid; key = 'settings-test-' + uuid.uuid4().hex; "
        "cache.set(key, 'shared', 30); print(type(caches['default']).__name__, key)"
    )
    first = manage("shell", "-c", script, CACHE_URL=url)
    assert first.returncode == 0, first.stderr
    backend, key = first.stdout.split()[-2:]
    assert backend == "RedisCache"
    second = manage("shell", "-c", f"from django.core.cache import cache; print(cache.get({key!r}))", CACHE_URL=url)
    assert second.stdout.split()[-1] == "shared"


def test_without_cache_url_each_process_keeps_its_own_cache():
    script = "from django.core.cache import caches; print(type(caches['default']).__name__)"
    result = manage("shell", "-c", script, CACHE_URL="")
    assert result.stdout.split()[-1] == "LocMemCache"
