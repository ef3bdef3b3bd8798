"""The backup directory: manifest contents, and refusals of a newer format, a changed file, a
missing file or an unknown column, before anything is written."""

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command

from negotiations.backup.files import FORMAT_VERSION, MANIFEST
from negotiations.choices import Visibility
from negotiations.models import Agreement, ProgressNote
from tests import factories
from tests.backup_support import domain_tables_empty, file_rewrite


@pytest.fixture
def small_record(db):
    round_obj = factories.round_()
    factories.note(round_obj, "public")
    factories.note(round_obj, "secret", visibility=Visibility.CONFIDENTIAL)
    return round_obj


def _export(directory, *options):
    call_command("export_all", str(directory), *options, verbosity=0)
    return json.loads((directory / MANIFEST).read_text())


def _import_refused(directory) -> str:
    domain_tables_empty()
    with pytest.raises(CommandError) as refused:
        call_command("import_all", str(directory), verbosity=0)
    assert Agreement.objects.count() == 0 and ProgressNote.objects.count() == 0
    return str(refused.value)


def test_manifest_counts_checksums_and_confidential_flag(small_record, tmp_path):
    manifest = _export(tmp_path)
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["written_at"]
    assert manifest["confidential_notes_included"] is False
    assert "absent" in manifest["confidential_notes"]
    notes = manifest["files"]["notes.csv"]
    assert notes["rows"] == 1
    assert notes["sha256"] == hashlib.sha256((tmp_path / "notes.csv").read_bytes()).hexdigest()
    assert "secret" not in (tmp_path / "notes.csv").read_text()
    assert manifest["files"]["rounds.csv"]["rows"] == 1

    full = _export(tmp_path / "full", "--include-confidential")
    assert full["confidential_notes_included"] is True
    assert full["files"]["notes.csv"]["rows"] == 2
    assert "secret" in (tmp_path / "full" / "notes.csv").read_text()


def test_a_newer_format_version_is_refused(small_record, tmp_path):
    manifest = _export(tmp_path)
    manifest["format_version"] = FORMAT_VERSION + 1
    (tmp_path / MANIFEST).write_text(json.dumps(manifest))
    message = _import_refused(tmp_path)
    assert f"format version {FORMAT_VERSION + 1}" in message
    assert "Upgrade the tracker" in message


def test_a_changed_file_is_refused_by_its_checksum(small_record, tmp_path):
    _export(tmp_path, "--include-confidential")
    text = (tmp_path / "notes.csv").read_text().replace("secret", "SECRET")
    file_rewrite(tmp_path, "notes.csv", text, fix_checksum=False)
    message = _import_refused(tmp_path)
    assert "notes.csv does not match its checksum" in message


def test_a_missing_file_or_manifest_is_refused(small_record, tmp_path):
    _export(tmp_path)
    (tmp_path / "venues.csv").unlink()
    assert "venues.csv is missing" in _import_refused(tmp_path)
    (tmp_path / MANIFEST).unlink()
    assert "not a complete backup" in _import_refused(tmp_path)


def test_an_unknown_column_or_a_wrong_count_is_refused(small_record, tmp_path):
    _export(tmp_path)
    lines = (tmp_path / "parties.csv").read_text().splitlines()
    coloured = [lines[0] + ",colour"] + [line + ",red" for line in lines[1:]]
    file_rewrite(tmp_path, "parties.csv", "\n".join(coloured) + "\n")
    assert "columns this tracker does not have (colour)" in _import_refused(tmp_path)
    file_rewrite(tmp_path, "parties.csv", "\n".join(lines[:-1]) + "\n")
    assert "the manifest says" in _import_refused(tmp_path)


def test_a_missing_column_restores_as_the_field_default(small_record, tmp_path):
    """A backup from before a field existed still restores: the field gets its default."""
    _export(tmp_path)
    rows = [line.split(",") for line in (tmp_path / "parties.csv").read_text().splitlines()]
    drop = rows[0].index("official_name")
    file_rewrite(tmp_path, "parties.csv", "\n".join(",".join(r[:drop] + r[drop + 1 :]) for r in rows) + "\n")
    domain_tables_empty()
    call_command("import_all", str(tmp_path), verbosity=0)
    assert Agreement.objects.get().agreement_parties.count() == 2
