"""``/healthz``: the load balancer's probe answers 200 with a working database and 503 without."""

from unittest import mock

import pytest
from django.db import OperationalError


@pytest.mark.django_db
def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]  # a proxy must never answer for the app


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_fails(client):
    with mock.patch("negotiations.health.connection") as connection:
        connection.cursor.side_effect = OperationalError("connection refused")
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "OperationalError"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_query_fails(client):
    with mock.patch("negotiations.health.connection") as connection:
        connection.cursor.return_value.__enter__.return_value.execute.side_effect = OperationalError("timeout")
        response = client.get("/healthz")
    assert response.status_code == 503


def test_healthz_accepts_only_get(client):
    assert client.post("/healthz").status_code == 405
