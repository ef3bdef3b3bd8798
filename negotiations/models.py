"""The negotiation record: parties, agreements and their status timelines, rounds, chapters,
chapter progress, progress notes and the sources behind every fact.

Business rules that touch several rows (recomputing an agreement's current status, logging a
round with its chapters) live in the ``services`` package; careful reads live in ``selectors.py``.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, router
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .choices import (
    AGREEMENT_STATUS_COLOUR,
    AGREEMENT_STATUS_STAGE,
    OVERDUE,
    PROGRESS_STATUS_COLOUR,
    AgreementKind,
    AgreementRelation,
    AgreementStatus,
    DatePrecision,
    NoteLanguage,
    PartyKind,
    ProgressStatus,
    RoundFormat,
    RoundKind,
    RoundsCoverage,
    RoundStatus,
    Visibility,
    label_of,
    round_status_label,
)
from .dates import (
    PLAUSIBLE_MAX,
    PLAUSIBLE_MIN,
    format_date_range,
    format_partial_date,
    format_partial_date_iso,
    period_end,
    starts_on_or_after_q,
)
from .party_names import party_name

plausible_date = [MinValueValidator(PLAUSIBLE_MIN), MaxValueValidator(PLAUSIBLE_MAX)]
upper_code = RegexValidator(r"^[A-Z][A-Z0-9]*$", _("Use capital letters and digits only, e.g. “ROO”."))


# Round numbers as negotiators use them: the 1st to the 999th round (a four-digit round number
# is a typing error). The field's validators and the database constraint share these bounds.
ROUND_NUMBER_MIN, ROUND_NUMBER_MAX = 1, 999
ROUND_NUMBER_MESSAGE = lazy(
    lambda: gettext("Round numbers run from %(min)s to %(max)s.") % {"min": ROUND_NUMBER_MIN, "max": ROUND_NUMBER_MAX},
    str,
)()


class RuleKeyedModel(models.Model):
    """A model whose rules are written once and reported on the field they are about.

    - ``CONSTRAINT_FIELDS``: constraint name → the field its violation is reported on (Django
      reports a multi-field unique constraint above the form, not on the field to correct).
    - ``CHECKED_IN_CLEAN``: check constraints whose rule ``clean()`` (or a field validator)
      already reports with a field and the same message; the database constraint stays as the
      last line of defence, and ``full_clean`` does not report the rule twice.
    """

    CONSTRAINT_FIELDS: dict[str, str] = {}
    CHECKED_IN_CLEAN: frozenset[str] = frozenset()

    class Meta:
        abstract = True

    def validate_constraints(self, exclude=None):
        errors = {}
        using = router.db_for_write(type(self), instance=self)
        for model_class, constraints in self.get_constraints():
            for constraint in constraints:
                if constraint.name in self.CHECKED_IN_CLEAN:
                    continue
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as error:
                    field = self.CONSTRAINT_FIELDS.get(constraint.name)
                    if field is None and getattr(error, "code", None) == "unique" and len(constraint.fields) == 1:
                        field = constraint.fields[0]
                    if field is not None:
                        errors.setdefault(field, []).extend(error.messages)
                    else:
                        errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def precision_field(verbose_name=None):
    return models.CharField(
        verbose_name or _("date precision"), max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )


class Source(models.Model):
    """A public document a fact was read from: press release, news article, official page.

    Sources are reference data: a cited source cannot be deleted (PROTECT).
    """

    url = models.URLField(_("URL"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=500)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True, validators=plausible_date)
    published_precision = precision_field(_("publication date precision"))
    language = models.CharField(
        _("language"), max_length=35, blank=True, help_text=_("The language it is written in, e.g. “en”, “es”.")
    )
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        indexes = [models.Index(fields=["url"])]

    def __str__(self):
        parts = [self.title]
        if self.publisher:
            parts.append(self.publisher)
        if self.published_on:
            parts.append(self.published_display)
        return ", ".join(parts)

    @property
    def published_display(self) -> str:
        return format_partial_date(self.published_on, self.published_precision)


class Citation(models.Model):
    """Abstract link between a fact and a source.

    ``conflicting`` marks a source that disagrees with the recorded value; ``note`` says how
    (e.g. "says the round met in Lima"). Both sources stay on the record.
    """

    source = models.ForeignKey(Source, on_delete=models.PROTECT, verbose_name=_("source"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    conflicting = models.BooleanField(
        _("conflicting"), default=False, help_text=_("This source disagrees with the recorded value.")
    )

    class Meta:
        abstract = True

    def __str__(self):
        return str(self.source)


class Party(models.Model):
    """A negotiating party: a country (ISO 3166-1 alpha-3 code) or a bloc of countries."""

    code = models.CharField(_("code"), max_length=10, unique=True, validators=[upper_code])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=7, choices=PartyKind.choices, default=PartyKind.COUNTRY)
    alpha_2 = models.CharField(_("ISO alpha-2"), max_length=2, blank=True)
    official_name = models.CharField(_("official name"), max_length=300, blank=True)
    members = models.ManyToManyField(
        "self",
        through="BlocMembership",
        through_fields=("bloc", "member"),
        symmetrical=False,
        related_name="blocs",
        blank=True,
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        indexes = [models.Index(fields=["kind", "name"])]

    def __str__(self):
        return self.label(self.code, self.name, self.kind)

    def get_absolute_url(self):
        return reverse("party-detail", args=[self.code])

    @staticmethod
    def label(code: str, name: str, kind: str, language: str | None = None) -> str:
        """How a party is named in lists: "Perú (PER)" in Spanish; from plain column values, so
        a long drop-down needs no model instances (``language``: the active one by default)."""
        return f"{party_name(code, name, kind == PartyKind.BLOC, language)} ({code})"

    @property
    def local_name(self) -> str:
        """The name in the reader's language: "Perú", "Alianza del Pacífico" (party_names.py)."""
        return party_name(self.code, self.name, self.kind == PartyKind.BLOC)


