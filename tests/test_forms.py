"""The officials' forms on their own: parsing, field-level errors, the conflict comparison."""

import datetime as dt

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from negotiations.choices import DatePrecision, ProgressStatus, RoundFormat, Visibility
from negotiations.forms import (
    LookupChoiceField,
    NoteForm,
    NoteFormSet,
    PartialDateField,
    RoundForm,
    RoundLogForm,
    SourceFormSet,
    StatusEventForm,
    chapter_choices,
    round_conflict_rows,
)
from negotiations.models import StatusEvent
from negotiations.services import round_snapshot
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement():
    obj = f.agreement(slug="india-chile-cepa", parties=("IND", "CHL"))
    f.party("PER")
    return obj


def round_data(**fields):
    data = {
        "number": "5",
        "kind": "numbered",
        "status": "held",
        "format": RoundFormat.IN_PERSON,
        "start": "2026-01-12",
        "end": "2026-01-16",
        "venue_city": "Santiago",
        "venue_country": str(f.party("CHL").pk),
    }
    data.update(fields)
    return data


def log_form_data(rows=(), **fields):
    data = {
        **round_data(**fields),
        "chapters-TOTAL_FORMS": str(len(rows)),
        "chapters-INITIAL_FORMS": "0",
        "notes-TOTAL_FORMS": "0",
        "notes-INITIAL_FORMS": "0",
        "sources-TOTAL_FORMS": "0",
        "sources-INITIAL_FORMS": "0",
    }
    for i, row in enumerate(rows):
        data.update({f"chapters-{i}-{key}": value for key, value in row.items()})
    return QueryDict(mutable=True) | data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-03", (dt.date(2025, 11, 3), DatePrecision.DAY)),
        ("2017-08", (dt.date(2017, 8, 1), DatePrecision.MONTH)),
        ("2012", (dt.date(2012, 1, 1), DatePrecision.YEAR)),
        (" 2025-05-06 ", (dt.date(2025, 5, 6), DatePrecision.DAY)),
        ("", None),
    ],
)
def test_partial_dates_parse(text, expected):
    assert PartialDateField(required=False).clean(text) == expected


@pytest.mark.parametrize("text", ["6 May 2025", "2025-02-30", "1899-12-31", "2101-01", "20250506"])
def test_bad_partial_dates_are_refused(text):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        PartialDateField(required=False).clean(text)


def test_round_form_suggests_the_next_number(agreement):
    f.round_(agreement, number=1)
    f.round_(agreement, number=3)
    assert RoundForm(agreement=agreement)["number"].value() == 4


def test_round_form_lists_the_agreements_parties_first(agreement):
    choices = RoundForm(agreement=agreement).fields["venue_country"].choices
    group_label, options = choices[1]
    assert str(group_label) == "Parties to this agreement"
    assert {label for _value, label in options} == {"Ind (IND)", "Chl (CHL)"}


@pytest.mark.parametrize(
    ("fields", "field", "fragment"),
    [
        ({"end": "2026-01"}, "end", "same precision"),
        ({"start": "1850-01-01", "end": ""}, "start", "between 1900 and 2100"),
        ({"number": "1000"}, "number", "Round numbers run from 1 to 999."),
        ({"number": "0"}, "number", "Round numbers run from 1 to 999."),
        ({"venue_country": "0"}, "venue_country", "Unknown country"),
        ({"venue_country": "abc"}, "venue_country", "Unknown country"),
        ({"reason": "x" * 101}, "reason", "Keep the reason to 100 characters (it has 101)."),
    ],
)
def test_round_form_field_errors(agreement, fields, field, fragment):
    """What the form itself parses; the round's rules are the model's (see test_views_edit and
    test_write_parity, where every door gives their messages)."""
    f.round_(agreement, number=2)
    form = RoundForm(round_data(**fields), agreement=agreement)
    assert not form.is_valid()
    assert fragment in " ".join(form.errors[field])


def test_bloc_is_not_a_venue_country(agreement):
    bloc = f.party("PA", kind="bloc")
    form = RoundForm(round_data(venue_country=str(bloc.pk)), agreement=agreement)
    assert not form.is_valid()
    assert "venue_country" in form.errors


def test_editing_keeps_its_own_number(agreement):
    round_obj = f.round_(agreement, number=2)
    form = RoundForm(round_data(number="2", version="1"), agreement=agreement, round=round_obj)
    assert form.is_valid(), form.errors


