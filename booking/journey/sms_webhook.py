"""Twilio's webhook for texts sent to the clinic's number.

Every request must carry a valid X-Twilio-Signature, computed by Twilio over the URL it called
(the public SITE_URL, not what a proxy hands us) and the posted fields with our auth token.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from phonenumber_field.phonenumber import to_python
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from booking.messaging.sms.inbound import inbound_text_receive
from booking.profile import clinic_profile_get


def signature_valid(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.SITE_URL.rstrip("/") + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST.dict(), signature)


@csrf_exempt  # Twilio cannot send our CSRF token; the signature authenticates the request
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    if not signature_valid(request):
        return HttpResponseForbidden("Invalid signature.")
    sid = request.POST.get("MessageSid", "")
    number = to_python(request.POST.get("From", ""))
    if not sid or len(sid) > 64 or number is None or not number.is_valid():
        return HttpResponseBadRequest("MessageSid and a valid From number are required.")
    result = inbound_text_receive(
        provider_sid=sid,
        from_number=number.as_e164,
        body=request.POST.get("Body", ""),
        profile=clinic_profile_get(),
    )
    twiml = MessagingResponse()
    if result.reply:
        twiml.message(result.reply)
    return HttpResponse(str(twiml), content_type="text/xml")
