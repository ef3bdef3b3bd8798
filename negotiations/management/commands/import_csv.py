"""``manage.py import_csv KIND FILE [--dry-run] [--user NAME] [--reason TEXT]``: load a spreadsheet of agreements,
status events, rounds or chapter progress, all rows or none. See ``negotiations.interchange``."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from negotiations.interchange.columns import COLUMNS, KINDS, OPTIONAL_COLUMNS
from negotiations.interchange.importer import run_import


class Command(BaseCommand):
    help = (
        "Import a CSV or JSON file (by its extension) of one kind of rows. Every row is validated "
        "first; any error means nothing is written, and every bad row is reported with its line, "
        "column and reason. An import updates: a row whose natural key is already recorded (agreements: "
        "slug; status-events: agreement + date + status; rounds: agreement + number, or kind + title; "
        "chapter-progress: agreement + round + chapter) changes that record, without a version check; "
        "any other row is created. Columns: "
        + "; ".join(f"{kind}: {', '.join(COLUMNS[kind])}" for kind in KINDS)
        + ". Optional: "
        + "; ".join(f"{kind}: {', '.join(OPTIONAL_COLUMNS[kind])}" for kind in KINDS if OPTIONAL_COLUMNS[kind])
        + "."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", help="a .csv or .json file")
        parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")
        parser.add_argument("--user", help="username recorded in the audit trail as the author of the import")
        parser.add_argument(
            "--reason", default="", help='why, for the audit trail (at most 100 characters; default "import FILE")'
        )

    def handle(self, *args, kind, file, dry_run, user, reason, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named {user!r}.")
        report = run_import(
            kind=kind, data=path.read_bytes(), filename=path.name, user=actor, dry_run=dry_run, reason=reason
        )
        for error in report.errors:
            self.stderr.write(f"{path.name}: {error}")
        if report.errors:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(f"{report.summary()} ({report.seconds:.2f} s)"))
