from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from booking.interface import Joint
from education import services
from education.models import Article, ArticleJoint, Topic

PUBLISH_PERMISSION = "education.publish_article"


class ReviewDueFilter(admin.SimpleListFilter):
    title = "medical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [("due", "Due for re-review"), ("current", "Up to date")]

    def queryset(self, request, queryset):
        due = Article.objects.due_for_review().values("pk")
        if self.value() == "due":
            return queryset.filter(pk__in=due)
        if self.value() == "current":
            return queryset.exclude(pk__in=due)
        return queryset


class ArticleAdminForm(forms.ModelForm):
    joints = forms.MultipleChoiceField(
        choices=Joint.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The booking confirmation suggests this article to patients with pain here.",
    )

    class Meta:
        model = Article
        fields = [
            "title",
            "slug",
            "language",
            "translation_of",
            "topic",
            "summary",
            "body",
            "image",
            "image_alt",
            "author",
            "medical_reviewer",
            "last_reviewed_on",
            "status",
            "published_at",
            "consultation_type",
            "related",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["joints"].initial = [tag.joint for tag in self.instance.joint_tags.all()]
        if "translation_of" in self.fields:
            # Only originals: a version of a version would leave readers nowhere to switch.
            originals = Article.objects.filter(translation_of__isnull=True).order_by("title")
            if self.instance.pk:
                originals = originals.exclude(pk=self.instance.pk)
            self.fields["translation_of"].queryset = originals

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            # Publishing without a date means "now"; the model's check needs a date.
            cleaned["published_at"] = timezone.now()
            self.instance.published_at = cleaned["published_at"]
        return cleaned


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "name_es", "slug", "display_order"]
    list_editable = ["display_order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "name_es"]
    fields = [("name", "name_es"), "slug", ("description", "description_es"), "display_order"]


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "language",
        "other_versions",
        "topic",
        "status_label",
        "published_at",
        "medical_reviewer",
        "last_reviewed_on",
        "review_due",
    ]
    list_filter = ["language", "status", "topic", ReviewDueFilter, "last_reviewed_on"]
    list_select_related = ["topic", "translation_of"]
    search_fields = ["title", "summary", "body", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    autocomplete_fields = ["topic"]
    filter_horizontal = ["related"]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "topic", "summary", "body", "rendered_preview"]}),
        (
            "Language",
            {
                "fields": ["language", "translation_of", "versions"],
                "description": "Each language's version is its own article: its own medical "
                "review, and published on its own. Link a translation to its original so readers "
                "and search engines find the other language.",
            },
        ),
        ("Image", {"fields": ["image", "image_alt"]}),
        ("Medical review", {"fields": ["author", "medical_reviewer", "last_reviewed_on"]}),
        ("Publishing", {"fields": ["status", "published_at"]}),
        ("Links", {"fields": ["joints", "consultation_type", "related"]}),
    ]

    class Media:
        css = {"all": ["css/education.css"]}

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if request.method == "GET" and "review" not in request.GET:
            due = Article.objects.due_for_review().count()
            if due:
                messages.warning(
                    request,
                    f"{due} article(s) are due for medical re-review (never reviewed, or "
                    f"reviewed more than {settings.EDUCATION_REVIEW_MAX_AGE_DAYS} days ago). "
                    "Use the “By medical review” filter to list them.",
                )
        return super().changelist_view(request, extra_context)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = ["rendered_preview", "versions"]
        if not self.has_publish_permission(request):
            # Setting the date is scheduling, which is publishing too.
            readonly += ["status", "published_at"]
        return readonly

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PUBLISH_PERMISSION)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        article = form.instance
        wanted = set(form.cleaned_data.get("joints", []))
        article.joint_tags.exclude(joint__in=wanted).delete()
        existing = set(article.joint_tags.values_list("joint", flat=True))
        ArticleJoint.objects.bulk_create(
            [ArticleJoint(article=article, joint=joint) for joint in sorted(wanted - existing)]
        )

    @admin.display(description="status")
    def status_label(self, obj: Article) -> str:
        if obj.status == Article.Status.DRAFT:
            return "Draft"
        return "Live" if obj.is_live else "Scheduled"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        return super().get_queryset(request).prefetch_related("translations")

    @admin.display(description="other languages")
    def other_versions(self, obj: Article) -> str:
        """The other versions' languages and states, from the original's side and the
        translation's."""
        others = list(obj.translations.all())
        if obj.translation_of is not None:
            others.append(obj.translation_of)
        if not others:
            return "–"
        return format_html_join(
            ", ",
            '<a href="{}">{} ({})</a>',
            (
                (
                    reverse("admin:education_article_change", args=[o.pk]),
                    o.get_language_display(),
                    self.status_label(o),
                )
                for o in others
            ),
        )

    @admin.display(description="versions in other languages")
    def versions(self, obj: Article) -> str:
        if not obj.pk:
            return "Save the article first."
        if obj.translation_of_id is not None:
            return format_html("A version of the original: {}.", self.other_versions(obj))
        links = self.other_versions(obj)
        have = {t.language for t in obj.translations.all()} | {obj.language}
        missing = [(code, name) for code, name in Article._meta.get_field("language").choices]
        adds = format_html_join(
            " ",
            '<a class="addlink" href="{}?{}">Add a {} version</a>',
            (
                (
                    reverse("admin:education_article_add"),
                    urlencode({"translation_of": obj.pk, "language": code, "topic": obj.topic_id}),
                    name,
                )
                for code, name in missing
                if code not in have
            ),
        )
        return format_html("{} {}", links, adds)

    @admin.display(description="re-review due", boolean=True)
    def review_due(self, obj: Article) -> bool:
        return obj.review_is_due

    @admin.display(description="preview")
    def rendered_preview(self, obj: Article) -> str:
        if not obj.pk:
            return "Save the article to see a preview."
        # body_html is sanitised (education.markup), so it is safe to mark as such.
        return format_html(
            '<div class="education-admin-preview">{}</div><p><a href="{}">Open the full page '
            "preview</a> (visible to staff only while it is a draft).</p>",
            mark_safe(obj.body_html),  # noqa: S308
            obj.get_absolute_url(),
        )

    @admin.action(description="Publish selected articles", permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        outcome = services.article_publish(articles=queryset)
        if outcome.published:
            self.message_user(request, f"Published {len(outcome.published)} article(s).")
        if outcome.awaiting_review:
            titles = ", ".join(a.title for a in outcome.awaiting_review)
            self.message_user(
                request,
                f"Not published, a medical reviewer and review date are needed first: {titles}.",
                messages.WARNING,
            )

    @admin.action(description="Unpublish selected articles", permissions=["publish"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        count = services.article_unpublish(articles=queryset)
        self.message_user(request, f"Unpublished {count} article(s).")