class BlocMembership(models.Model):
    """A country's membership of a bloc, with the dates it joined and left (if it did)."""

    bloc = models.ForeignKey(
        Party,
        on_delete=models.CASCADE,
        related_name="memberships",
        limit_choices_to={"kind": PartyKind.BLOC},
        verbose_name=_("bloc"),
    )
    member = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="bloc_memberships",
        limit_choices_to={"kind": PartyKind.COUNTRY},
        verbose_name=_("member"),
    )
    joined_on = models.DateField(_("joined"), null=True, blank=True, validators=plausible_date)
    joined_precision = precision_field(_("joined precision"))
    left_on = models.DateField(_("left"), null=True, blank=True, validators=plausible_date)
    left_precision = precision_field(_("left precision"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["bloc__code", "member__name"]
        verbose_name = _("bloc membership")
        verbose_name_plural = _("bloc memberships")
        constraints = [
            models.UniqueConstraint(fields=["bloc", "member", "joined_on"], name="membership_unique_spell"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(joined_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="membership_left_after_joined",
                violation_error_message=_("A member cannot leave a bloc before joining it."),
            ),
        ]

    def __str__(self):
        return f"{self.member.code} in {self.bloc.code}"

    def clean(self):
        if self.bloc_id and self.member_id and self.bloc_id == self.member_id:
            raise ValidationError({"member": _("A bloc cannot be a member of itself.")})


# Every door that names a chapter (a select, a code in the API or a file) refuses an unknown one
# with this message.
UNKNOWN_CHAPTER_MESSAGE = _("Unknown chapter: use one from the chapter catalog.")


class Chapter(models.Model):
    """A negotiating chapter of the catalog (chapters.md). Its code is stable and used in URLs."""

    code = models.CharField(_("code"), max_length=10, unique=True, validators=[upper_code])
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)
    cptpp_chapter = models.PositiveSmallIntegerField(_("CPTPP chapter"), null=True, blank=True)
    dta_area = models.CharField(_("World Bank DTA 2.0 area"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Retired chapters stay on old rounds."))
    synonyms = models.CharField(
        _("synonyms"),
        max_length=300,
        blank=True,
        help_text=_(
            "Other names and standard abbreviations people search for, comma-separated, e.g. “ROO, origin”. "
            "Search finds the chapter by any of them, in either language."
        ),
    )

    # Name, description and synonyms exist in English and Spanish (name_en, name_es, …): see
    # translation.py, which also registers the audit trail once those fields exist.

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")

    def __str__(self):
        return f"{self.code} — {self.name}"

    def save(self, *args, **kwargs):
        # The untranslated ``name`` column keeps the English name whatever the language of
        # the request that saves: language-neutral reads (exports, ``chapter__name``) use it.
        with translation.override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("chapter-detail", args=[self.code])

    def synonym_list(self) -> list[str]:
        """The chapter's synonyms in every language, lower case (what search matches)."""
        columns = [getattr(self, f"synonyms_{code}", "") for code, _name in settings.LANGUAGES]
        return [word.strip().lower() for text in columns if text for word in text.split(",") if word.strip()]


class Agreement(models.Model):
    """A trade agreement, negotiated or in force, between two or more parties.

    ``current_status`` and ``status_date`` are derived from the status timeline by
    ``services.agreement_status_recompute``; nobody types them in.
    """

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    parties = models.ManyToManyField(
        Party, through="AgreementParty", related_name="agreements", verbose_name=_("parties")
    )
    predecessor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successors",
        verbose_name=_("predecessor"),
        help_text=_("The agreement this one supersedes or builds on."),
    )
    predecessor_relation = models.CharField(
        _("relation to predecessor"), max_length=12, choices=AgreementRelation.choices, blank=True
    )
    spanish_name = models.CharField(
        _("official Spanish name"),
        max_length=300,
        blank=True,
        help_text=_("Only an official name, e.g. “Acuerdo de Integración Comercial Perú–México”; never a translation."),
    )
    summary = models.TextField(_("summary"), blank=True)
    sources = models.ManyToManyField(Source, through="AgreementSource", related_name="agreements", blank=True)
    # How much of the round-by-round record public sources gave us, and when someone last looked.
    rounds_coverage = models.CharField(
        _("round record coverage"),
        max_length=10,
        choices=RoundsCoverage.choices,
        blank=True,
        help_text=_("How complete the recorded rounds are, as far as public sources go."),
    )
    coverage_note = models.CharField(
        _("coverage note"), max_length=500, blank=True, help_text=_("e.g. “rounds 1–5 not found in public sources”")
    )
    coverage_checked_on = models.DateField(_("coverage last checked"), null=True, blank=True, validators=plausible_date)

    current_status = models.CharField(
        _("current status"), max_length=20, choices=AgreementStatus.choices, blank=True, editable=False
    )
    status_date = models.DateField(_("status date"), null=True, blank=True, editable=False)
    status_date_precision = models.CharField(
        _("status date precision"), max_length=5, choices=DatePrecision.choices, blank=True, editable=False
    )

    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="editable_agreements",
        blank=True,
        verbose_name=_("assigned editors"),
        help_text=_("Officials who may log rounds and notes for this agreement."),
    )
    editor_groups = models.ManyToManyField(
        Group,
        related_name="editable_agreements",
        blank=True,
        verbose_name=_("assigned editor groups"),
        help_text=_("Every member of these groups may edit this agreement."),
    )

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords(m2m_fields=[editors, editor_groups])

    class Meta:
        ordering = ["name"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        indexes = [
            models.Index(fields=["current_status", "status_date"]),
            models.Index(fields=["kind"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(predecessor__isnull=True, predecessor_relation="")
                | Q(predecessor__isnull=False) & ~Q(predecessor_relation=""),
                name="agreement_predecessor_has_relation",
                violation_error_message=_("Say how the agreement relates to its predecessor, and only if it has one."),
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("pk")),
                name="agreement_not_own_predecessor",
                violation_error_message=_("An agreement cannot be its own predecessor."),
            ),
            models.CheckConstraint(
                condition=Q(rounds_coverage="") | Q(rounds_coverage__in=RoundsCoverage.values),
                name="agreement_known_rounds_coverage",
                violation_error_message=_("Unknown round record coverage."),
            ),
        ]

    def __str__(self):
        return self.short_name or self.name

    def get_absolute_url(self):
        return reverse("agreement-detail", args=[self.slug])

    @property
    def local_name(self) -> str:
        """The official Spanish name for a Spanish reader, if there is one; else the name."""
        if self.spanish_name and translation.get_language() == "es":
            return self.spanish_name
        return self.name

    @property
    def kind_label(self) -> str:
        """``get_kind_display()`` for lists: that one translates every label of the vocabulary."""
        return label_of(AgreementKind, self.kind)

    @property
    def status_stage(self) -> int:
        return AGREEMENT_STATUS_STAGE.get(self.current_status, 0)

    @property
    def status_colour(self) -> str:
        return AGREEMENT_STATUS_COLOUR.get(self.current_status, "#5f6b7a")

    @property
    def status_date_display(self) -> str:
        return format_partial_date(self.status_date, self.status_date_precision)


class AgreementParty(models.Model):
    """A party to an agreement. Parties are reference data and cannot be deleted while used."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="agreement_parties")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="party_agreements")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agreement party")
        verbose_name_plural = _("agreement parties")
        constraints = [models.UniqueConstraint(fields=["agreement", "party"], name="agreement_party_unique")]

    def __str__(self):
        return f"{self.party.code} in {self.agreement}"


class AgreementSource(Citation):
    """A source cited for an agreement as a whole."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="citations")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agreement source")
        verbose_name_plural = _("agreement sources")
        constraints = [models.UniqueConstraint(fields=["agreement", "source"], name="agreement_source_unique")]


FUTURE_ACTUAL_MESSAGE = _("This date is in the future: tick “planned”, or correct the date.")
STATUS_EVENT_KEY_MESSAGE = _("This agreement already has an event with this status on this date.")


class StatusEvent(RuleKeyedModel):
    """A dated step in an agreement's lifecycle: launched, paused, signed, in force…

    Planned events are drawn on the timeline but never change the current status.
    ``sequence`` orders events that share a date.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="status_events")
    status = models.CharField(_("status"), max_length=20, choices=AgreementStatus.choices)
    date = models.DateField(_("effective date"), validators=plausible_date)
    date_precision = precision_field()
    planned = models.BooleanField(_("planned"), default=False, help_text=_("Expected, not yet happened."))
    sequence = models.PositiveSmallIntegerField(
        _("same-day order"), default=0, help_text=_("Orders events that share a date.")
    )
    note = models.TextField(_("note"), blank=True)
    sources = models.ManyToManyField(Source, through="StatusEventSource", related_name="status_events", blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement", "date", "sequence", "id"]
        verbose_name = _("status event")
        verbose_name_plural = _("status events")
        indexes = [models.Index(fields=["agreement", "planned", "date", "sequence"])]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "date", "sequence"],
                name="status_event_unique_order",
                violation_error_message=_(
                    "Another event of this agreement has the same date and same-day order; "
                    "give one of them a different order."
                ),
            ),
            # The natural key: an agreement reaches a status on a date once (planned or not).
            # A second create of it is refused (409 in the API), never stored twice.
            models.UniqueConstraint(
                fields=["agreement", "date", "status"],
                name="status_event_unique_key",
                violation_error_message=STATUS_EVENT_KEY_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(status__in=AgreementStatus.values),
                name="status_event_known_status",
                violation_error_message=_("Unknown status value."),
            ),
        ]

    CONSTRAINT_FIELDS = {"status_event_unique_key": "date"}

    def __str__(self):
        prefix = _("planned") + " " if self.planned else ""
        return f"{prefix}{self.get_status_display()} — {self.date_display}"

    def clean(self):
        # An event that has happened cannot be dated in the future; an expected one is "planned"
        # (and never changes the current status). Not a database constraint: "today" moves.
        if self.date and not self.planned and self.date > timezone.localdate():
            raise ValidationError({"date": FUTURE_ACTUAL_MESSAGE})

    @property
    def date_display(self) -> str:
        return format_partial_date(self.date, self.date_precision)

    @property
    def colour(self) -> str:
        return AGREEMENT_STATUS_COLOUR.get(self.status, "#5f6b7a")


class StatusEventSource(Citation):
    """A source cited for a status event."""

    event = models.ForeignKey(StatusEvent, on_delete=models.CASCADE, related_name="citations")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("status event source")
        verbose_name_plural = _("status event sources")
        constraints = [models.UniqueConstraint(fields=["event", "source"], name="status_event_source_unique")]


class Venue(models.Model):
    """Where rounds meet: a city in a country, optionally a named place; reused across rounds."""

    city = models.CharField(_("city"), max_length=100)
    country = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        related_name="venues",
        limit_choices_to={"kind": PartyKind.COUNTRY},
        verbose_name=_("country"),
    )
    place = models.CharField(_("named place"), max_length=200, blank=True, help_text=_("e.g. “Hyderabad House”"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["city", "place"]
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        constraints = [models.UniqueConstraint(fields=["city", "country", "place"], name="venue_unique")]
        indexes = [models.Index(fields=["country", "city"])]

    def __str__(self):
        where = f"{self.city}, {self.country.local_name}"
        return f"{self.place}, {where}" if self.place else where


def overdue_round_q(today: dt.date) -> Q:
    """Planned rounds whose end (or start, without an end) has passed, period by period: a round
    planned for "Jan 2026" is overdue from 1 Feb 2026. The one rule for "date passed — outcome
    not recorded"; ``Round.is_overdue`` is the same test on one row."""
    ended = Q(end_date__isnull=False) & ~starts_on_or_after_q(today, "end_date")
    started = Q(end_date__isnull=True, start_date__isnull=False) & ~starts_on_or_after_q(today)
    return Q(status=RoundStatus.PLANNED) & (ended | started)


class RoundQuerySet(models.QuerySet):
    def overdue(self, today: dt.date | None = None):
        return self.filter(overdue_round_q(today or timezone.localdate()))


DUPLICATE_NUMBER_MESSAGE = _("This agreement already has a round with this number.")
END_WITHOUT_START_MESSAGE = _("An end date needs a start date (the same day if it lasted one day).")
END_BEFORE_START_MESSAGE = _("The end date cannot be before the start date.")
NUMBER_OR_TITLE_MESSAGE = _("A numbered round needs its number; a meeting without one needs a title.")
VIRTUAL_VENUE_MESSAGE = _("A virtual round has no venue; choose hybrid if it also met in person.")


class Round(RuleKeyedModel):
    """A negotiating round or other meeting of an agreement's negotiators.

    ``number`` is blank for special rounds and intersessional meetings. Dates carry a
    precision: a round "in August 2017" is stored as 2017-08-01 with MONTH precision.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(
        _("number"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(ROUND_NUMBER_MIN, ROUND_NUMBER_MESSAGE),
            MaxValueValidator(ROUND_NUMBER_MAX, ROUND_NUMBER_MESSAGE),
        ],
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RoundKind.choices, default=RoundKind.NUMBERED)
    title = models.CharField(_("title"), max_length=200, blank=True, help_text=_("For rounds without a number."))
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="rounds", verbose_name=_("venue")
    )
    venue_note = models.CharField(_("venue note"), max_length=500, blank=True)
    format = models.CharField(_("format"), max_length=10, choices=RoundFormat.choices, default=RoundFormat.IN_PERSON)
    start_date = models.DateField(_("start date"), null=True, blank=True, validators=plausible_date)
    end_date = models.DateField(_("end date"), null=True, blank=True, validators=plausible_date)
    date_precision = precision_field()
    dates_note = models.CharField(_("dates note"), max_length=500, blank=True, help_text=_("e.g. “inferred”"))
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.HELD)
    summary = models.TextField(_("summary"), blank=True)
    chief_negotiators = models.TextField(_("chief negotiators"), blank=True)
    sources = models.ManyToManyField(Source, through="RoundSource", related_name="rounds", blank=True)
    chapters = models.ManyToManyField(Chapter, through="ChapterProgress", related_name="rounds", blank=True)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords()

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "start_date", "number", "id"]
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        indexes = [
            models.Index(fields=["agreement", "start_date"]),
            models.Index(fields=["start_date"]),
            models.Index(fields=["status", "start_date"]),
            # Also "round_newest_first" on PostgreSQL (migration 0007; SQLite cannot index
            # NULLS LAST): the lists' newest-first order, walked instead of sorting every match.
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "number"],
                name="round_number_unique_per_agreement",
                violation_error_message=DUPLICATE_NUMBER_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=False) & Q(end_date__gte=F("start_date")),
                name="round_end_not_before_start",
                violation_error_message=END_BEFORE_START_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True) | Q(number__gte=ROUND_NUMBER_MIN, number__lte=ROUND_NUMBER_MAX),
                name="round_number_range",
                violation_error_message=ROUND_NUMBER_MESSAGE,
            ),
            models.CheckConstraint(
                condition=~Q(format=RoundFormat.VIRTUAL) | Q(venue__isnull=True),
                name="round_virtual_has_no_venue",
                violation_error_message=VIRTUAL_VENUE_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(status__in=RoundStatus.values),
                name="round_known_status",
                violation_error_message=_("Unknown round status."),
            ),
        ]

    def __str__(self):
        return f"{self.agreement}: {self.label}"

    def get_absolute_url(self):
        # Pages link one round several times (the agreement page's timeline, table, matrix and
        # sources): reversed once per object, and again only if its id changes.
        url = self.__dict__.get("_absolute_url")
        if url is None or url[0] != self.pk:
            url = self.__dict__["_absolute_url"] = (self.pk, reverse("round-detail", args=[self.pk]))
        return url[1]

    # The rules below are checked in Python by clean() (cheap enough for a 20,000-row import)
    # and enforced by the database constraints of the same names.
    CONSTRAINT_FIELDS = {
        "round_number_unique_per_agreement": "number",
        "round_end_not_before_start": "end_date",
        "round_number_range": "number",
        "round_virtual_has_no_venue": "format",
    }
    CHECKED_IN_CLEAN = frozenset({"round_end_not_before_start", "round_number_range", "round_virtual_has_no_venue"})

    def clean(self):
        errors = {}
        if self.end_date is not None:
            if self.start_date is None:
                errors["end_date"] = END_WITHOUT_START_MESSAGE
            elif self.end_date < self.start_date:
                errors["end_date"] = END_BEFORE_START_MESSAGE
        if self.format == RoundFormat.VIRTUAL and self.has_venue:
            errors["format"] = VIRTUAL_VENUE_MESSAGE
        if self.kind == RoundKind.NUMBERED and self.number is None and not self.title:
            errors["number"] = NUMBER_OR_TITLE_MESSAGE
        if errors:
            raise ValidationError(errors)

    @property
    def has_venue(self) -> bool:
        # An importer attaches a venue that is saved only just before the round.
        return self.venue_id is not None or (Round.venue.is_cached(self) and self.venue is not None)

    @property
    def label(self) -> str:
        """ "9th round", or the title of an unnumbered meeting."""
        if self.title:
            return self.title
        if self.number:
            return _("Round %(number)s") % {"number": self.number}
        return self.get_kind_display()

    @property
    def dates_display(self) -> str:
        return format_date_range(self.start_date, self.end_date, self.date_precision) or str(_("date unknown"))

    @property
    def is_overdue(self) -> bool:
        """Still planned though its dates (by their precision) have passed: see ``overdue_round_q``."""
        if self.status != RoundStatus.PLANNED or self.start_date is None:
            return False
        last = period_end(self.end_date or self.start_date, self.date_precision)
        return last < timezone.localdate()

    @property
    def shown_status(self) -> str:
        """The status to show: ``overdue`` for a planned round whose date passed, else ``status``."""
        return OVERDUE if self.is_overdue else self.status

    @property
    def shown_status_label(self) -> str:
        return round_status_label(self.shown_status)


class RoundSource(Citation):
    """A source cited for a round."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="citations")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("round source")
        verbose_name_plural = _("round sources")
        constraints = [models.UniqueConstraint(fields=["round", "source"], name="round_source_unique")]


DUPLICATE_CHAPTER_MESSAGE = _("This chapter is already recorded for this round.")


class ChapterProgress(RuleKeyedModel):
    """How far one chapter got at one round. A chapter's rows over rounds are its timeline."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="progress")
    chapter = models.ForeignKey(Chapter, on_delete=models.PROTECT, related_name="progress")
    status = models.CharField(_("status"), max_length=20, choices=ProgressStatus.choices)
    note = models.TextField(_("note"), blank=True, help_text=_("Public. Use a confidential note for internal views."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["round", "chapter__order"]
        verbose_name = _("chapter progress")
        verbose_name_plural = _("chapter progress")
        indexes = [
            models.Index(fields=["chapter", "status"]),
            # "Rounds that discussed chapter X": answered from the index alone (no table reads).
            models.Index(fields=["chapter", "round"], name="progress_chapter_round"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "chapter"],
                name="progress_one_per_round_chapter",
                violation_error_message=DUPLICATE_CHAPTER_MESSAGE,
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProgressStatus.values),
                name="progress_known_status",
                violation_error_message=_("Unknown chapter progress status."),
            ),
        ]

    CONSTRAINT_FIELDS = {"progress_one_per_round_chapter": "chapter"}

    def __str__(self):
        return f"{self.chapter.code} at {self.round}: {self.get_status_display()}"

    @property
    def status_label(self) -> str:
        """The status's label, cheaply (see ``choices.label_of``)."""
        return label_of(ProgressStatus, self.status)

    @property
    def colours(self) -> tuple[str, str]:
        return PROGRESS_STATUS_COLOUR.get(self.status, ("#d9dde3", "#1d232b"))


class ProgressNoteQuerySet(models.QuerySet):
    def public(self):
        return self.filter(visibility=Visibility.PUBLIC)


class ProgressNote(RuleKeyedModel):
    """A note on a round (and optionally one chapter): the negotiation's journal.

    Confidential notes are shown only to curators and the agreement's assigned editors;
    every public surface reads notes through ``ProgressNote.objects.public()`` or a selector.
    """

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="notes")
    chapter = models.ForeignKey(
        Chapter, on_delete=models.PROTECT, null=True, blank=True, related_name="notes", verbose_name=_("chapter")
    )
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="progress_notes",
        verbose_name=_("author"),
    )
    visibility = models.CharField(_("visibility"), max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC)
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=NoteLanguage.choices,
        default=NoteLanguage.ENGLISH,
        help_text=_("The language the note is written in; it is shown as written, never translated."),
    )
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, null=True, blank=True, related_name="notes", verbose_name=_("source")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # The API client's Idempotency-Key for the POST that created the note: a retried POST finds
    # the note instead of adding it twice. Unique per author.
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, null=True, blank=True, editable=False)

    objects = ProgressNoteQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["idempotency_key"])

    class Meta:
        ordering = ["round", "created_at", "id"]
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        indexes = [
            models.Index(fields=["round", "visibility"]),
            # A chapter's notes newest first (chapter filter of the notes list and its export).
            models.Index(fields=["chapter", "visibility", "created_at", "id"], name="note_chapter_newest"),
            # The notes list and export order (newest first, id breaking ties): a full export
            # streams from this index instead of sorting every public note first.
            models.Index(fields=["visibility", "created_at", "id"], name="note_public_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values),
                name="note_known_visibility",
                violation_error_message=_("Unknown visibility."),
            ),
            models.CheckConstraint(
                condition=Q(language__in=NoteLanguage.values),
                name="note_known_language",
                violation_error_message=_("Unknown note language."),
            ),
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                name="note_idempotency_key_unique",
                violation_error_message=_("You already created a note with this idempotency key."),
            ),
        ]

    CONSTRAINT_FIELDS = {"note_idempotency_key_unique": "idempotency_key"}

    def __str__(self):
        return f"{self.round}: {self.text[:60]}"

    @property
    def fact_date(self) -> dict | None:
        """The date a reader sees on the note: when what it says was published (its source's
        date) or else happened (its round's dates); ``None`` if neither is known. Never when
        the note was typed or loaded (``created_at``, kept in the history): a seed load would
        otherwise date every note the day of the load. ``kind``: "published" or "round"."""
        source = self.source if self.source_id else None
        if source is not None and source.published_on:
            return {
                "kind": "published",
                "iso": format_partial_date_iso(source.published_on, source.published_precision),
                "text": format_partial_date(source.published_on, source.published_precision),
            }
        if self.round.start_date:
            return {
                "kind": "round",
                "iso": format_partial_date_iso(self.round.start_date, self.round.date_precision),
                "text": self.round.dates_display,
            }
        return None

    @property
    def is_confidential(self) -> bool:
        return self.visibility == Visibility.CONFIDENTIAL


class DataVersion(models.Model):
    """The record's version: one row whose counter every write to the record bumps, in the
    writing transaction (``negotiations/data_version.py``). Pages, exports, feeds and the API
    derive their ``ETag`` from it, and the shared cache keys rendered pages by it."""

    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("data version")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="dataversion_single_row")]

    def __str__(self):
        return f"v{self.version}"
