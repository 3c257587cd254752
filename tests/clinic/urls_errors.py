"""The project's URLs plus two that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from clinic import urls as project

SECRET = "needs booking.view_health_details for patient 4711"


def refuse(request):
    raise PermissionDenied(SECRET)


def fail(request):
    raise RuntimeError(SECRET)


urlpatterns = [
    path("test-errors/forbidden/", refuse),
    path("test-errors/broken/", fail),
    *project.urlpatterns,
]
handler403 = project.handler403
handler500 = project.handler500
