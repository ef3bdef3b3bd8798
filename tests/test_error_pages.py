"""Error pages speak the site's language instead of Django's bare defaults."""

import pytest

from negotiations import roles
from tests import factories

pytestmark = pytest.mark.django_db


def test_unassigned_official_gets_a_helpful_403(client):
    agreement = factories.agreement(slug="india-chile-cepa")
    client.force_login(factories.user("oscar", role=roles.OFFICIAL))
    response = client.get(f"/agreements/{agreement.slug}/rounds/new/")
    assert response.status_code == 403
    assert b"ask a curator to assign you" in response.content
    assert b"oscar" in response.content


def test_404_page_offers_search(client):
    response = client.get("/agreements/no-such-agreement/")
    assert response.status_code == 404
    assert b'role="search"' in response.content
