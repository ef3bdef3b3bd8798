"""The writers of chapter rows and notes (negotiations/services/progress.py): what each stores,
who and why the audit trail records, and the seed's upsert touching only its own row."""

import threading

import pytest
from django import db
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from negotiations.choices import NoteLanguage, ProgressStatus, Visibility
from negotiations.models import ChapterProgress, ProgressNote
from negotiations.services import progress as services
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana():
    return f.user("ana")


def last_record(instance):
    return instance.history.order_by("-history_id").first()


def test_a_created_chapter_row_keeps_its_note_and_records_who_and_why(ana):
    round_obj = f.round_()
    row = services.chapter_progress_create(
        round=round_obj,
        chapter=f.chapter("ROO"),
        status=ProgressStatus.CLOSED,
        note="Closed at 3 am",
        user=ana,
        reason="minutes",
    )
    row.refresh_from_db()
    assert (row.status, row.note) == (ProgressStatus.CLOSED, "Closed at 3 am")
    record = last_record(row)
    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", ana, "minutes")


def test_without_a_reason_no_reason_is_recorded():
    round_obj = f.round_()
    row = services.chapter_progress_create(round=round_obj, chapter=f.chapter("ROO"))
    assert row.note == ""
    row = services.chapter_progress_update(progress=row, expected_version=row.version, status=ProgressStatus.CLOSED)
    note = services.note_add(round=round_obj, text="Met")
    note = services.note_update(note=note, expected_version=note.version, text="Met twice")
    for instance in (row, note):
        assert {r.history_change_reason for r in instance.history.all()} == {None}
    services.chapter_progress_delete(progress=row, expected_version=row.version)
    services.note_delete(note=note, expected_version=note.version)
    deleted = ChapterProgress.history.filter(history_type="-").get()
    assert deleted.history_change_reason is None
    assert ProgressNote.history.filter(history_type="-").get().history_change_reason is None


def test_an_update_can_move_a_row_to_another_chapter_and_records_who_and_why(ana):
    row = f.progress(f.round_(), "ROO")
    services.chapter_progress_update(
        progress=row, expected_version=row.version, chapter=f.chapter("TBT"), user=ana, reason="wrong chapter"
    )
    row.refresh_from_db()
    assert row.chapter.code == "TBT"
    record = last_record(row)
    assert (record.history_user, record.history_change_reason) == (ana, "wrong chapter")


def test_a_deleted_chapter_row_records_who_and_why(ana):
    row = f.progress(f.round_(), "ROO")
    services.chapter_progress_delete(progress=row, expected_version=row.version, user=ana, reason="duplicate")
    record = ChapterProgress.history.filter(history_type="-").get()
    assert (record.history_user, record.history_change_reason) == (ana, "duplicate")


def test_the_seed_upsert_creates_then_updates_only_its_own_round_and_chapter(ana):
    round_obj, other_round = f.round_(), f.round_()
    roo, tbt = f.chapter("ROO"), f.chapter("TBT")
    elsewhere = f.progress(other_round, "ROO", status=ProgressStatus.DISCUSSED)
    same_round = f.progress(round_obj, "TBT", status=ProgressStatus.DISCUSSED)

    row, created = services.chapter_progress_set(
        round=round_obj,
        chapter=roo,
        status=ProgressStatus.TEXT_EXCHANGED,
        note="Texts swapped",
        user=ana,
        reason="seed",
    )
    assert created and (row.round, row.chapter, row.status, row.note) == (
        round_obj,
        roo,
        ProgressStatus.TEXT_EXCHANGED,
        "Texts swapped",
    )
    assert (last_record(row).history_user, last_record(row).history_change_reason) == (ana, "seed")

    again, created = services.chapter_progress_set(
        round=round_obj, chapter=roo, status=ProgressStatus.CLOSED, note="Done", user=ana, reason="seed again"
    )
    assert not created and again.pk == row.pk
    row.refresh_from_db()
    assert (row.status, row.note) == (ProgressStatus.CLOSED, "Done")
    assert (last_record(row).history_user, last_record(row).history_change_reason) == (ana, "seed again")
    for untouched in (elsewhere, same_round):
        before = untouched.version
        untouched.refresh_from_db()
        assert (untouched.status, untouched.version) == (ProgressStatus.DISCUSSED, before)
    assert ChapterProgress.objects.filter(round=round_obj, chapter=tbt).count() == 1


def test_a_note_keeps_its_chapter_source_language_and_visibility(ana):
    round_obj, source = f.round_(), f.source()
    note = services.note_add(
        round=round_obj,
        text="Se cerró el capítulo.",
        chapter=f.chapter("ROO"),
        visibility=Visibility.CONFIDENTIAL,
        language=NoteLanguage.SPANISH,
        source=source,
        user=ana,
        reason="from the minutes",
    )
    note.refresh_from_db()
    assert (note.chapter.code, note.source, note.language, note.visibility) == (
        "ROO",
        source,
        NoteLanguage.SPANISH,
        Visibility.CONFIDENTIAL,
    )
    assert note.author == ana
    assert (last_record(note).history_user, last_record(note).history_change_reason) == (ana, "from the minutes")


@pytest.mark.parametrize("user", [None, AnonymousUser()], ids=["no user", "anonymous"])
def test_a_note_without_a_signed_in_user_has_no_author(user):
    note = services.note_add(round=f.round_(), text="Met in Lima", user=user)
    note.refresh_from_db()
    assert note.author is None and last_record(note).history_user is None


