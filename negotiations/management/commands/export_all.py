"""``manage.py export_all DIRECTORY [--format csv|json] [--include-confidential]``: write a
portable backup of every record the tracker holds (``negotiations.backup``), which
``import_all`` restores into an empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand

from negotiations.backup.files import FORMATS, backup_write


class Command(BaseCommand):
    help = (
        "Write every record (parties, agreements, rounds, chapters, notes, sources, citations…) as one file per "
        "table plus a manifest, for import_all. User accounts and the audit trail are pg_dump's job."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--format", choices=FORMATS, default="csv", help="one CSV (default) or JSON file per table")
        parser.add_argument(
            "--include-confidential",
            action="store_true",
            help="also write confidential notes (keep the files where only curators can read them)",
        )

    def handle(self, *args, directory, format, include_confidential, **options):
        target = Path(directory)
        manifest = backup_write(target, include_confidential=include_confidential, file_format=format)
        for name, entry in manifest["files"].items():
            self.stdout.write(f"{target / name}: {entry['rows']} rows")
        self.stdout.write(f"{target / 'manifest.json'}: confidential notes {manifest['confidential_notes']}")
