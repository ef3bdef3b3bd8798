"""The chapter status 'discussed': a value with its label and legible colours, accepted by the
importer, the filters and the API, and drawn in the matrix legend."""

import pytest
from django.urls import reverse

from negotiations.choices import PROGRESS_STATUS_COLOUR, ProgressStatus
from negotiations.interchange.importer import run_import
from negotiations.models import ChapterProgress
from negotiations.templatetags.tracker_tags import progress_legend
from tests import factories as f


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("status", ProgressStatus.values)
def test_every_chapter_status_text_is_legible_on_its_colour(status):
    background, text = PROGRESS_STATUS_COLOUR[status]
    assert contrast(background, text) >= 4.5, status


def test_discussed_is_first_in_the_legend_and_outlined():
    value, label, style = progress_legend()[0]
    assert (value, str(label)) == (ProgressStatus.DISCUSSED, "Discussed")
    assert "box-shadow" in style


@pytest.mark.django_db
def test_the_importer_the_filters_and_the_api_take_discussed(client):
    agreement = f.agreement(slug="india-peru", parties=("IND", "PER"))
    f.chapter("ROO")
    discussed_round = f.round_(agreement, number=4)
    other = f.round_(agreement, number=5)
    f.progress(other, "ROO", status=ProgressStatus.CLOSED)
    report = run_import(
        kind="chapter-progress",
        data=(
            b"agreement,round_number,chapter,status,note,visibility\n"
            b"india-peru,4,ROO,discussed,Listed as discussed.,public\n"
        ),
        filename="chapter-progress.csv",
    )
    assert report.ok, report.errors
    assert ChapterProgress.objects.get(round=discussed_round).status == ProgressStatus.DISCUSSED
    page = client.get(reverse("round-list"), {"chapter_status": "discussed"})
    assert list(page.context["page_obj"]) == [discussed_round]
    api = client.get("/api/rounds/", {"chapter_status": "discussed"}, headers={"accept": "application/json"})
    assert api.status_code == 200
    assert [row["number"] for row in api.json()["results"]] == [4]
