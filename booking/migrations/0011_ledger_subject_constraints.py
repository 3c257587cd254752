# Separate from 0010: on PostgreSQL a table whose rows were just updated (with deferred foreign
# keys pending) cannot be altered in the same transaction.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0010_ledger_subject_and_channel'),
    ]

    operations = [
        migrations.AlterField(
            model_name='outboundmessage',
            name='patient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='booking.patient'),
        ),
        migrations.AlterField(
            model_name='outboundmessage',
            name='appointment',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='booking.appointment'),
        ),
        migrations.AddConstraint(
            model_name='outboundmessage',
            constraint=models.UniqueConstraint(condition=models.Q(('appointment__isnull', False)), fields=('appointment', 'kind', 'scheduled_for', 'channel'), name='message_once_per_appointment_moment'),
        ),
        migrations.AddConstraint(
            model_name='outboundmessage',
            constraint=models.UniqueConstraint(condition=models.Q(('appointment__isnull', True)), fields=('patient', 'kind', 'scheduled_for', 'channel'), name='message_once_per_patient_moment'),
        ),
        migrations.AddConstraint(
            model_name='outboundmessage',
            constraint=models.CheckConstraint(condition=models.Q(('appointment__isnull', True), ('appointment__isnull', False), _connector='OR'), name='message_has_at_most_one_subject'),
        ),
    ]
