from django.core.management.base import BaseCommand

from negotiations.models import Agreement, Chapter, Party, Round
from negotiations.seeding import seed_all


class Command(BaseCommand):
    help = "Load the shipped seed data (countries, blocs, chapter catalog, real negotiations). Safe to run again."

    def handle(self, *args, **options):
        seed_all()
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seed data loaded: {Party.objects.count()} parties, {Chapter.objects.count()} chapters, "
                    f"{Agreement.objects.count()} agreements, {Round.objects.count()} rounds."
                )
            )
