"""The admin's row inputs and autocomplete boxes have accessible names (axe-core runs on these
pages in tests/browser/test_accessibility.py; these checks are the fast, server-side half)."""

import re

import pytest
from django.urls import reverse

from negotiations import roles
from negotiations.models import Round
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_change_page(client, seeded):
    client.force_login(factories.user("curator", role=roles.CURATOR))
    round_obj = Round.objects.filter(agreement__slug="india-peru-ta", number=9).get()
    response = client.get(reverse("admin:negotiations_round_change", args=[round_obj.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _tag(html: str, element_id: str) -> str:
    match = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{element_id}"[^>]*>', html)
    assert match, f"no input #{element_id}"
    return match.group(0)


def test_tabular_inline_row_inputs_are_named_after_their_column(round_change_page):
    assert 'aria-label="Status"' in _tag(round_change_page, "id_progress-0-status")
    assert 'aria-label="Note"' in _tag(round_change_page, "id_progress-0-note")
    assert 'aria-label="Delete"' in _tag(round_change_page, "id_progress-0-DELETE")


def test_autocomplete_boxes_carry_their_field_label_as_placeholder(round_change_page):
    assert 'data-placeholder="Chapter"' in _tag(round_change_page, "id_progress-0-chapter")
    assert 'data-placeholder="Agreement"' in _tag(round_change_page, "id_agreement")


def test_fields_with_a_visible_label_get_no_second_name(round_change_page):
    assert "aria-label" not in _tag(round_change_page, "id_number")
