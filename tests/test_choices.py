"""Every status colour that carries text meets WCAG 2.1 AA contrast (4.5:1 for normal text):
agreement and round statuses with their white text, chapter-progress statuses with their pairs,
and the neutral badge of an unknown status."""

import pytest

from negotiations.choices import (
    AGREEMENT_STATUS_COLOUR,
    NEUTRAL_COLOUR,
    OVERDUE,
    PROGRESS_STATUS_COLOUR,
    ROUND_STATUS_COLOUR,
    STATUS_TEXT_COLOUR,
    AgreementStatus,
    ProgressStatus,
    RoundStatus,
)

AA_NORMAL_TEXT = 4.5


def relative_luminance(colour: str) -> float:
    """WCAG 2.1's relative luminance of a ``#rrggbb`` colour."""
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic near miss
    assert contrast_ratio("#0f766e", "#ffffff") == contrast_ratio("#ffffff", "#0f766e")


def badge_colour_pairs():
    """(what, background, text) for every badge with text the site draws."""
    for status in AgreementStatus:
        yield f"agreement {status.value}", AGREEMENT_STATUS_COLOUR[status], STATUS_TEXT_COLOUR
    for status in [*RoundStatus, OVERDUE]:
        yield f"round {status}", ROUND_STATUS_COLOUR[status], STATUS_TEXT_COLOUR
    for status in ProgressStatus:
        yield f"progress {status.value}", *PROGRESS_STATUS_COLOUR[status]
    yield "unknown status", *NEUTRAL_COLOUR


@pytest.mark.parametrize(("what", "background", "text"), list(badge_colour_pairs()), ids=lambda v: str(v))
def test_every_status_badge_has_aa_contrast(what, background, text):
    ratio = contrast_ratio(background, text)
    assert ratio >= AA_NORMAL_TEXT, f"{what}: {text} on {background} is {ratio:.2f}:1, below 4.5:1"


def test_every_status_has_a_colour():
    assert set(AGREEMENT_STATUS_COLOUR) == set(AgreementStatus)
    assert set(ROUND_STATUS_COLOUR) == {*RoundStatus, OVERDUE}
    assert set(PROGRESS_STATUS_COLOUR) == set(ProgressStatus)