def test_month_precision_round_fields(agreement):
    form = RoundForm(round_data(start="2017-08", end=""), agreement=agreement)
    assert form.is_valid(), form.errors
    fields = form.service_fields()
    assert (fields["start_date"], fields["end_date"], fields["date_precision"]) == (
        dt.date(2017, 8, 1),
        None,
        DatePrecision.MONTH,
    )


def test_chapter_rows_duplicate_and_unknown(agreement):
    roo, tig = f.chapter("ROO"), f.chapter("TIG")
    form = RoundLogForm(
        log_form_data(
            [
                {"chapter": str(roo.pk), "status": ProgressStatus.CLOSED},
                {"chapter": str(tig.pk), "status": ProgressStatus.CLOSED},
                {"chapter": str(roo.pk), "status": ProgressStatus.PARKED},
                {"chapter": "999999", "status": ProgressStatus.PARKED},
                {"chapter": str(tig.pk), "status": "nearly"},
            ]
        ),
        agreement=agreement,
    )
    assert not form.is_valid()
    errors = [row.errors for row in form.chapters.forms]
    assert errors[0] == {} and errors[1] == {}
    assert errors[2]["chapter"] == ["This chapter is already recorded for this round."]
    assert errors[3]["chapter"] == ["Unknown chapter: use one from the chapter catalog."]
    assert "status" in errors[4]


def test_blank_chapter_rows_are_ignored_and_removed_rows_left_out(agreement):
    roo, tig = f.chapter("ROO"), f.chapter("TIG")
    form = RoundLogForm(
        log_form_data(
            [
                {"chapter": str(roo.pk), "status": ProgressStatus.CLOSED, "note": "done"},
                {"chapter": "", "status": ProgressStatus.UNDER_NEGOTIATION},
                {"chapter": str(tig.pk), "status": ProgressStatus.CLOSED, "DELETE": "on"},
            ]
        ),
        agreement=agreement,
    )
    assert form.is_valid(), [row.errors for row in form.chapters.forms]
    lines = form.service_kwargs()["chapters"]
    assert [(line.chapter.code, line.status, line.note) for line in lines] == [("ROO", ProgressStatus.CLOSED, "done")]


def test_note_rows_default_to_confidential(agreement):
    form = RoundLogForm(agreement=agreement)
    assert form.notes.forms[0]["visibility"].value() == Visibility.CONFIDENTIAL


def test_source_row_needs_a_title_unless_its_url_is_known():
    f.source(url="https://example.org/known", title="Known")
    formset = SourceFormSet(
        source_rows({"url": "https://example.org/known"}, {"url": "https://example.org/new"}), prefix="sources"
    )
    assert not formset.is_valid()
    assert formset.forms[0].errors == {}
    assert formset.forms[1].errors["title"] == ["Give the source's title."]


def test_status_event_form():
    form = StatusEventForm({"status": "concluded", "date": "2025-05-06", "reason": "PIB"})
    assert form.is_valid(), form.errors
    assert form.service_kwargs() == {
        "status": "concluded",
        "date": dt.date(2025, 5, 6),
        "date_precision": DatePrecision.DAY,
        "planned": False,
        "note": "",
        "reason": "PIB",
    }
    assert not StatusEventForm({"status": "dreaming", "date": "2025-05-06"}).is_valid()


def test_round_conflict_rows_flag_what_differs(agreement):
    round_obj = f.round_(agreement, number=5, venue=f.venue("Santiago", "CHL"))
    f.progress(round_obj, "ROO", ProgressStatus.CLOSED)
    form = RoundLogForm(
        log_form_data(
            [{"chapter": str(f.chapter("ROO").pk), "status": ProgressStatus.PARKED}],
            start="2025-11-03",
            end="2025-11-06",
            version="1",
            snapshot=round_snapshot(round_obj),
        ),
        agreement=agreement,
        round=round_obj,
    )
    assert form.is_valid()
    changed = {
        row["label"]: (row["mine"], row["theirs"]) for row in round_conflict_rows(form, round_obj) if row["changed"]
    }
    assert changed == {"End date": ("2025-11-06", "2025-11-05"), "ROO": ("Parked", "Closed")}


def test_note_form_conflict_rows():
    note = f.note(f.round_(), text="Saved text")
    form = NoteForm({"version": "1", "text": "My text", "visibility": Visibility.PUBLIC}, note=note)
    assert form.is_valid()
    rows = {row["label"]: row for row in form.conflict_rows(note)}
    assert rows["Note"]["changed"] and not rows["Visibility"]["changed"]


