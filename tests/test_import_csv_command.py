"""``manage.py import_csv`` and ``issue_token`` from the command line (``export_all`` and
``import_all``: tests/test_backup_*.py)."""

import pytest
from django.core.management import CommandError, call_command

from negotiations import roles
from negotiations.models import Round, StatusEvent
from tests import factories as f

HEADER = "agreement,number,kind,title,city,country,format,start_date,end_date,status,summary,source_url\n"


@pytest.fixture
def agreement(db):
    return f.agreement(slug="india-peru")


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_writes_and_reports(agreement, tmp_path, capsys, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    curator = f.user("ministry", role=roles.CURATOR)
    path = write(tmp_path, "rounds.csv", HEADER + "india-peru,9,,,,,,2025-11-03,2025-11-05,held,,\n")
    call_command("import_csv", "rounds", path, "--user", "ministry")
    assert "1 created" in capsys.readouterr().out
    record = Round.objects.get(number=9).history.first()
    assert (record.history_user, record.history_change_reason) == (curator, "import rounds.csv")


def test_errors_go_to_stderr_with_line_and_column_and_nothing_is_written(agreement, tmp_path, capsys):
    path = write(
        tmp_path,
        "rounds.csv",
        HEADER
        + "india-peru,1,,,,,,2017-08,,held,,\n"
        + "india-peru,2,,,,,,2017-08-05,2017-08-01,held,,\n"
        + "india-peru,3,,,,,,2018,,unknown,,\n",
    )
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_csv", "rounds", path)
    err = capsys.readouterr().err
    assert "rounds.csv: line 3, end_date: The end date cannot be before the start date." in err
    assert "rounds.csv: line 4, status: Unknown round status “unknown”" in err
    assert Round.objects.count() == 0


def test_dry_run_writes_nothing(agreement, tmp_path, capsys):
    path = write(tmp_path, "rounds.csv", HEADER + "india-peru,1,,,,,,2017-08,,held,,\n")
    call_command("import_csv", "rounds", path, "--dry-run")
    assert "Dry run: 1 valid rows (1 new, 0 existing)" in capsys.readouterr().out
    assert Round.objects.count() == 0


def test_json_by_extension(agreement, tmp_path, capsys):
    path = write(
        tmp_path,
        "events.json",
        '[{"agreement": "india-peru", "status": "launched", "date": "2017-01-18", "planned": false,'
        ' "note": "", "source_url": ""}]',
    )
    call_command("import_csv", "status-events", path)
    assert StatusEvent.objects.get().status == "launched"


def test_unknown_user_file_and_kind_are_refused(agreement, tmp_path):
    path = write(tmp_path, "rounds.csv", HEADER)
    with pytest.raises(CommandError, match="No user named"):
        call_command("import_csv", "rounds", path, "--user", "nobody")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_csv", "rounds", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError):
        call_command("import_csv", "meetings", path)


def test_issue_token_for_unknown_user(db):
    with pytest.raises(CommandError, match="No user named"):
        call_command("issue_token", "nobody")
