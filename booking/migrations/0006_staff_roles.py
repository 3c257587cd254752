"""The four staff groups (Reception, Clinician, Clinic manager, Content editor) and their
permissions. The logic lives in booking.roles.roles_sync so seed_demo can re-apply it."""

from django.db import migrations


def create_roles(apps, schema_editor):
    from booking.backoffice.roles import roles_sync

    roles_sync(apps=apps)


def remove_roles(apps, schema_editor):
    from booking.backoffice.roles import ROLES

    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0005_emails_ledger"),
        ("education", "0002_starter_articles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
