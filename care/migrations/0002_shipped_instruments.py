from django.db import migrations


def install(apps, schema_editor):
    from care.shipped import instruments_install

    instruments_install(
        instrument_model=apps.get_model("care", "Instrument"),
        item_model=apps.get_model("care", "InstrumentItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("care", "0001_plans_outcomes_consent")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