def test_every_text_field_of_the_site_forms_refuses_control_characters():
    """The site's forms apply the API's and the importer's rule: no control characters other
    than tab and line breaks, with the field named."""
    from negotiations.forms import NoteForm, RoundForm, TextField

    with pytest.raises(ValidationError) as refused:
        TextField(required=False).clean("agreed\x07text")
    assert "Control characters" in refused.value.messages[0]
    assert TextField(required=False).clean("line one\nline two\ttabbed") == "line one\nline two\ttabbed"
    for form_class in (RoundForm, NoteForm):
        text_fields = [
            name
            for name, field in form_class.base_fields.items()
            if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput)
        ]
        assert text_fields, form_class
        for name in text_fields:
            assert isinstance(form_class.base_fields[name], TextField), (form_class.__name__, name)


def test_the_version_and_reason_fields_as_the_official_sees_them():
    """Every changing form shares them: the version travels hidden and must be a real version;
    the reason is optional, labelled and explained in the reader's language, and the browser
    stops at the services' length limit."""
    from django.utils import translation

    from negotiations.forms import ConfirmDeleteForm

    form = ConfirmDeleteForm()
    assert str(form["version"]) == '<input type="hidden" name="version" id="id_version">'
    assert str(form["reason"]) == (
        '<input type="text" name="reason" maxlength="100" aria-describedby="id_reason_helptext" id="id_reason">'
    )
    assert ConfirmDeleteForm({"version": "1"}).is_valid()
    assert ConfirmDeleteForm({"version": "0"}).errors == {
        "version": ["Ensure this value is greater than or equal to 1."]
    }
    assert not ConfirmDeleteForm({"version": "1", "reason": "x" * 101}).is_valid()
    texts = {
        "en": (
            "Reason for change",
            "Optional; shown in the history, e.g. “joint statement published”.",
            "The form is missing the record's version; reload the page and try again.",
        ),
        "es": (
            "Motivo del cambio",
            "Opcional; se muestra en el historial, p. ej. «se publicó la declaración conjunta».",
            "Al formulario le falta la versión del registro; recargue la página e inténtelo de nuevo.",
        ),
    }
    for language, (label, help_text, missing_version) in texts.items():
        with translation.override(language):
            form = ConfirmDeleteForm({"reason": ""})
            assert (str(form["reason"].label), str(form["reason"].help_text)) == (label, help_text)
            assert form.errors == {"version": [missing_version]}


# --- Validation, rule by rule -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["1900-01-01", "2100-12-31"])
def test_the_first_and_last_plausible_days_are_accepted(text):
    assert PartialDateField(required=False).clean(text) == (dt.date.fromisoformat(text), DatePrecision.DAY)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-02-30", "“2025-02-30” is not a valid calendar date."),
        ("6 May 2025", "“6 May 2025” is not a date; use YYYY, YYYY-MM or YYYY-MM-DD."),
        ("1899-12-31", "Give a date between 1900 and 2100."),
        ("2101", "Give a date between 1900 and 2100."),
    ],
)
def test_a_refused_date_says_why_once(text, message):
    with pytest.raises(ValidationError) as refused:
        PartialDateField(required=False).clean(text)
    assert refused.value.messages == [message]


def test_a_parsed_date_is_shown_again_as_it_was_written():
    field = PartialDateField(required=False)
    assert field.prepare_value((dt.date(2017, 8, 1), DatePrecision.MONTH)) == "2017-08"
    assert field.prepare_value((dt.date(2025, 11, 3), DatePrecision.DAY)) == "2025-11-03"
    assert field.prepare_value("2017-8") == "2017-8"


def test_a_lookup_select_cleans_to_the_object_and_refuses_anything_else():
    choices = [("", "—"), ("7", "seven")]
    field = LookupChoiceField(objects={7: "seven"}, unknown="Unknown thing.", choices=choices, required=False)
    assert field.clean("7") == "seven"
    assert field.clean("") is None
    assert field.clean(None) is None
    for wrong in ("8", "x7", "-7", "7.0"):
        with pytest.raises(ValidationError) as refused:
            field.clean(wrong)
        assert refused.value.messages == ["Unknown thing."], wrong
    required = LookupChoiceField(objects={7: "seven"}, unknown="Unknown thing.", choices=choices, required=True)
    assert required.clean("7") == "seven"
    with pytest.raises(ValidationError) as refused:
        required.clean("")
    assert refused.value.messages == ["This field is required."]


