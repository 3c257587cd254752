"""Re-apply the staff roles once care's RescheduleAlert exists: reception and clinicians see the
plans to reschedule and mark them handled (booking never imports care; this only orders the
migrations so the permissions exist when roles_sync runs)."""

from django.db import migrations


def resync_roles(apps, schema_editor):
    from booking.backoffice.roles import roles_sync

    roles_sync(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0022_reports_permission_roles_resync"),
        ("care", "0003_reschedule_alert"),
    ]

    operations = [migrations.RunPython(resync_roles, migrations.RunPython.noop)]
