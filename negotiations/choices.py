"""Every closed vocabulary of the tracker, with its labels, colours and stages, in one place.

The values are stored in the database and appear in URLs, exports and the API: never rename
one. Compare against the constants (``AgreementStatus.IN_FORCE``), never string literals.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


def label_of(vocabulary: type[models.TextChoices], value: str) -> str:
    """The label of ``value`` in ``vocabulary``, or the value itself if it is not one of them.
    Long lists use it rather than ``get_FOO_display()``, which translates every label of the
    vocabulary on each call (Django hashes the lazy labels)."""
    try:
        return vocabulary(value).label
    except ValueError:
        return value


class PartyKind(models.TextChoices):
    COUNTRY = "country", _("Country")
    BLOC = "bloc", _("Bloc")


class AgreementKind(models.TextChoices):
    FTA = "fta", _("Free trade agreement")
    CEPA = "cepa", _("Comprehensive economic partnership agreement")
    PTA = "pta", _("Preferential trade agreement")
    ACE = "ace", _("ALADI economic complementation agreement")
    TIA = "tia", _("Trade integration agreement")
    FRAMEWORK = "framework", _("Framework agreement")
    TRADE_AGREEMENT = "trade_agreement", _("Trade agreement")
    CUSTOMS_UNION = "customs_union", _("Customs union")
    OTHER = "other", _("Other")


class AgreementRelation(models.TextChoices):
    """How an agreement relates to the one it points to as its predecessor."""

    SUPERSEDES = "supersedes", _("Supersedes")
    BUILDS_ON = "builds_on", _("Builds on")


class AgreementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    FRAMEWORK_SIGNED = "framework_signed", _("Framework agreement signed")
    LAUNCHED = "launched", _("Negotiations launched")
    UNDER_NEGOTIATION = "under_negotiation", _("Under negotiation")
    PAUSED = "paused", _("Paused")
    CONCLUDED = "concluded", _("Concluded")
    SIGNED = "signed", _("Signed, not in force")
    PARTLY_IN_FORCE = "partly_in_force", _("Partly in force")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")
    TERMINATED = "terminated", _("Terminated")


# Stage on the lifecycle meter (statuses.md): 1 proposed … 6 in force, 7 ended.
AGREEMENT_STATUS_STAGE = {
    AgreementStatus.PROPOSED: 1,
    AgreementStatus.FRAMEWORK_SIGNED: 2,
    AgreementStatus.LAUNCHED: 2,
    AgreementStatus.UNDER_NEGOTIATION: 3,
    AgreementStatus.PAUSED: 3,
    AgreementStatus.CONCLUDED: 4,
    AgreementStatus.SIGNED: 5,
    AgreementStatus.PARTLY_IN_FORCE: 6,
    AgreementStatus.IN_FORCE: 6,
    AgreementStatus.SUPERSEDED: 7,
    AgreementStatus.TERMINATED: 7,
}
# Negotiations under way (the home page's list): launched, being negotiated or paused.
AGREEMENT_STATUSES_UNDER_WAY = [AgreementStatus.UNDER_NEGOTIATION, AgreementStatus.LAUNCHED, AgreementStatus.PAUSED]
AGREEMENT_STAGE_LABELS = {
    1: _("Proposed"),
    2: _("Launched"),
    3: _("Negotiating"),
    4: _("Concluded"),
    5: _("Signed"),
    6: _("In force"),
    7: _("Ended"),
}
# The text colour on agreement and round status colours (badges, the stage meter).
STATUS_TEXT_COLOUR = "#ffffff"
# Colours meet WCAG AA contrast (4.5:1) with STATUS_TEXT_COLOUR (tests/test_choices.py checks).
AGREEMENT_STATUS_COLOUR = {
    AgreementStatus.PROPOSED: "#5f6b7a",
    AgreementStatus.FRAMEWORK_SIGNED: "#6a4c93",
    AgreementStatus.LAUNCHED: "#1f5fa8",
    AgreementStatus.UNDER_NEGOTIATION: "#0b6e99",
    AgreementStatus.PAUSED: "#9a5b00",
    AgreementStatus.CONCLUDED: "#2d6a4f",
    AgreementStatus.SIGNED: "#1b7f5b",
    AgreementStatus.PARTLY_IN_FORCE: "#3f7d20",
    AgreementStatus.IN_FORCE: "#1e6b1e",
    AgreementStatus.SUPERSEDED: "#555555",
    AgreementStatus.TERMINATED: "#8b1e1e",
}


class DatePrecision(models.TextChoices):
    """How much of a stored date is known: ``2017-08-01`` with MONTH means "August 2017"."""

    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    POSTPONED = "postponed", _("Postponed")
    CANCELLED = "cancelled", _("Cancelled")


# Not a stored status: a planned round whose dates have passed with no outcome recorded
# (``Round.is_overdue``). Shown in badges, feeds and calendars instead of "Planned".
OVERDUE = "overdue"

ROUND_STATUS_COLOUR = {
    RoundStatus.PLANNED: "#1f5fa8",
    RoundStatus.HELD: "#1e6b1e",
    RoundStatus.POSTPONED: "#9a5b00",
    RoundStatus.CANCELLED: "#8b1e1e",
    OVERDUE: "#5c4a8a",
}


def round_status_label(status: str) -> str:
    """A round status's label, with the shown-only ``overdue``."""
    if status == OVERDUE:
        return str(_("Date passed — outcome not recorded"))
    return str(label_of(RoundStatus, status))


