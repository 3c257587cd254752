"""Twilio's webhooks: texts sent to the clinic's number, and delivery reports of ours.

Every request must carry a valid X-Twilio-Signature, computed by Twilio over the URL it called
(the public SITE_URL, not what a proxy hands us) and the posted fields with our auth token.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from phonenumber_field.phonenumber import to_python
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from booking.messaging.sms.inbound import inbound_text_receive
from booking.messaging.sms.status import delivery_status_of, sms_delivery_status_record
from booking.profile import clinic_profile_get

logger = logging.getLogger(__name__)


SID = re.compile(r"[A-Za-z0-9]{2,64}")


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


@csrf_exempt  # Twilio cannot send our CSRF token; the signature authenticates the request
@require_POST
def sms_status(request: HttpRequest) -> HttpResponse:
    """Twilio's StatusCallback for a text we sent: moves the ledger row's delivery status.

    Answers 200 whenever the request was Twilio's and well formed, also for a text we do not
    know or a status we do not track, since Twilio retries on errors and nothing would change.
    """
    if not signature_valid(request):
        return HttpResponseForbidden("Invalid signature.")
    sid = request.POST.get("MessageSid", "")
    provider_status = request.POST.get("MessageStatus", "")
    raw_code = request.POST.get("ErrorCode", "").strip()
    if not SID.fullmatch(sid) or not provider_status:
        return HttpResponseBadRequest("MessageSid and MessageStatus are required.")
    if raw_code and (not raw_code.isdigit() or len(raw_code) > 9):
        return HttpResponseBadRequest("ErrorCode must be a number.")
    status = delivery_status_of(provider_status)
    if status is None:
        logger.info("Delivery report with a status we do not track: %.20r", provider_status)
        return HttpResponse(status=200)
    sms_delivery_status_record(
        provider_id=sid, status=status, error_code=int(raw_code) if raw_code else None
    )
    return HttpResponse(status=200)
