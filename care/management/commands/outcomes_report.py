"""The clinic's outcome figures per treatment and time point, as a table or JSON."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from care.report import outcomes_report, report_instrument

KEYS = (
    "treatment",
    "timepoint",
    "due",
    "answered",
    "median_change",
    "improved_pct_of_answered",
    "improved_pct_of_due",
)


class Command(BaseCommand):
    help = (
        "Outcomes per treatment and follow-up time point (missing answers count as not improved)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="A JSON list of objects.")
        parser.add_argument("--instrument", help="Instrument slug (default: the first one).")

    def handle(self, *args, **options):
        instrument = report_instrument(options.get("instrument"))
        if instrument is None:
            raise CommandError("No such instrument compared to baseline.")
        rows = outcomes_report(instrument=instrument, now=timezone.now())
        if options["json"]:
            self.stdout.write(json.dumps([{k: row.as_dict()[k] for k in KEYS} for row in rows]))
            return
        self.stdout.write(f"Outcomes on {instrument.name}")
        for row in rows:
            self.stdout.write(
                f"{row.treatment}, day {row.timepoint}: {row.answered}/{row.due} answered, "
                f"median change {row.median_change}, improved {row.improved_pct_of_answered}% "
                f"of answered, {row.improved_pct_of_due}% of due"
            )
