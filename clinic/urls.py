from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from clinic import views
from clinic.sitemaps import SITEMAPS

# Without a language prefix: the machine-facing URLs, the back office, private links (booking's
# and care's, in the patient's stored language; see clinic/language.py).
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("care/", include("care.urls")),
    # booking's public pages carry the prefix themselves (booking/urls.py).
    path("", include("booking.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
# Public pages: English at /, Spanish at /es/ (one URL per language, for hreflang).
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("privacy/", TemplateView.as_view(template_name="privacy.html"), name="privacy"),
    path("learn/", include("education.urls")),
    prefix_default_language=False,
)
# Uploaded media in development only (static() adds nothing when DEBUG is off): production
# serves it from the shared bucket or the proxy (docs/deploy.md).
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler403 = "clinic.views.permission_denied"
handler500 = "clinic.views.server_error"

admin.site.site_header = "Clinic back office"
admin.site.site_title = "Clinic back office"
admin.site.index_title = "Today at the clinic"
