"""The JSON availability endpoint (to be completed)."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def availability(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"error": "not implemented"}, status=501)
