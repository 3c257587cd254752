"""The content stamp the public page cache is keyed by: a one-row table and triggers on every
table the cached pages read (education/page_stamp.py says why triggers)."""

from django.db import migrations


def install(apps, schema_editor):
    from education.page_stamp import install

    install(schema_editor)


def remove(apps, schema_editor):
    from education.page_stamp import remove

    remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("education", "0006_article_body_rendered"),
        # The triggers go on booking's profile and consultation types too.
        ("booking", "0029_appointment_busy_until_index"),
    ]

    operations = [migrations.RunPython(install, remove, elidable=False)]
