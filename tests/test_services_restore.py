"""Restoring a backup: only into an empty database, all or nothing, every problem named; the
accounts and groups it names; the audit trail of what it wrote."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from negotiations.backup.files import MANIFEST, BackupError, backup_read
from negotiations.choices import AgreementStatus, Visibility
from negotiations.models import Agreement, Party, ProgressNote, Round, RoundSource, StatusEvent
from negotiations.services.restore import backup_restore
from tests import factories
from tests.backup_support import domain_tables_empty, file_rewrite


@pytest.fixture
def backup_dir(db, tmp_path):
    """A small record with a note author, an editor and an editor group, exported in full."""
    author = factories.user("ana.author")
    editor = factories.user("eduardo.editor")
    desk = Group.objects.create(name="Lima desk")
    round_obj = factories.round_(title="Round one")
    round_obj.agreement.editors.add(editor)
    round_obj.agreement.editor_groups.add(desk)
    factories.note(round_obj, "public by Ana", author=author)
    factories.note(round_obj, "secret", visibility=Visibility.CONFIDENTIAL, author=author)
    call_command("export_all", str(tmp_path), "--include-confidential", verbosity=0)
    return tmp_path


def _nothing_restored():
    assert not Agreement.objects.exists() and not Round.objects.exists() and not ProgressNote.objects.exists()


def test_a_database_with_records_is_refused(backup_dir):
    rounds = Round.objects.count()
    with pytest.raises(CommandError, match="The database is not empty .*agreements"):
        call_command("import_all", str(backup_dir), verbosity=0)
    assert Round.objects.count() == rounds


def test_a_bad_cell_anywhere_names_file_line_and_column_and_nothing_is_written(backup_dir):
    notes = (backup_dir / "notes.csv").read_text().splitlines()
    notes[2] = notes[2].replace(",confidential,", ",hidden,")
    rounds = (backup_dir / "rounds.csv").read_text().replace(",2025-11-03,", ",3 Nov 2025,")
    file_rewrite(backup_dir, "notes.csv", "\n".join(notes) + "\n")
    file_rewrite(backup_dir, "rounds.csv", rounds)
    domain_tables_empty()
    with pytest.raises(BackupError) as refused:
        backup_restore(backup=backup_read(backup_dir))
    problems = "\n".join(refused.value.problems)
    assert "notes.csv, line 3, visibility: “hidden” is not one of the choices" in problems
    assert "rounds.csv, line 2, start_date: “3 Nov 2025” is not a valid DateField" in problems
    _nothing_restored()
    assert not Party.objects.exists()


def test_a_reference_to_a_record_not_in_the_backup_is_refused(backup_dir):
    notes = (backup_dir / "notes.csv").read_text().splitlines()
    cells = notes[1].split(",")
    cells[1] = "999"  # the round
    file_rewrite(backup_dir, "notes.csv", "\n".join([notes[0], ",".join(cells), *notes[2:]]) + "\n")
    domain_tables_empty()
    with pytest.raises(BackupError, match="notes.csv, line 2, round: no round “999” in the backup"):
        backup_restore(backup=backup_read(backup_dir))
    _nothing_restored()


def test_what_the_database_refuses_rolls_everything_back(backup_dir):
    parties = (backup_dir / "parties.csv").read_text().splitlines()
    duplicate = parties[1].split(",")
    duplicate[0] = "900"  # a new id, the same code: the database's unique constraint says no
    file_rewrite(backup_dir, "parties.csv", "\n".join([*parties, ",".join(duplicate)]) + "\n")
    manifest = json.loads((backup_dir / MANIFEST).read_text())
    manifest["files"]["parties.csv"]["rows"] += 1
    (backup_dir / MANIFEST).write_text(json.dumps(manifest))
    domain_tables_empty()
    with pytest.raises(CommandError, match="Nothing was imported.\nThe database refused the backup"):
        call_command("import_all", str(backup_dir), verbosity=0)
    _nothing_restored()
    assert not Party.objects.exists()


def test_missing_accounts_are_listed_and_nothing_is_written(backup_dir):
    get_user_model().objects.filter(username__in=["ana.author", "eduardo.editor"]).delete()
    domain_tables_empty()
    with pytest.raises(CommandError) as refused:
        call_command("import_all", str(backup_dir), verbosity=0)
    assert "2 user account(s) that this database does not have: ana.author, eduardo.editor" in str(refused.value)
    assert "--create-missing-users" in str(refused.value)
    _nothing_restored()
    assert not get_user_model().objects.filter(username="ana.author").exists()


def test_missing_accounts_are_created_inactive_without_a_password_when_asked(backup_dir):
    get_user_model().objects.filter(username__in=["ana.author", "eduardo.editor"]).delete()
    domain_tables_empty()
    call_command("import_all", str(backup_dir), "--create-missing-users", verbosity=0)
    for username in ("ana.author", "eduardo.editor"):
        account = get_user_model().objects.get(username=username)
        assert not account.is_active and not account.has_usable_password()
    assert set(ProgressNote.objects.values_list("author__username", flat=True)) == {"ana.author"}
    assert list(Agreement.objects.get().editors.values_list("username", flat=True)) == ["eduardo.editor"]


def test_a_missing_group_is_created_empty_and_keeps_its_editing_right(backup_dir):
    Group.objects.filter(name="Lima desk").delete()
    domain_tables_empty()
    report = backup_restore(backup=backup_read(backup_dir))
    assert report.groups_created == ["Lima desk"]
    desk = Group.objects.get(name="Lima desk")
    assert not desk.permissions.exists() and not desk.user_set.exists()
    assert list(Agreement.objects.get().editor_groups.all()) == [desk]


def test_each_restored_record_gets_one_created_row_in_the_audit_trail(backup_dir):
    domain_tables_empty()
    agreement_id = Agreement.history.values_list("id", flat=True).first()
    Agreement.history.all().delete()
    report = backup_restore(backup=backup_read(backup_dir), reason="moved to the new server")
    assert report.counts["notes"] == 2
    (created,) = Agreement.history.filter(id=agreement_id)
    assert created.history_type == "+" and created.history_change_reason == "moved to the new server"
    assert [e.user.username for e in created.editors.all()] == ["eduardo.editor"]
    assert [g.group.name for g in created.editor_groups.all()] == ["Lima desk"]
    assert ProgressNote.history.filter(history_change_reason="moved to the new server").count() == 2


def _cells_set(backup_dir, name: str, changes: dict) -> None:
    """Set cells of a backup file: ``changes`` maps (line, column name) to the new cell."""
    lines = (backup_dir / name).read_text().splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines]
    for (line, column), cell in changes.items():
        rows[line - 1][header.index(column)] = cell
    file_rewrite(backup_dir, name, "\n".join(",".join(cells) for cells in rows) + "\n")


def test_every_refused_cell_is_explained_in_full(backup_dir):
    slug = Agreement.objects.get().slug
    _cells_set(
        backup_dir,
        "agreements.csv",
        {(2, "id"): "x1", (2, "predecessor_relation"): "cousin", (2, "version"): "2b"},
    )
    _cells_set(
        backup_dir,
        "rounds.csv",
        {(2, "title"): "T" * 201, (2, "start_date"): "9" * 60},
    )
    _cells_set(backup_dir, "notes.csv", {(2, "round"): "", (3, "visibility"): "v" * 60})
    domain_tables_empty()
    with pytest.raises(BackupError) as refused:
        backup_restore(backup=backup_read(backup_dir))
    assert refused.value.problems == [
        "agreements.csv, line 2, id: “x1” is not a valid BigAutoField",
        "agreements.csv, line 2, predecessor_relation: “cousin” is not one of the choices",
        "agreements.csv, line 2, version: “2b” is not a valid PositiveIntegerField",
        *(
            f"{name}, agreement: “{slug}” names a record whose id is not a number"
            for name in (
                "agreement-parties.csv, line 2",
                "agreement-parties.csv, line 3",
                "agreement-editors.csv, line 2",
                "agreement-editor-groups.csv, line 2",
                "rounds.csv, line 2",
            )
        ),
        "rounds.csv, line 2, title: longer than 200 characters",
        f"rounds.csv, line 2, start_date: “{'9' * 50}” is not a valid DateField",
        "notes.csv, line 2, round: a value is required",
        f"notes.csv, line 3, visibility: “{'v' * 50}” is not one of the choices",
    ]
    _nothing_restored()


def test_the_refusals_of_a_database_in_use_and_of_missing_accounts_say_what_to_do(backup_dir):
    with pytest.raises(BackupError) as in_use:
        backup_restore(backup=backup_read(backup_dir))
    (message,) = in_use.value.problems
    assert message == (
        "The database is not empty (parties, agreements, agreement-parties, agreement-editors, "
        "agreement-editor-groups, rounds, notes hold records): a backup is restored only into an empty "
        "database, so that nothing here is overwritten or mixed with it. Create a new database and run "
        "migrate, then import again."
    )
    get_user_model().objects.filter(username="ana.author").delete()
    domain_tables_empty()
    with pytest.raises(BackupError) as missing:
        backup_restore(backup=backup_read(backup_dir))  # without create_missing_users: refused
    assert missing.value.problems == [
        "The backup names 1 user account(s) that this database does not have: ana.author. Accounts are not "
        "part of the backup: create them first (or copy them over as docs/deployment.md, “Backups”, shows), "
        "or import again with --create-missing-users to create them as inactive accounts without a usable "
        "password, for a curator to activate."
    ]
    report = backup_restore(backup=backup_read(backup_dir), create_missing_users=True)
    assert report.users_created == ["ana.author"]


def test_without_a_reason_the_audit_trail_says_when_the_backup_was_written_and_who_restored_it(backup_dir):
    curator = factories.user("carla.curator")
    written_at = json.loads((backup_dir / MANIFEST).read_text())["written_at"]
    domain_tables_empty()
    agreement_id = Agreement.history.values_list("id", flat=True).first()
    Agreement.history.all().delete()
    ProgressNote.history.all().delete()
    backup_restore(backup=backup_read(backup_dir), user=curator)
    why = (curator, f"Restored from the backup written at {written_at}")
    created = Agreement.history.get(id=agreement_id)
    assert (created.history_user, created.history_change_reason) == why
    assert {(r.history_user, r.history_change_reason) for r in ProgressNote.history.all()} == {why}


def test_booleans_and_nullable_texts_come_back_as_they_were(db, tmp_path):
    agreement = factories.agreement()
    StatusEvent.objects.create(agreement=agreement, status=AgreementStatus.LAUNCHED, date=dt.date(2020, 1, 1))
    StatusEvent.objects.create(
        agreement=agreement, status=AgreementStatus.CONCLUDED, date=dt.date(2030, 1, 1), planned=True
    )
    round_obj = factories.round_(agreement)
    RoundSource.objects.create(round=round_obj, source=factories.source(), conflicting=True)
    factories.note(round_obj, "retried", idempotency_key="retry-7")
    before = (
        sorted(StatusEvent.objects.values_list("status", "planned")),
        list(RoundSource.objects.values_list("conflicting", flat=True)),
        list(ProgressNote.objects.values_list("idempotency_key", flat=True)),
    )
    call_command("export_all", str(tmp_path), "--include-confidential", verbosity=0)
    domain_tables_empty()
    backup_restore(backup=backup_read(tmp_path))
    after = (
        sorted(StatusEvent.objects.values_list("status", "planned")),
        list(RoundSource.objects.values_list("conflicting", flat=True)),
        list(ProgressNote.objects.values_list("idempotency_key", flat=True)),
    )
    assert (
        after
        == before
        == (
            [(AgreementStatus.CONCLUDED, True), (AgreementStatus.LAUNCHED, False)],
            [True],
            ["retry-7"],
        )
    )


def test_a_boolean_cell_other_than_true_or_false_is_refused(db, tmp_path):
    RoundSource.objects.create(round=factories.round_(), source=factories.source(), conflicting=True)
    call_command("export_all", str(tmp_path), "--include-confidential", verbosity=0)
    _cells_set(tmp_path, "round-sources.csv", {(2, "conflicting"): "yes"})
    domain_tables_empty()
    with pytest.raises(BackupError) as refused:
        backup_restore(backup=backup_read(tmp_path))
    assert refused.value.problems == ["round-sources.csv, line 2, conflicting: “yes” is not a valid BooleanField"]


def _column_drop(backup_dir, name: str, column: str) -> None:
    lines = [line.split(",") for line in (backup_dir / name).read_text().splitlines()]
    at = lines[0].index(column)
    file_rewrite(backup_dir, name, "\n".join(",".join(c[:at] + c[at + 1 :]) for c in lines) + "\n")


def test_a_column_missing_from_an_older_backup_takes_the_fields_default(backup_dir):
    _column_drop(backup_dir, "notes.csv", "language")
    domain_tables_empty()
    backup_restore(backup=backup_read(backup_dir))
    assert list(ProgressNote.objects.values_list("language", flat=True)) == ["en", "en"]


def test_a_file_without_its_key_column_is_refused_with_each_reference_named(backup_dir):
    _column_drop(backup_dir, "parties.csv", "code")
    domain_tables_empty()
    with pytest.raises(BackupError) as refused:
        backup_restore(backup=backup_read(backup_dir))
    assert refused.value.problems == [
        "agreement-parties.csv, line 2, party: no party “IND” in the backup",
        "agreement-parties.csv, line 3, party: no party “PER” in the backup",
    ]


def test_a_record_added_after_a_restore_gets_a_new_id(backup_dir):
    domain_tables_empty()
    backup_restore(backup=backup_read(backup_dir))
    restored = set(Agreement.objects.values_list("pk", flat=True))
    added = factories.agreement()
    assert added.pk not in restored and Agreement.objects.count() == 2


def test_an_agreement_with_editor_groups_and_no_editors_keeps_its_groups_in_the_audit_trail(db, tmp_path):
    agreement = factories.agreement()
    agreement.editor_groups.add(Group.objects.create(name="Lima desk"))
    call_command("export_all", str(tmp_path), "--include-confidential", verbosity=0)
    domain_tables_empty()
    Agreement.history.all().delete()
    backup_restore(backup=backup_read(tmp_path))
    (created,) = Agreement.history.all()
    assert ([g.group.name for g in created.editor_groups.all()], list(created.editors.all())) == (["Lima desk"], [])
