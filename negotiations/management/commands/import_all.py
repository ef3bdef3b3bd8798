"""``manage.py import_all DIRECTORY [--create-missing-users]``: restore a backup written by
``export_all`` into an empty database, all or nothing (``services.restore.backup_restore``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from negotiations.backup.files import BackupError, backup_read
from negotiations.services.restore import backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by export_all into an empty database (after migrate), in one transaction. "
        "The user accounts it names must exist, or be created inactive with --create-missing-users."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument(
            "--create-missing-users",
            action="store_true",
            help="create each account the backup names (note authors, editors) that is missing here, inactive and "
            "without a usable password, instead of refusing the import",
        )

    def handle(self, *args, directory, create_missing_users, **options):
        try:
            backup = backup_read(Path(directory))
            report = backup_restore(backup=backup, create_missing_users=create_missing_users)
        except BackupError as error:
            raise CommandError("Nothing was imported.\n" + "\n".join(error.problems)) from None
        for name, count in report.counts.items():
            self.stdout.write(f"{name}: {count}")
        if not backup.manifest.get("confidential_notes_included"):
            self.stdout.write("The backup holds no confidential notes (written without --include-confidential).")
        if report.groups_created:
            self.stdout.write("Groups created (empty, no permissions): " + ", ".join(report.groups_created))
        if report.users_created:
            self.stdout.write(
                "Accounts created inactive, without a usable password: " + ", ".join(report.users_created)
            )
        self.stdout.write(self.style.SUCCESS(f"Restored the backup written at {backup.manifest['written_at']}."))
