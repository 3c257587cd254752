from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
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

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            # Publishing without a date means "now"; the model's check needs a date.
            cleaned["published_at"] = timezone.now()
            self.instance.published_at = cleaned["published_at"]
        return cleaned


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "display_order"]
    list_editable = ["display_order"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    form = ArticleAdminForm
    list_display = [
        "title",
        "topic",
        "status_label",
        "published_at",
        "medical_reviewer",
        "last_reviewed_on",
        "review_due",
    ]
    list_filter = ["status", "topic", ReviewDueFilter, "last_reviewed_on"]
    list_select_related = ["topic"]
    search_fields = ["title", "summary", "body", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    autocomplete_fields = ["topic"]
    filter_horizontal = ["related"]
    actions = ["publish", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "topic", "summary", "body", "rendered_preview"]}),
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
        readonly = ["rendered_preview"]
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
