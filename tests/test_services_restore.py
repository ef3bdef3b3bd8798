"""Restoring a backup: only into an empty database, all or nothing, every problem named; the
accounts and groups it names; the audit trail of what it wrote."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from negotiations.backup.files import MANIFEST, BackupError, backup_read
from negotiations.choices import Visibility
from negotiations.models import Agreement, Party, ProgressNote, Round
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
