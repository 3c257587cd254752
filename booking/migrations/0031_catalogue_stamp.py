"""The catalogue stamp the booking pages keep their reads under: a one-row table and triggers on
the profile, types, practitioners, their hours and closures (booking/catalogue.py says why)."""

from django.db import migrations


def install(apps, schema_editor):
    from booking.catalogue import STAMP

    STAMP.install(schema_editor)


def remove(apps, schema_editor):
    from booking.catalogue import STAMP

    STAMP.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("booking", "0030_report_and_day_view_indexes")]

    operations = [migrations.RunPython(install, remove, elidable=False)]