def test_an_edit_without_its_version_is_refused_above_the_form(agreement):
    round_obj = f.round_(agreement, number=2)
    form = RoundForm(round_data(number="2"), agreement=agreement, round=round_obj)
    assert not form.is_valid()
    assert form.errors == {"__all__": ["The form is missing its version; open the round again and redo the change."]}
    assert RoundForm(round_data(number="2", version="1"), agreement=agreement, round=round_obj).is_valid()
    # A new round has no version to give.
    assert RoundForm(round_data(), agreement=agreement).is_valid()


def test_start_and_end_of_the_same_precision_make_a_range(agreement):
    form = RoundForm(round_data(start="2017-08", end="2017-09"), agreement=agreement)
    assert form.is_valid(), form.errors
    fields = form.service_fields()
    assert (fields["start_date"], fields["end_date"], fields["date_precision"]) == (
        dt.date(2017, 8, 1),
        dt.date(2017, 9, 1),
        DatePrecision.MONTH,
    )
    form = RoundForm(round_data(start="2017-08-01", end="2017-09"), agreement=agreement)
    assert form.errors == {"end": ["Write the end date with the same precision as the start date."]}


def test_a_chapter_row_note_needs_its_chapter_and_an_unknown_chapter_is_said_once(agreement):
    form = RoundLogForm(
        log_form_data(
            [
                {"chapter": "", "status": ProgressStatus.CLOSED, "note": "agreed text"},
                {"chapter": "999999", "status": ProgressStatus.CLOSED, "note": "agreed text"},
                {"chapter": "", "status": ProgressStatus.CLOSED, "note": "   "},
            ]
        ),
        agreement=agreement,
    )
    assert not form.is_valid()
    assert [row.errors for row in form.chapters.forms] == [
        {"chapter": ["Choose the chapter this row is about."]},
        {"chapter": ["Unknown chapter: use one from the chapter catalog."]},
        {},
    ]


def test_a_chapter_may_appear_again_only_in_place_of_a_removed_row(agreement):
    roo, tig = f.chapter("ROO"), f.chapter("TIG")
    form = RoundLogForm(
        log_form_data(
            [
                {"chapter": str(roo.pk), "status": ProgressStatus.CLOSED, "DELETE": "on"},
                {"chapter": "", "status": ProgressStatus.CLOSED},
                {"chapter": str(roo.pk), "status": ProgressStatus.PARKED},
                {"chapter": str(tig.pk), "status": ProgressStatus.CLOSED},
                {"chapter": str(tig.pk), "status": ProgressStatus.PARKED},
                {"chapter": str(tig.pk), "status": ProgressStatus.PARKED},
            ]
        ),
        agreement=agreement,
    )
    assert not form.is_valid()
    duplicate = {"chapter": ["This chapter is already recorded for this round."]}
    assert [row.errors for row in form.chapters.forms] == [{}, {}, {}, {}, duplicate, duplicate]


