"""``manage.py export_all DIRECTORY [--format csv|json] [--include-confidential]``: write the four
import files (agreements, status-events, rounds, chapter-progress) so that ``import_csv`` on an
empty database, in that order, reproduces the same records."""

from pathlib import Path

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand

from negotiations.interchange.columns import KINDS
from negotiations.interchange.writer import csv_table, export_table, json_records


class _Everyone:
    """Stands for a curator when confidential notes are explicitly asked for."""

    is_authenticated = True
    is_active = True
    is_superuser = True


class Command(BaseCommand):
    help = "Export every agreement, status event, round and chapter progress row as import files."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument(
            "--include-confidential",
            action="store_true",
            help="also write confidential chapter notes (keep the files where only curators can read them)",
        )

    def handle(self, *args, directory, format, include_confidential, **options):
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        reader = _Everyone() if include_confidential else AnonymousUser()
        encode = csv_table if format == "csv" else json_records
        for kind in KINDS:
            path = target / f"{kind}.{format}"
            with path.open("w", encoding="utf-8", newline="") as handle:
                for chunk in encode(export_table(kind, user=reader)):
                    handle.write(chunk)
            self.stdout.write(f"{path}")
