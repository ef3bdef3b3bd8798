"""negotiations/filters/filters.py: the shared filter declarations (party, chapter, agreement,
round, a choice list) are labelled, explained and refuse a wrong value the same way in every
FilterSet, in English and in Spanish."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import translation

from negotiations.filtersets import (
    AgreementFilterSet,
    ChapterFilterSet,
    ChapterProgressFilterSet,
    PartyFilterSet,
    ProgressNoteFilterSet,
    RoundFilterSet,
    SourceFilterSet,
    StatusEventFilterSet,
    filter_errors,
)
from negotiations.models import ChapterProgress, ProgressNote, Round
from tests import factories as f

DATES = "YYYY, YYYY-MM or YYYY-MM-DD"
PARTY = "ISO 3166-1 alpha-3 code of a country, or a bloc code"
MEMBERS = "A bloc also matches its member countries' agreements; a former member's only if begun before it left."
AGREEMENT = "One or more agreement slugs, separated by commas, e.g. india-peru-ta, india-chile-cepa"

# Each form's fields: (label, help text). The label also leads the field's error messages.
FIELDS = {
    AgreementFilterSet: {
        "q": ("Search", ""),
        "status": ("Status", ""),
        "kind": ("Kind", ""),
        "party": ("Party", PARTY),
        "party_include_members": ("Include bloc members", MEMBERS),
        "chapter": ("Chapter", ""),
        "reached_status": ("Status reached", "Agreements that reached this status; with dates, between them."),
        "reached_after": ("Reached on or after", DATES),
        "reached_before": ("Reached on or before", DATES),
        "ordering": ("Ordering", ""),
    },
    RoundFilterSet: {
        "q": ("Search", ""),
        "agreement": ("Agreement", AGREEMENT),
        "party": ("Party", PARTY),
        "party_include_members": ("Include bloc members", MEMBERS),
        "chapter": ("Chapter", ""),
        "chapter_status": ("Chapter status", ""),
        "host_country": ("Host country", "ISO 3166-1 alpha-3 code"),
        "city": ("City", ""),
        "meeting_format": ("Meeting format", "In person, virtual or hybrid"),
        "status": ("Status", ""),
        "kind": ("Kind", ""),
        "start_after": ("Starts on or after", DATES),
        "start_before": ("Starts on or before", DATES),
        "upcoming": ("Upcoming only", ""),
        "overdue": (
            "Date passed — outcome not recorded",
            "Planned rounds whose dates have passed without a recorded outcome.",
        ),
        "ordering": ("Ordering", ""),
    },
    ChapterProgressFilterSet: {
        "q": ("Search", ""),
        "agreement": ("Agreement", AGREEMENT),
        "round": ("Round", ""),
        "chapter": ("Chapter", ""),
        "status": ("Status", ""),
        "party": ("Party", PARTY),
        "party_include_members": ("Include bloc members", MEMBERS),
        "start_after": ("Round starts on or after", DATES),
        "start_before": ("Round starts on or before", DATES),
        "ordering": ("Ordering", ""),
    },
    ProgressNoteFilterSet: {
        "q": ("Search", ""),
        "agreement": ("Agreement", AGREEMENT),
        "round": ("Round", ""),
        "chapter": ("Chapter", ""),
        "created_after": ("Written on or after", ""),
        "created_before": ("Written on or before", ""),
        "ordering": ("Ordering", ""),
    },
    StatusEventFilterSet: {
        "q": ("Search", ""),
        "agreement": ("Agreement", AGREEMENT),
        "status": ("Status", ""),
        "planned": ("Planned", ""),
        "date_after": ("On or after", DATES),
        "date_before": ("On or before", DATES),
        "ordering": ("Ordering", ""),
    },
    SourceFilterSet: {
        "q": ("Search", ""),
        "publisher": ("Publisher", ""),
        "agreement": ("Agreement", AGREEMENT),
        "published_after": ("Published on or after", DATES),
        "published_before": ("Published on or before", DATES),
        "ordering": ("Ordering", ""),
    },
    PartyFilterSet: {
        "q": ("Search", ""),
        "kind": ("Kind", ""),
        "code": ("Code", ""),
        "bloc": ("Member of bloc", ""),
        "ordering": ("Ordering", ""),
    },
    ChapterFilterSet: {
        "q": ("Search", ""),
        "code": ("Code", ""),
        "is_active": ("Active", ""),
        "agreement": ("Agreement", AGREEMENT),
        "ordering": ("Ordering", ""),
    },
}


def _labels_and_help(filterset_class) -> dict[str, tuple[str, str]]:
    fields = filterset_class().form.fields
    return {name: (str(field.label), str(field.help_text)) for name, field in fields.items()}


@pytest.mark.parametrize("filterset_class", FIELDS, ids=lambda cls: cls.__name__)
def test_every_filter_has_its_label_and_help_text_in_english_and_spanish(filterset_class):
    english = FIELDS[filterset_class]
    assert _labels_and_help(filterset_class) == english
    with translation.override("es"):
        spanish = _labels_and_help(filterset_class)
    for name, (label, help_text) in english.items():
        # A changed English text has no translation: the Spanish form would show it in English.
        assert spanish[name][0] and spanish[name][0] != label, name
        assert spanish[name][1] != help_text or not help_text, name


@pytest.mark.django_db
def test_the_agreement_box_explains_itself_and_opens_the_picker():
    for filterset_class in (RoundFilterSet, ChapterProgressFilterSet, SourceFilterSet, ChapterFilterSet):
        html = str(filterset_class().form["agreement"])
        assert 'placeholder="e.g. india-peru-ta, india-chile-cepa"' in html
        assert 'data-suggest-url="/agreements/suggest.json"' in html
        with translation.override("es"):
            assert 'placeholder="p. ej. india-peru-ta, india-chile-cepa"' in str(filterset_class().form["agreement"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filterset_class", "query", "english", "spanish"),
    [
        (
            AgreementFilterSet,
            "party=ATLANTIS",
            "Party: Unknown party code “ATLANTIS”.",
            "Parte: Código de parte desconocido «ATLANTIS».",
        ),
        (
            ChapterProgressFilterSet,
            "party=atl",
            "Party: Unknown party code “ATL”.",
            "Parte: Código de parte desconocido «ATL».",
        ),
        (
            RoundFilterSet,
            "chapter=xyz",
            "Chapter: Unknown chapter code “XYZ”.",
            "Capítulo: Código de capítulo desconocido «XYZ».",
        ),
        (
            ProgressNoteFilterSet,
            "chapter=ROO&chapter=xyz",
            "Chapter: Unknown chapter code “XYZ”.",
            "Capítulo: Código de capítulo desconocido «XYZ».",
        ),
        (
            SourceFilterSet,
            "agreement=no-such-thing",
            "Agreement: Unknown agreement “no-such-thing”.",
            "Acuerdo: Acuerdo desconocido «no-such-thing».",
        ),
        (
            ChapterProgressFilterSet,
            "round=999999",
            "Round: Unknown round “999999”.",
            "Ronda: Ronda desconocida «999999».",
        ),
        (
            ProgressNoteFilterSet,
            "round=abc",
            "Round: “abc” is not a round id.",
            "Ronda: «abc» no es un identificador de ronda.",
        ),
        (
            StatusEventFilterSet,
            "status=closed",
            "Status: Unknown status “closed”.",
            "Estado: Estado desconocido «closed».",
        ),
    ],
)
def test_a_wrong_value_is_named_in_the_readers_language(filterset_class, query, english, spanish):
    f.chapter("ROO")
    queryset = filterset_class._meta.model.objects.all()
    for language, message in (("en", english), ("es", spanish)):
        with translation.override(language):
            filterset = filterset_class(QueryDict(query), queryset=queryset)
            assert not filterset.is_valid()
            assert filter_errors(filterset) == [message]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filterset_class", "model"), [(ChapterProgressFilterSet, ChapterProgress), (ProgressNoteFilterSet, ProgressNote)]
)
def test_chapter_is_repeatable_where_rows_have_one_chapter_each(filterset_class, model):
    round_ = f.round_(f.agreement("india-peru-ta", ("IND", "PER")), 1)
    rows = {}
    for code in ("ROO", "TIG", "CRM"):
        f.progress(round_, code)
        if model is ProgressNote:
            f.note(round_, f"note on {code}", chapter_code=code)
        rows[code] = model.objects.get(chapter__code=code)
    filterset = filterset_class(QueryDict("chapter=roo&chapter=TIG"), queryset=model.objects.all())
    assert filterset.is_valid(), filter_errors(filterset)
    assert set(filterset.qs) == {rows["ROO"], rows["TIG"]}


@pytest.mark.django_db
@pytest.mark.parametrize("filterset_class", [AgreementFilterSet, RoundFilterSet])
def test_chapter_is_one_code_where_a_row_spans_many_chapters(filterset_class):
    """Agreements and rounds take one chapter (the select shows one): the last one given."""
    for code in ("ROO", "TIG"):
        f.chapter(code)
    filterset = filterset_class(QueryDict("chapter=roo&chapter=TIG"))
    assert filterset.is_valid(), filter_errors(filterset)
    assert filterset.form.cleaned_data["chapter"].code == "TIG"
    html = str(filterset.form["chapter"])
    assert html.startswith('<select name="chapter"') and "multiple" not in html


def test_a_choice_list_is_a_box_per_choice_with_the_asked_ones_ticked():
    html = str(RoundFilterSet(QueryDict("status=held&status=cancelled")).form["status"])
    assert '<label for="id_status_0"><input type="checkbox" name="status" value="planned" id="id_status_0">' in html
    assert '<input type="checkbox" name="status" value="held" id="id_status_1" checked>' in html
    assert '<input type="checkbox" name="status" value="cancelled" id="id_status_3" checked>' in html
    assert "<select" not in html


@pytest.mark.django_db
def test_ordering_skips_empty_names_and_breaks_ties_by_id():
    """``?ordering=,-number`` still orders by number; rows of the same date keep one order (by id)
    from page to page."""
    agreement = f.agreement("india-peru-ta", ("IND", "PER"))
    same_day = [f.round_(agreement, number, start_date=dt.date(2025, 1, 6), end_date=None) for number in (2, 1, 3)]
    by_number = RoundFilterSet(QueryDict("ordering=,-number"), queryset=Round.objects.all())
    assert by_number.is_valid(), filter_errors(by_number)
    assert [r.number for r in by_number.qs] == [3, 2, 1]
    by_date = RoundFilterSet(QueryDict("ordering=start_date"), queryset=Round.objects.all())
    assert by_date.is_valid(), filter_errors(by_date)
    assert list(by_date.qs) == same_day
    assert by_date.qs.query.order_by[-1] == "pk"
