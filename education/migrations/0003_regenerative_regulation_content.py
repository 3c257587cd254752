"""Starter content honest about US regulation: the new checklist article, and unreviewed text updated.

0002 reads education/content/ at migrate time, so a fresh install gets every file there. A database
migrated before "questions-before-regenerative-treatment" existed never got it: this adds it as a
draft awaiting medical review, like the others. Only that slug: re-creating every missing starter
would bring back articles an editor chose to delete.

Those databases also hold the first wording of the other starters (no FDA status, no sources, and
article 06 saying joint stem cells may become red blood cells). A starter whose body is still byte
for byte that first text, and which nobody has medically reviewed (no reviewer, or only the demo's
placeholder), takes the new text. Anything edited or really reviewed is left for a person: a
migration must not change reviewed medical content behind its reviewer's back.
"""

import hashlib

from django.db import migrations
from django.db.models import Q

NEW_SLUG = "questions-before-regenerative-treatment"
# education.demo.DEMO_REVIEWER, copied: a migration must not import the live app code.
DEMO_REVIEWER = "Demo reviewer (placeholder, not a real clinician)"
# SHA-256 of each body as 0002 first loaded it (education/content/ at commit 1b34daa).
FIRST_BODY_SHA256 = {
    "how-joints-work": "d9a90fa43f687300afd6b25fa170f46d4bd9d99e8d411a3c08fac07c3fb8a016",
    "osteoarthritis": "d2643670b7e539e90d616417da29218bef39b571d63b0f5092274bdb63d28768",
    "rheumatoid-arthritis": "a83a1d8b7260094498a36cd5dfe62ea91d96728460b553afd40e2ee56301d106",
    "joint-injuries": "e505b57bda7676d5367b7e0a421836990ade389fd82066473bc40996b1ffbae1",
    "tendonitis-and-bursitis": "e78f9caeee281d561a0f8711786a6900678fa8cd71f2561c5dc8f994568fae7d",
    "what-is-stem-cell-therapy": "5ff5a1119947c032b70f86c51145c31d86b2e2d7eb8de410071ea088ee00e8f5",
    "how-stem-cell-therapy-may-work": (
        "07c57c0ade80b4da1d281f1fcddd13bb4a0fd398b059c950aabb1abead31cbb3"
    ),
    "stem-cell-therapy-what-to-expect": (
        "13177ff9d05758e9e7878236abf744e709622c8e3184dbdc1ceac1a63abc1069"
    ),
    "professional-evaluation": "788d2bc93a15b6c5581cc6fc29484891f7ac5b6e7eeb71fe5f576bd8c8408c21",
}


def add_checklist_and_update_untouched_drafts(apps, schema_editor):
    from education.starter import TOPICS, starter_articles

    Topic = apps.get_model("education", "Topic")
    Article = apps.get_model("education", "Article")
    ArticleJoint = apps.get_model("education", "ArticleJoint")
    ConsultationType = apps.get_model("booking", "ConsultationType")

    starters = {starter.slug: starter for starter in starter_articles()}
    # .get: the file may be renamed or retired one day, and this migration must still run then.
    new = starters.get(NEW_SLUG)
    if new is not None and not Article.objects.filter(slug=NEW_SLUG).exists():
        spec = dict(next(t for t in TOPICS if t["slug"] == new.topic))
        topic, _ = Topic.objects.get_or_create(slug=spec.pop("slug"), defaults=spec)
        article = Article.objects.create(
            slug=new.slug,
            title=new.title,
            topic=topic,
            summary=new.summary,
            body=new.body,
            status="draft",
            consultation_type=ConsultationType.objects.filter(slug=new.consultation).first(),
        )
        ArticleJoint.objects.bulk_create(
            [ArticleJoint(article=article, joint=joint) for joint in new.joints]
        )

    unreviewed = Q(medical_reviewer="", last_reviewed_on__isnull=True) | Q(
        medical_reviewer=DEMO_REVIEWER
    )
    for article in Article.objects.filter(unreviewed, slug__in=FIRST_BODY_SHA256):
        untouched = hashlib.sha256(article.body.encode()).hexdigest() == (
            FIRST_BODY_SHA256[article.slug]
        )
        if untouched and article.slug in starters:
            article.body = starters[article.slug].body
            article.save(update_fields=["body", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [("education", "0002_starter_articles")]

    operations = [
        migrations.RunPython(add_checklist_and_update_untouched_drafts, migrations.RunPython.noop)
    ]
