"""``python manage.py generate_synthetic --scale {S,M,L} --seed N``: deterministic test data at scale.

L is 1,000 agreements, 20,000 rounds, 200,000 chapter-progress rows and 500,000 notes; S and M
are 1/100 and 1/10 of that. See ``negotiations.synthetic`` for the shapes. ``--clear`` removes
earlier synthetic rows (agreements with slugs ``synthetic-…``) first, or alone.
"""

import argparse
import time

from django.core.management.base import BaseCommand, CommandError

from negotiations.synthetic import SCALES, SyntheticCounts, synthetic_clear, synthetic_exists, synthetic_generate


class Command(BaseCommand):
    help = "Generate deterministic synthetic agreements, rounds, chapter progress and notes (scale S, M or L)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=str.upper,
            choices=list(SCALES),
            help="S: 10 agreements / 5,000 notes; M: 10x S; L: 100x S (1,000 agreements / 500,000 notes).",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--clear", action="store_true", help="Remove earlier synthetic rows first.")
        # For tests: any fraction of scale L (e.g. 0.001 is one agreement with 20 rounds).
        parser.add_argument("--factor", type=float, help=argparse.SUPPRESS)

    def handle(self, *args, scale, seed, clear, factor, **options):
        if scale is None and factor is None and not clear:
            raise CommandError("Give --scale S, M or L (and/or --clear).")
        if clear:
            started = time.perf_counter()
            removed = synthetic_clear()
            self.stdout.write(f"Removed {removed} synthetic agreements in {time.perf_counter() - started:.1f} s.")
        if scale is None and factor is None:
            return
        if synthetic_exists():
            raise CommandError("Synthetic data is already present; add --clear to replace it.")

        counts = SyntheticCounts.for_factor(factor if factor is not None else SCALES[scale])
        self.stdout.write(
            f"Generating {counts.agreements} agreements, {counts.rounds} rounds, {counts.progress} chapter-progress "
            f"rows and {counts.notes} notes (seed {seed})."
        )
        self.stdout.write("The audit trail (django-simple-history) is skipped for synthetic rows.")
        started = time.perf_counter()
        report = synthetic_generate(counts=counts, seed=seed, log=self.stdout.write)
        elapsed = time.perf_counter() - started
        if report.parties_created:
            self.stdout.write(f"Created {report.parties_created} missing ISO 3166-1 countries as parties.")
        if report.chapters_created:
            self.stdout.write(f"Created the {report.chapters_created} catalog chapters (no chapters were loaded).")
        summary = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in report.counts.items())
        self.stdout.write(self.style.SUCCESS(f"Created {summary} in {elapsed:.1f} s."))
