"""Property-based tests of the API against its own OpenAPI schema (schemathesis, in-process).

For every operation of /api/schema/, hypothesis generates requests from the schema, sent
through the WSGI app (no server). Checks: no 5xx, status codes documented, and responses that
conform to the documented schema. Each operation runs up to ``MAX_EXAMPLES`` examples as a
curator (so that writes get past permissions and exercise validation, ETag and services),
and ``ANON_EXAMPLES`` anonymously (50 operations: 1,750 requests, about two minutes on two cores).
"""

import datetime as dt
import json

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings
from knox.models import AuthToken
from rest_framework.throttling import AnonRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from negotiations import roles, services
from negotiations.choices import AgreementStatus, Visibility
from tests import factories as f
from tracker.wsgi import application

MAX_EXAMPLES = 25
ANON_EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Requests go through the real WSGI handler, whose end-of-request hook closes database
    connections past CONN_MAX_AGE — here, the test's own connection, inside its transaction.
    Django's test client disconnects that hook for the same reason."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def data(db, monkeypatch, settings):
    """A little of everything, so that generated ids and codes sometimes hit real records."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Hundreds of anonymous requests: the anonymous throttle would answer 429 to most of them.
    monkeypatch.setattr(AnonRateThrottle, "allow_request", lambda self, request, view: True)
    cache.clear()
    agreement = f.agreement(slug="india-peru", parties=("IND", "PER"))
    round_obj = f.round_(agreement, number=9, venue=f.venue())
    f.progress(round_obj, "ROO")
    f.note(round_obj, "public")
    f.note(round_obj, "confidential", visibility=Visibility.CONFIDENTIAL)
    services.status_event_record(agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2017, 1, 18))
    f.source()
    f.party("ANDEAN", kind="bloc")


# The schema is read through the app itself (no server, no database needed to build it).
# Phases: the schema's examples, then MAX_EXAMPLES generated cases per operation. The
# "coverage" phase (hundreds of boundary cases per operation) would take ten minutes here.
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})


def served_schema() -> dict:
    """The document /api/schema/ serves, generated directly: that URL, like every public read,
    now starts by reading the data version, and the database is closed while tests are collected."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


schema = schemathesis.openapi.from_dict(served_schema(), config=CONFIG)
schema.app = application  # requests go through the WSGI app, in-process


@pytest.fixture
def curator_token(db):
    user = f.user(role=roles.CURATOR)
    _row, token = AuthToken.objects.create(user=user)
    return token


@pytest.mark.fuzz
@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_as_a_curator_conforms_to_its_schema(case, data, curator_token):
    case.call_and_validate(headers={"Authorization": f"Token {curator_token}"}, checks=CHECKS)


@pytest.mark.fuzz
@schema.parametrize()
@settings(max_examples=ANON_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_anonymously_conforms_to_its_schema(case, data):
    case.call_and_validate(checks=CHECKS)


def test_the_fuzzed_schema_is_the_served_one(client, db):
    assert client.get("/api/schema/?format=json").json() == served_schema()
