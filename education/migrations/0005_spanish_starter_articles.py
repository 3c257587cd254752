"""The Spanish versions of the starter articles, as drafts awaiting their own medical review.

A translation is medical content too: it is published only once a clinician has checked the
Spanish words (seed_demo does that for the demo under its placeholder reviewer). Each is linked
to its English original when that exists. A Spanish article an editor already made for an
original, or one with the same slug, is left alone. The topics get their Spanish names where
nobody has written one.
"""

from django.db import migrations


def load_spanish_starter_articles(apps, schema_editor):
    from education.starter import TOPICS, TOPICS_ES, starter_articles

    Topic = apps.get_model("education", "Topic")
    Article = apps.get_model("education", "Article")
    ArticleJoint = apps.get_model("education", "ArticleJoint")
    ConsultationType = apps.get_model("booking", "ConsultationType")

    for topic in Topic.objects.filter(slug__in=TOPICS_ES, name_es=""):
        topic.name_es = TOPICS_ES[topic.slug]["name_es"]
        if not topic.description_es:
            topic.description_es = TOPICS_ES[topic.slug]["description_es"]
        topic.save(update_fields=["name_es", "description_es"])

    specs = {spec["slug"]: spec for spec in TOPICS}
    consultation_types = {ct.slug: ct for ct in ConsultationType.objects.all()}
    for starter in starter_articles("es"):
        if Article.objects.filter(language="es", slug=starter.slug).exists():
            continue
        original = Article.objects.filter(
            language="en", slug=starter.translation_of, translation_of__isnull=True
        ).first()
        if original and Article.objects.filter(translation_of=original, language="es").exists():
            continue
        spec = dict(specs[starter.topic])
        topic, _ = Topic.objects.get_or_create(
            slug=spec.pop("slug"), defaults={**spec, **TOPICS_ES.get(starter.topic, {})}
        )
        article = Article.objects.create(
            language="es",
            translation_of=original,
            slug=starter.slug,
            title=starter.title,
            topic=topic,
            summary=starter.summary,
            body=starter.body,
            status="draft",
            consultation_type=consultation_types.get(starter.consultation),
        )
        ArticleJoint.objects.bulk_create(
            [ArticleJoint(article=article, joint=joint) for joint in starter.joints]
        )


class Migration(migrations.Migration):
    dependencies = [("education", "0004_articles_in_languages")]

    operations = [
        migrations.RunPython(load_spanish_starter_articles, migrations.RunPython.noop)
    ]
