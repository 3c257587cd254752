"""The patient-education library: topics and medically reviewed articles written in Markdown."""

from __future__ import annotations

import math
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from booking.interface import Joint, localized
from education.markup import body_fingerprint, render_markdown

# Paths the app serves itself under /learn/: an article with one of these slugs would be
# unreachable (or would hide the page), so the slug is refused.
RESERVED_SLUGS = frozenset({"feed", "search", "topics"})
WORDS_PER_MINUTE = 200
# The languages an article is written in (settings.LANGUAGES); English is the original's.
LANGUAGE_CHOICES = [("en", "English"), ("es", "Spanish")]


def validate_not_reserved_slug(value: str) -> None:
    if value.lower() in RESERVED_SLUGS:
        raise ValidationError(
            "“%(value)s” is used by the site itself; choose another slug.",
            code="reserved_slug",
            params={"value": value},
        )


class Topic(models.Model):
    """A group of articles. One topic for every language: its page lists each language's
    articles under the same slug (/learn/topics/<slug>/, /es/learn/topics/<slug>/)."""

    name = models.CharField(max_length=120)
    name_es = models.CharField(
        "name (Spanish)", max_length=120, blank=True, help_text="Empty: the English name."
    )
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True, help_text="One or two sentences shown on /learn/.")
    description_es = models.TextField(
        "description (Spanish)", blank=True, help_text="Empty: the English description."
    )
    display_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["display_order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("education:topic_detail", args=[self.slug])

    @property
    def display_name(self) -> str:
        """The name in the reader's language (the English one until it is translated)."""
        return localized(self, "name")

    @property
    def display_description(self) -> str:
        return localized(self, "description")


class ArticleQuerySet(models.QuerySet):
    def published(self, *, now=None) -> ArticleQuerySet:
        """Live for the public: published, and the publish date has come."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def in_language(self, language: str) -> ArticleQuerySet:
        return self.filter(language=language)

    def due_for_review(self, *, today=None) -> ArticleQuerySet:
        """Never reviewed, or last reviewed longer ago than EDUCATION_REVIEW_MAX_AGE_DAYS."""
        today = today or timezone.localdate()
        cutoff = today - timedelta(days=settings.EDUCATION_REVIEW_MAX_AGE_DAYS)
        return self.filter(
            models.Q(last_reviewed_on__isnull=True) | models.Q(last_reviewed_on__lt=cutoff)
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    title = models.CharField(max_length=160)
    slug = models.SlugField(
        max_length=160,
        validators=[validate_not_reserved_slug],
        help_text="The article's address: /learn/<slug>/ (Spanish: /es/learn/<slug>/), unique "
        "per language. Changing it breaks existing links.",
    )
    language = models.CharField(
        max_length=8,
        choices=LANGUAGE_CHOICES,
        default="en",
        help_text="The language the article is written in.",
    )
    # Each version has its own medical review and is published on its own: a translation is
    # never shown because the original was reviewed.
    translation_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name="translation of",
        help_text="The original this article is a version of, in another language. Links the "
        "two pages for readers and search engines.",
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="articles")
    summary = models.CharField(
        max_length=300,
        help_text="One or two plain sentences: shown in lists, search results and to search "
        "engines.",
    )
    body = models.TextField(
        help_text="Markdown. Use ## for section headings. Raw HTML and scripts are removed."
    )
    image = models.ImageField(upload_to="education/", blank=True)
    image_alt = models.CharField(
        max_length=200,
        blank=True,
        help_text="What the image shows, for patients using a screen reader. Required with an "
        "image.",
    )
    author = models.CharField(max_length=120, blank=True, help_text="Name shown as the writer.")
    medical_reviewer = models.CharField(
        max_length=120,
        blank=True,
        help_text="The clinician who checked the medical content, with credentials "
        "(e.g. Dr. Anika Patel, MD).",
    )
    last_reviewed_on = models.DateField(
        null=True, blank=True, help_text="When the medical reviewer last checked the article."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The article goes live at this moment (a future date schedules it).",
    )
    related = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="+", verbose_name="related articles"
    )
    consultation_type = models.ForeignKey(
        "booking.ConsultationType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        help_text="The consultation the article's call to book leads to.",
    )
    # The body as the page shows it, rendered when the body is saved: Markdown and nh3 cost
    # several milliseconds an article, paid once per edit instead of on every page view.
    # `body_rendered_of` says which body (and which rules of education.markup) it was made
    # from, so a body changed by QuerySet.update() or raw SQL is rendered afresh, never shown
    # stale.
    body_rendered = models.TextField(blank=True, editable=False)
    body_rendered_of = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()
    # The rendered body is derived data: the history keeps what editors wrote.
    history = HistoricalRecords(excluded_fields=["updated_at", "body_rendered", "body_rendered_of"])

    class Meta:
        ordering = ["-published_at", "title"]
        permissions = [("publish_article", "Can publish articles")]
        indexes = [models.Index(fields=["status", "published_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
                name="article_published_has_date",
            ),
            models.UniqueConstraint(
                fields=["language", "slug"],
                name="article_slug_per_language",
                violation_error_message="Another article in this language has this slug.",
            ),
            # One version per language of an original.
            models.UniqueConstraint(
                fields=["translation_of", "language"],
                name="article_one_version_per_language",
                violation_error_message="That original already has a version in this language.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "body" in update_fields:
            self.render_body()
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "body_rendered", "body_rendered_of"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        """The article's own language's address, whatever language the page linking to it is in."""
        with translation.override(self.language):
            return reverse("education:article_detail", args=[self.slug])

    @property
    def original_id(self) -> int | None:
        """What every version of one article shares: the original's id."""
        return self.translation_of_id or self.pk

    def clean(self) -> None:
        errors = {}
        errors.update(self._translation_errors())
        if self.image and not self.image_alt.strip():
            errors["image_alt"] = "Describe the image for patients who cannot see it."
        if self.status == self.Status.PUBLISHED:
            if not self.medical_reviewer.strip():
                errors["medical_reviewer"] = (
                    "A medical reviewer must check an article before it is published."
                )
            if self.last_reviewed_on is None:
                errors["last_reviewed_on"] = "Enter the date of the medical review."
        if errors:
            raise ValidationError(errors)

    def _translation_errors(self) -> dict[str, str]:
        original = self.translation_of
        if original is None:
            return {}
        if self.pk and original.pk == self.pk:
            return {"translation_of": "An article cannot be a version of itself."}
        if original.translation_of_id is not None:
            return {
                "translation_of": f"“{original}” is itself a version of another article: link to "
                "that original instead."
            }
        if original.language == self.language:
            return {"translation_of": "The original must be in another language."}
        if self.pk and self.translations.exists():
            return {
                "translation_of": "Other articles are versions of this one, so it is an "
                "original itself."
            }
        return {}

    @property
    def is_live(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    def render_body(self) -> None:
        """Fill `body_rendered` from `body` (unless it already is, from this very body)."""
        fingerprint = body_fingerprint(self.body)
        if self.body_rendered_of != fingerprint:
            self.body_rendered = render_markdown(self.body)
            self.body_rendered_of = fingerprint

    @cached_property
    def body_html(self) -> str:
        if self.body_rendered_of == body_fingerprint(self.body):
            return self.body_rendered
        return render_markdown(self.body)

    @property
    def reading_minutes(self) -> int:
        words = len(re.findall(r"\w+", self.body))
        return max(1, math.ceil(words / WORDS_PER_MINUTE))

    @property
    def review_is_due(self) -> bool:
        if self.last_reviewed_on is None:
            return True
        age = timezone.localdate() - self.last_reviewed_on
        return age > timedelta(days=settings.EDUCATION_REVIEW_MAX_AGE_DAYS)


class ArticleJoint(models.Model):
    """Which joints an article is about, so the booking journey can suggest it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="joint_tags")
    joint = models.CharField(max_length=20, choices=Joint.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "joint"], name="article_joint_once")
        ]
        indexes = [models.Index(fields=["joint"])]

    def __str__(self) -> str:
        return self.get_joint_display()
