from django.core.management.base import BaseCommand, CommandError

from negotiations.record_check import RULES, record_problems


class Command(BaseCommand):
    help = (
        "Check the record against its own rules (every fact cited, every source linkable, the calendar "
        "consistent, known parties, timelines in date order). Exits non-zero and lists the problems if any."
    )

    def handle(self, *args, **options):
        problems = record_problems()
        if not problems:
            if options["verbosity"]:
                self.stdout.write(self.style.SUCCESS("The record keeps its rules: no problems found."))
            return
        for rule, description in RULES.items():
            found = [problem for problem in problems if problem.rule == rule]
            if found:
                self.stdout.write(f"{rule} — {description} ({len(found)}):")
                for problem in found:
                    self.stdout.write(f"  {problem.where}: {problem.message}")
        raise CommandError(f"The record breaks its rules in {len(problems)} place(s); see above.")
