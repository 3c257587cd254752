# The calendar feed's token is no longer stored: only its SHA-256. Every existing address keeps
# working (the feed is found by the hash of the token in the URL it was subscribed with).

import hashlib
import secrets

from django.db import migrations, models


def hash_the_tokens(apps, schema_editor):
    CalendarFeed = apps.get_model("booking", "CalendarFeed")
    for feed in CalendarFeed.objects.only("pk", "token"):
        feed.token_hash = hashlib.sha256(feed.token.encode()).hexdigest()
        feed.save(update_fields=["token_hash"])


def new_tokens(apps, schema_editor):
    # Backwards: a hash cannot be turned back into its token, so every feed gets a new address
    # (subscriptions made before must be made again from the clinician's page).
    CalendarFeed = apps.get_model("booking", "CalendarFeed")
    for feed in CalendarFeed.objects.only("pk"):
        feed.token = secrets.token_urlsafe(32)
        feed.save(update_fields=["token"])


class Migration(migrations.Migration):

    dependencies = [
        ('booking', '0027_appointment_patient_start_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='calendarfeed',
            name='token_hash',
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        # Nullable while it goes, so that going back can add it to existing rows (then fill it).
        migrations.AlterField(
            model_name='calendarfeed',
            name='token',
            field=models.CharField(editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.RunPython(hash_the_tokens, new_tokens),
        migrations.RemoveField(
            model_name='calendarfeed',
            name='token',
        ),
        migrations.AlterField(
            model_name='calendarfeed',
            name='token_hash',
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]
