from django.db import migrations, models


def fill(apps, schema_editor):
    from care.shipped import instruments_spanish_fill

    instruments_spanish_fill(
        instrument_model=apps.get_model("care", "Instrument"),
        item_model=apps.get_model("care", "InstrumentItem"),
    )


class Migration(migrations.Migration):
    """Spanish twins of what a patient reads of an instrument, filled in for the shipped ones."""

    dependencies = [("care", "0004_consent_text_in_spanish")]

    operations = [
        migrations.AddField(
            model_name="instrument",
            name="name_es",
            field=models.CharField(blank=True, max_length=120, verbose_name="name (Spanish)"),
        ),
        migrations.AddField(
            model_name="instrument",
            name="instructions_es",
            field=models.TextField(blank=True, verbose_name="instructions (Spanish)"),
        ),
        migrations.AddField(
            model_name="instrumentitem",
            name="prompt_es",
            field=models.CharField(blank=True, max_length=300, verbose_name="prompt (Spanish)"),
        ),
        migrations.AddField(
            model_name="instrumentitem",
            name="min_label_es",
            field=models.CharField(
                blank=True, max_length=100, verbose_name="min label (Spanish)"
            ),
        ),
        migrations.AddField(
            model_name="instrumentitem",
            name="max_label_es",
            field=models.CharField(
                blank=True, max_length=100, verbose_name="max label (Spanish)"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