class RoundKind(models.TextChoices):
    NUMBERED = "numbered", _("Numbered round")
    SPECIAL = "special", _("Special round")
    INTERSESSIONAL = "intersessional", _("Intersessional meeting")
    CHIEF_NEGOTIATORS = "chief_negotiators", _("Chief negotiators' meeting")
    MINISTERIAL = "ministerial", _("Ministerial meeting")


class RoundFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    VIRTUAL = "virtual", _("Virtual")
    HYBRID = "hybrid", _("Hybrid")


class ProgressStatus(models.TextChoices):
    # The weakest claim: a report lists the chapter among those discussed and says no more.
    DISCUSSED = "discussed", _("Discussed")
    NOT_STARTED = "not_started", _("Not started")
    TEXT_EXCHANGED = "text_exchanged", _("Text exchanged")
    UNDER_NEGOTIATION = "under_negotiation", _("Under negotiation")
    SUBSTANTIAL_PROGRESS = "substantial_progress", _("Substantial progress")
    CONVERGENCE = "convergence", _("Convergence")
    CLOSED = "closed", _("Closed")
    PARKED = "parked", _("Parked")


# (background, text) pairs chosen for AA contrast; the matrix and badges use them.
PROGRESS_STATUS_COLOUR = {
    ProgressStatus.DISCUSSED: ("#f6f7f9", "#1d232b"),
    ProgressStatus.NOT_STARTED: ("#d9dde3", "#1d232b"),
    ProgressStatus.TEXT_EXCHANGED: ("#cfe5f7", "#0d2c47"),
    ProgressStatus.UNDER_NEGOTIATION: ("#2f6fb3", "#ffffff"),
    ProgressStatus.SUBSTANTIAL_PROGRESS: ("#0f766e", "#ffffff"),
    ProgressStatus.CONVERGENCE: ("#c5d86d", "#1d2b05"),
    ProgressStatus.CLOSED: ("#1e7b34", "#ffffff"),
    ProgressStatus.PARKED: ("#f0b429", "#2b1d00"),
}
# Drawn with an outline: their fill is too close to the page's white to stand alone.
PROGRESS_STATUS_OUTLINE = {ProgressStatus.DISCUSSED: "#5f6b7a"}
NEUTRAL_COLOUR = ("#d9dde3", "#1d232b")


def progress_style(status: str) -> str:
    """Inline colours for a matrix cell, badge or legend swatch (an outline where the fill is pale)."""
    background, text = PROGRESS_STATUS_COLOUR.get(status, NEUTRAL_COLOUR)
    outline = PROGRESS_STATUS_OUTLINE.get(status)
    return f"background:{background};color:{text}" + (f";box-shadow:inset 0 0 0 1px {outline}" if outline else "")


class RoundsCoverage(models.TextChoices):
    """How much of a negotiation's round-by-round record public sources let the tracker hold."""

    COMPLETE = "complete", _("Complete")
    PARTIAL = "partial", _("Partial")
    NONE_FOUND = "none_found", _("None found in public sources")


class NoteLanguage(models.TextChoices):
    """The language a note is written in. Notes are shown as written, never translated; a note
    in another language than the page's is marked with its language."""

    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    CONFIDENTIAL = "confidential", _("Confidential")
