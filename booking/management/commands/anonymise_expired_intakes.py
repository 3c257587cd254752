"""Anonymise intake answers past the clinic's retention period (beat runs this daily too)."""

from django.core.management.base import BaseCommand

from booking.patients.data_rights import intakes_anonymise_expired


class Command(BaseCommand):
    help = "Anonymise intake answers of visits older than ClinicProfile.intake_retention_days."

    def handle(self, *args, **options) -> None:
        count = intakes_anonymise_expired()
        self.stdout.write(f"Anonymised {count} intake(s).")
