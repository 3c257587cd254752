"""Export everything held about one patient to a JSON file, as a named staff user (audited)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from booking.models import Patient
from booking.patients.data_rights import patient_export_json


class Command(BaseCommand):
    help = "Write one patient's data to a JSON file. The export is recorded in the audit trail."

    def add_arguments(self, parser) -> None:
        parser.add_argument("patient_id", type=int)
        parser.add_argument("--as", dest="username", required=True, help="Acting staff user.")
        parser.add_argument("--output", "-o", required=True, help="File to write (mode 0600).")

    def handle(self, *args, patient_id: int, username: str, output: str, **options) -> None:
        try:
            patient = Patient.objects.get(pk=patient_id)
        except Patient.DoesNotExist as exc:
            raise CommandError(f"No patient with id {patient_id}.") from exc
        try:
            user = get_user_model().objects.get_by_natural_key(username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user {username!r}.") from exc
        try:
            document = patient_export_json(patient=patient, acting_user=user)
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        path = Path(output)
        # Created private before any byte is written: the file holds health details.
        path.touch(mode=0o600, exist_ok=False)
        path.write_text(document, encoding="utf-8")
        self.stdout.write(f"Wrote patient {patient_id}'s data to {path}.")
