"""Each article's body stored rendered (Markdown and nh3 once per edit, not per page view),
filled for the articles that exist. Article.save() keeps it current from now on."""

from django.db import migrations, models


def render_existing(apps, schema_editor):
    from education.markup import body_fingerprint, render_markdown

    Article = apps.get_model("education", "Article")
    for article in Article.objects.only("pk", "body").iterator():
        Article.objects.filter(pk=article.pk).update(
            body_rendered=render_markdown(article.body),
            body_rendered_of=body_fingerprint(article.body),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("education", "0005_spanish_starter_articles"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="body_rendered",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="article",
            name="body_rendered_of",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        # Nothing to undo: going back drops the two columns.
        migrations.RunPython(render_existing, migrations.RunPython.noop, elidable=True),
    ]
