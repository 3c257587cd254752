"""A short booking reference (8 readable characters) for every appointment, existing ones too.

Added nullable, filled in, then made unique and required. Altering booking_appointment makes
SQLite rebuild it, which drops the overlap triggers of 0004_overlap_guards: they are created
again at the end (PostgreSQL's exclusion constraint survives ALTER TABLE).
"""

import importlib

from django.db import migrations, models

import booking.models.appointments


def fill_short_references(apps, schema_editor):
    Appointment = apps.get_model("booking", "Appointment")
    taken = set()
    for appointment in Appointment.objects.filter(short_reference__isnull=True).only("pk"):
        code = booking.models.appointments.new_short_reference()
        while code in taken:
            code = booking.models.appointments.new_short_reference()
        taken.add(code)
        Appointment.objects.filter(pk=appointment.pk).update(short_reference=code)


def sqlite_guards_again(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    guards = importlib.import_module("booking.migrations.0004_overlap_guards")
    guards.remove_guards(apps, schema_editor)
    guards.add_guards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0019_clinic_text_name_and_quiet_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="appointment",
            name="short_reference",
            field=models.CharField(editable=False, max_length=8, null=True),
        ),
        migrations.RunPython(fill_short_references, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appointment",
            name="short_reference",
            field=models.CharField(
                default=booking.models.appointments.new_short_reference,
                editable=False,
                max_length=8,
                unique=True,
            ),
        ),
        migrations.AddField(
            model_name="historicalappointment",
            name="short_reference",
            field=models.CharField(
                db_index=True,
                default=booking.models.appointments.new_short_reference,
                editable=False,
                max_length=8,
            ),
        ),
        migrations.RunPython(sqlite_guards_again, migrations.RunPython.noop, elidable=False),
    ]
