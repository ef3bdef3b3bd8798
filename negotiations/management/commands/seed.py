from django.core.management.base import BaseCommand, CommandError

from negotiations.models import Agreement, Chapter, Party, Round
from negotiations.seeding import SeedError, seed_all


class Command(BaseCommand):
    help = "Load the shipped seed data (countries, blocs, chapter catalog, real negotiations). Safe to run again."

    def handle(self, *args, **options):
        try:
            seed_all()
        except SeedError as error:  # nothing was written: the seed runs in one transaction
            raise CommandError(f"Seed data not loaded: {error}") from None
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seed data loaded: {Party.objects.count()} parties, {Chapter.objects.count()} chapters, "
                    f"{Agreement.objects.count()} agreements, {Round.objects.count()} rounds."
                )
            )
