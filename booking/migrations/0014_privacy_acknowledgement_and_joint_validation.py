"""How the privacy notice was acknowledged (online, or read out by whom), and validated joints.

Adding a column with a default makes SQLite rebuild booking_appointment, which drops the
overlap triggers of 0004_overlap_guards: they are created again at the end (PostgreSQL's
exclusion constraint survives ALTER TABLE).
"""

import importlib

import booking.models.patients
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def sqlite_guards_again(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    guards = importlib.import_module("booking.migrations.0004_overlap_guards")
    guards.remove_guards(apps, schema_editor)
    guards.add_guards(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0013_patient_shared_contacts_and_duplicate_flags'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='appointment',
            name='privacy_acknowledged_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='appointment',
            name='privacy_acknowledged_how',
            field=models.CharField(blank=True, choices=[('online', 'Ticked on the online booking form'), ('read_out', 'Read out to the caller by staff')], max_length=20),
        ),
        migrations.AddField(
            model_name='historicalappointment',
            name='privacy_acknowledged_by',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalappointment',
            name='privacy_acknowledged_how',
            field=models.CharField(blank=True, choices=[('online', 'Ticked on the online booking form'), ('read_out', 'Read out to the caller by staff')], max_length=20),
        ),
        migrations.AlterField(
            model_name='historicalintake',
            name='joints',
            field=models.JSONField(blank=True, default=list, validators=[booking.models.patients.validate_joints]),
        ),
        migrations.AlterField(
            model_name='intake',
            name='joints',
            field=models.JSONField(blank=True, default=list, validators=[booking.models.patients.validate_joints]),
        ),
        migrations.RunPython(sqlite_guards_again, migrations.RunPython.noop, elidable=False),
    ]
