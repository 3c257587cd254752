"""Re-apply the staff groups' permissions (booking.roles); safe to run on every deploy."""

from django.core.management.base import BaseCommand

from booking.backoffice.roles import roles_sync


class Command(BaseCommand):
    help = "Create the staff groups and give each exactly its permissions (idempotent)."

    def handle(self, *args, **options) -> None:
        for role, count in roles_sync().items():
            self.stdout.write(f"{role}: {count} permissions")