def test_a_note_update_changes_language_chapter_and_source_and_records_who_and_why(ana):
    note = f.note(f.round_(), "Text", chapter_code="ROO")
    source = f.source()
    services.note_update(
        note=note,
        expected_version=note.version,
        language=NoteLanguage.SPANISH,
        chapter=f.chapter("TBT"),
        source=source,
        user=ana,
        reason="moved",
    )
    note.refresh_from_db()
    assert (note.language, note.chapter.code, note.source, note.text) == (NoteLanguage.SPANISH, "TBT", source, "Text")
    assert (last_record(note).history_user, last_record(note).history_change_reason) == (ana, "moved")


def test_a_note_update_trims_the_text():
    note = f.note(f.round_(), "Text")
    services.note_update(note=note, expected_version=note.version, text="  New text \n")
    note.refresh_from_db()
    assert note.text == "New text"


def test_the_seed_upsert_without_note_or_reason_stores_none():
    row, created = services.chapter_progress_set(round=f.round_(), chapter=f.chapter("ROO"))
    assert created and row.note == "" and last_record(row).history_change_reason is None


@pytest.mark.parametrize("text", ["", "   ", None])
def test_a_note_cannot_be_emptied(text):
    from django.core.exceptions import ValidationError

    note = f.note(f.round_(), "Text")
    with pytest.raises(ValidationError) as refused:
        services.note_update(note=note, expected_version=note.version, text=text)
    assert "text" in refused.value.message_dict
    note.refresh_from_db()
    assert note.text == "Text"


# --- PostgreSQL: two writers of one round's rows at once ---------------------------------
# Every write of a round's rows first locks the round, so the writers of one round take turns:
# writer A holds its transaction open after its write; writer B, on another row of the same
# round, must wait for A's commit. SQLite has one writer at a time, so only threads on
# PostgreSQL can show it.

on_postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time; CI's PostgreSQL run covers two writers in threads",
)


def _race(monkeypatch, write_a, write_b):
    """Run ``write_a`` in a thread that pauses inside its transaction right after its write, then
    ``write_b`` in a second thread; A commits 1.5 s later. Returns whether B finished while A
    still held its transaction, and each writer's result (or the exception it raised)."""
    a_wrote, a_may_commit = threading.Event(), threading.Event()
    real_save = services.save_checked

    def save_then_pause(instance, **kwargs):
        saved = real_save(instance, **kwargs)
        if threading.current_thread().name == "writer-a":
            a_wrote.set()
            a_may_commit.wait(10)
        return saved

    monkeypatch.setattr(services, "save_checked", save_then_pause)
    answers = {}

    def run(name, write):
        try:
            answers[name] = write()
        except Exception as error:  # reported to the test below
            answers[name] = error
        finally:
            db.connections.close_all()

    thread_a = threading.Thread(target=run, args=("a", write_a), name="writer-a")
    thread_b = threading.Thread(target=run, args=("b", write_b), name="writer-b")
    thread_a.start()
    assert a_wrote.wait(10)
    thread_b.start()
    thread_b.join(1.5)  # B waits for the round A holds: it must not have finished
    b_finished_early = not thread_b.is_alive()
    a_may_commit.set()
    thread_a.join(20)
    thread_b.join(20)
    return b_finished_early, answers


@on_postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", ["create", "update", "delete", "note"])
def test_writers_of_one_rounds_rows_take_turns(monkeypatch, ana, second):
    round_obj = f.round_()
    roo, tbt = f.progress(round_obj, "ROO"), f.progress(round_obj, "TBT")
    crm = f.chapter("CRM")

    def write_a():
        return services.chapter_progress_update(
            progress=roo, expected_version=roo.version, status=ProgressStatus.CLOSED, user=ana
        )

    write_b = {
        "create": lambda: services.chapter_progress_create(round=round_obj, chapter=crm, user=ana),
        "update": lambda: services.chapter_progress_update(
            progress=tbt, expected_version=tbt.version, note="Text swapped", user=ana
        ),
        "delete": lambda: services.chapter_progress_delete(progress=tbt, expected_version=tbt.version, user=ana),
        "note": lambda: services.note_add(round=round_obj, text="Met twice", user=ana),
    }[second]

    b_finished_early, answers = _race(monkeypatch, write_a, write_b)
    assert not b_finished_early, answers.get("b")
    assert not isinstance(answers["a"], Exception), answers["a"]
    assert not isinstance(answers["b"], Exception), answers["b"]
    assert ChapterProgress.objects.get(pk=roo.pk).status == ProgressStatus.CLOSED


@on_postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_seed_upserts_of_one_chapter_at_once_create_it_then_update_it(monkeypatch, ana):
    """The second upsert waits for the first and then updates the row the first created: it never
    sees "no row yet" and fails on the row the first one is writing."""
    round_obj, crm = f.round_(), f.chapter("CRM")

    def upsert(status):
        return lambda: services.chapter_progress_set(round=round_obj, chapter=crm, status=status, user=ana)

    b_finished_early, answers = _race(
        monkeypatch, upsert(ProgressStatus.DISCUSSED), upsert(ProgressStatus.TEXT_EXCHANGED)
    )
    assert not b_finished_early, answers.get("b")
    (row_a, created_a), (row_b, created_b) = answers["a"], answers["b"]
    assert (created_a, created_b, row_b.pk) == (True, False, row_a.pk)
    assert list(ChapterProgress.objects.filter(round=round_obj).values_list("status", flat=True)) == [
        ProgressStatus.TEXT_EXCHANGED
    ]
