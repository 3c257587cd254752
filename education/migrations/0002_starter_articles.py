"""The starter article set, as drafts awaiting medical review (no reviewer, not public).

A clinician must review each one and a publisher publish it; `seed_demo` does both for the demo
under a placeholder reviewer. Articles or topics that already exist are left alone.
"""

from django.db import migrations


def load_starter_articles(apps, schema_editor):
    from education.starter import TOPICS, starter_articles

    Topic = apps.get_model("education", "Topic")
    Article = apps.get_model("education", "Article")
    ArticleJoint = apps.get_model("education", "ArticleJoint")
    ConsultationType = apps.get_model("booking", "ConsultationType")

    topics = {}
    for spec in TOPICS:
        spec = dict(spec)
        slug = spec.pop("slug")
        topics[slug], _ = Topic.objects.get_or_create(slug=slug, defaults=spec)
    consultation_types = {ct.slug: ct for ct in ConsultationType.objects.all()}
    for starter in starter_articles():
        if Article.objects.filter(slug=starter.slug).exists():
            continue
        article = Article.objects.create(
            slug=starter.slug,
            title=starter.title,
            topic=topics[starter.topic],
            summary=starter.summary,
            body=starter.body,
            status="draft",
            consultation_type=consultation_types.get(starter.consultation),
        )
        ArticleJoint.objects.bulk_create(
            [ArticleJoint(article=article, joint=joint) for joint in starter.joints]
        )


class Migration(migrations.Migration):
    dependencies = [("education", "0001_initial")]

    operations = [migrations.RunPython(load_starter_articles, migrations.RunPython.noop)]