def formset_rows(prefix: str, *rows) -> dict:
    """A formset's POST data: each row's fields under ``<prefix>-<i>-``, after the management form."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{key}": value for key, value in row.items()})
    return data


def note_rows(*rows):
    return formset_rows("notes", *rows)


def source_rows(*rows):
    return formset_rows("sources", *rows)


def test_a_note_row_about_a_chapter_needs_its_text_and_a_blank_row_is_ignored(agreement):
    roo = f.chapter("ROO")
    data = note_rows(
        {"text": "  ", "visibility": Visibility.PUBLIC, "chapter": str(roo.pk)},
        {"text": "Agreed on cumulation", "visibility": Visibility.PUBLIC, "chapter": str(roo.pk)},
        {"text": "   ", "visibility": Visibility.PUBLIC},
        {"text": "Still open", "visibility": Visibility.CONFIDENTIAL, "language": "es"},
    )
    formset = NoteFormSet(data, prefix="notes", form_kwargs={"chapters": chapter_choices()})
    assert not formset.is_valid()
    errors = [row.errors for row in formset.forms]
    assert errors[0] == {"text": ["Write the note, or clear the chapter."]}
    assert errors[1] == errors[2] == errors[3] == {}
    formset.forms = formset.forms[1:]
    assert [(n.text, n.visibility, n.chapter, n.language) for n in formset.lines()] == [
        ("Agreed on cumulation", Visibility.PUBLIC, roo, "en"),
        ("Still open", Visibility.CONFIDENTIAL, None, "es"),
    ]


@pytest.mark.parametrize(
    "filled",
    [
        {"publisher": "MOFCOM"},
        {"note": "Says the round was postponed"},
        {"published": "2025-05"},
        {"url": "https://example.org/new", "title": "   "},
    ],
)
def test_a_source_row_with_anything_in_it_needs_a_title(filled):
    formset = SourceFormSet(source_rows(filled), prefix="sources")
    assert not formset.is_valid()
    assert formset.forms[0].errors == {"title": ["Give the source's title."]}


def test_a_source_row_with_a_bad_url_is_told_about_the_url_only():
    formset = SourceFormSet(source_rows({"url": "not a url", "publisher": "MOFCOM"}), prefix="sources")
    assert not formset.is_valid()
    assert list(formset.forms[0].errors) == ["url"]


def test_source_rows_become_lines_with_their_date_and_flag():
    f.source(url="https://example.org/known", title="Known")
    data = source_rows(
        {
            "title": "Joint statement",
            "publisher": "MOFCOM",
            "published": "2025-05",
            "note": "Gives the dates",
            "conflicting": "on",
        },
        {},  # a blank row between two filled ones is skipped, not the end of the list
        {"url": "https://example.org/press", "title": "Press release"},
        {"url": "https://example.org/known"},  # a source already on record needs only its URL
    )
    formset = SourceFormSet(data, prefix="sources")
    assert formset.is_valid(), formset.errors
    lines = formset.lines()
    assert [
        (s.url, s.title, s.publisher, s.published_on, s.published_precision, s.note, s.conflicting) for s in lines
    ] == [
        ("", "Joint statement", "MOFCOM", dt.date(2025, 5, 1), DatePrecision.MONTH, "Gives the dates", True),
        ("https://example.org/press", "Press release", "", None, DatePrecision.DAY, "", False),
        ("https://example.org/known", "", "", None, DatePrecision.DAY, "", False),
    ]


def test_a_status_event_edit_without_its_version_is_refused_above_the_form():
    event = StatusEvent.objects.create(agreement=f.agreement(), status="concluded", date=dt.date(2025, 5, 6))
    form = StatusEventForm({"status": "concluded", "date": "2025-05-06"}, event=event)
    assert not form.is_valid()
    assert form.errors == {"__all__": ["The form is missing its version; open the event again and redo the change."]}
    assert StatusEventForm({"status": "concluded", "date": "2025-05-06", "version": "1"}, event=event).is_valid()


def test_a_note_or_source_title_refused_for_a_control_character_is_told_only_that():
    """Not also "write the note" or "give the title": the writer did, with a stray character."""
    roo = f.chapter("ROO")
    control = ["Control characters (other than tab and line breaks) are not allowed."]
    notes = NoteFormSet(
        note_rows({"text": "Bell\x07", "visibility": Visibility.PUBLIC, "chapter": str(roo.pk)}),
        prefix="notes",
        form_kwargs={"chapters": chapter_choices()},
    )
    assert not notes.is_valid()
    assert notes.forms[0].errors == {"text": control}
    sources = SourceFormSet(
        source_rows({"url": "https://example.org/new", "title": "Joint\x07statement"}), prefix="sources"
    )
    assert not sources.is_valid()
    assert sources.forms[0].errors == {"title": control}


def test_a_services_error_is_shown_on_its_field_or_above_the_form(agreement):
    form = RoundLogForm(log_form_data(), agreement=agreement)
    assert form.is_valid(), form.main.errors
    form.add_service_errors(
        ValidationError(
            {
                "start_date": ["Too early.", "Far too early."],
                "venue": ["No such venue."],
                "chapters": ["A chapter row changed meanwhile."],
                "notes": ["A note changed meanwhile."],
                "agreement": ["Not yours."],
            }
        )
    )
    form.add_service_errors(ValidationError("Try again."))
    assert form.main.errors == {
        "start": ["Too early.", "Far too early."],
        "venue_city": ["No such venue."],
        "__all__": ["Not yours.", "Try again."],
    }
    assert form.service_errors == ["A chapter row changed meanwhile.", "A note changed meanwhile."]


def test_the_error_summary_links_field_errors_and_lists_hidden_and_whole_form_errors_without_a_link(agreement):
    roo = f.chapter("ROO")
    rows = [
        {"chapter": str(roo.pk), "status": ProgressStatus.CLOSED, "version": "0"},
        {"chapter": "999999", "status": ProgressStatus.CLOSED},
    ]
    data = log_form_data(rows, version="0", start="1850-01-01")
    data["notes-TOTAL_FORMS"], data["sources-TOTAL_FORMS"] = "1", "2"
    data["notes-0-chapter"], data["notes-0-visibility"] = str(roo.pk), Visibility.PUBLIC
    data["sources-0-url"], data["sources-1-publisher"] = "not a url", "MOFCOM"
    form = RoundLogForm(data, agreement=agreement)
    assert not form.is_valid()
    form.add_service_errors(ValidationError({"sources": ["A source changed meanwhile."], "agreement": ["Not yours."]}))
    too_low = "Ensure this value is greater than or equal to 1."
    assert form.error_summary() == [
        {"label": "", "message": too_low, "id": None},
        {"label": "Start date", "message": "Give a date between 1900 and 2100.", "id": "id_start"},
        {"label": "", "message": "Not yours.", "id": None},
        {"label": "Chapter row 1 — row", "message": too_low, "id": "id_chapters-0-chapter"},
        {
            "label": "Chapter row 2 — Chapter",
            "message": "Unknown chapter: use one from the chapter catalog.",
            "id": "id_chapters-1-chapter",
        },
        {"label": "Note 1 — Note", "message": "Write the note, or clear the chapter.", "id": "id_notes-0-text"},
        {"label": "Source 1 — URL", "message": "Enter a valid URL.", "id": "id_sources-0-url"},
        {"label": "Source 2 — Title", "message": "Give the source's title.", "id": "id_sources-1-title"},
        {"label": "", "message": "A source changed meanwhile.", "id": None},
    ]


def test_the_error_summary_says_when_a_part_of_the_form_came_without_its_rows_count(agreement):
    data = log_form_data()
    del data["chapters-TOTAL_FORMS"]
    form = RoundLogForm(data, agreement=agreement)
    assert not form.is_valid()
    [item] = form.error_summary()
    assert (item["label"], item["id"]) == ("", None)
    assert item["message"].startswith("ManagementForm data is missing or has been tampered with.")


def test_loaded_chapter_rows_cleared_or_ticked_are_removed_with_the_version_they_were_loaded_at(agreement):
    round_obj = f.round_(agreement, number=5)
    roo = f.progress(round_obj, "ROO", ProgressStatus.CLOSED)
    tig = f.progress(round_obj, "TIG", ProgressStatus.PARKED)
    crm = f.progress(round_obj, "CRM", ProgressStatus.PARKED)
    loaded = {"status": ProgressStatus.PARKED, "version": "2"}
    rows = [
        {**loaded, "id": str(roo.pk), "chapter": str(roo.chapter_id), "note": "Kept"},
        {**loaded, "id": str(tig.pk), "chapter": ""},
        {**loaded, "id": str(crm.pk), "chapter": str(crm.chapter_id), "DELETE": "on"},
        {"chapter": str(f.chapter("IPR").pk), "status": ProgressStatus.NOT_STARTED},
        {"chapter": "", "status": ProgressStatus.NOT_STARTED},
    ]
    data = log_form_data(rows, version="1", snapshot=round_snapshot(round_obj))
    data["chapters-INITIAL_FORMS"] = "3"
    form = RoundLogForm(data, agreement=agreement, round=round_obj)
    assert form.is_valid(), [row.errors for row in form.chapters.forms]
    kwargs = form.service_kwargs()
    assert [(line.chapter.code, line.status, line.note, line.id, line.version) for line in kwargs["chapters"]] == [
        ("ROO", ProgressStatus.PARKED, "Kept", roo.pk, 2),
        ("IPR", ProgressStatus.NOT_STARTED, "", None, None),
    ]
    assert kwargs["remove_chapters"] == [(tig.pk, 2), (crm.pk, 2)]


def test_rows_posted_without_any_of_their_fields_are_blank_and_ignored(agreement):
    data = log_form_data()
    data.update({"chapters-TOTAL_FORMS": "2", "notes-TOTAL_FORMS": "1", "sources-TOTAL_FORMS": "1"})
    form = RoundLogForm(data, agreement=agreement)
    assert form.is_valid(), [row.errors for part in form.parts[1:] for row in part.forms]
    kwargs = form.service_kwargs()
    assert (kwargs["chapters"], kwargs["notes"], kwargs["sources"]) == ([], [], [])
