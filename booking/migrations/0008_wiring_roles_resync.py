"""Re-apply the staff roles after 0007 added the data-rights permissions (export, anonymise) and
the AuditEvent model: 0006 ran before they existed, so the Clinic manager group lacked them."""

from django.db import migrations


def resync_roles(apps, schema_editor):
    from booking.backoffice.roles import roles_sync

    roles_sync(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0007_prod_audit"),
        ("education", "0002_starter_articles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(resync_roles, migrations.RunPython.noop)]
