"""Re-apply the staff roles: the reports permission (booking.view_reports, manager only) and
the calendar feed model's permissions exist from now on."""

from django.db import migrations


def resync_roles(apps, schema_editor):
    from booking.backoffice.roles import roles_sync

    roles_sync(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0021_practitioner_calendar_feed"),
    ]

    operations = [migrations.RunPython(resync_roles, migrations.RunPython.noop)]
