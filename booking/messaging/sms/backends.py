"""SMS backends, shaped like Django's email backends: a connection with open(),
send_messages([...]) and close(), chosen by the SMS_BACKEND setting.

- FileBackend (default): one readable .txt file per text in SMS_OUTBOX_DIR, for developers.
- LocmemBackend: keeps texts in `outbox` (tests).
- TwilioBackend: Twilio's official library; credentials from the environment (settings).
"""

from __future__ import annotations

import re
import threading
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from booking.messaging.sms.message import (
    SmsRecipientUnsubscribed,
    SmsRejected,
    SmsThrottled,
    TextMessage,
)

# Every text sent through a LocmemBackend, like django.core.mail.outbox.
outbox: list[TextMessage] = []

# Twilio error codes (https://www.twilio.com/docs/api/errors) that are worth a retry; every other
# 4xx is final. 5xx answers and network errors are always retried.
TRANSIENT_TWILIO_CODES = frozenset({20429, 20500, 20503, 30022})
UNSUBSCRIBED_TWILIO_CODE = 21610


class BaseSmsBackend:
    def __init__(self, *, fail_silently: bool = False) -> None:
        self.fail_silently = fail_silently

    def open(self) -> bool:
        return False

    def close(self) -> None:
        return None

    def send_messages(self, messages: list[TextMessage]) -> int:
        raise NotImplementedError

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocmemBackend(BaseSmsBackend):
    def send_messages(self, messages: list[TextMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


class FileBackend(BaseSmsBackend):
    """Writes `<time>-<to>-<ledger id>.txt` with the recipient, length and body, readable as is."""

    _lock = threading.Lock()

    def __init__(self, *, directory: Path | str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.directory = Path(directory or settings.SMS_OUTBOX_DIR)

    def send_messages(self, messages: list[TextMessage]) -> int:
        self.directory.mkdir(parents=True, exist_ok=True)
        for text in messages:
            stamp = datetime.now(tz=timezone.get_current_timezone()).strftime("%Y%m%d-%H%M%S-%f")
            safe_to = re.sub(r"[^0-9+]", "", text.to)
            name = f"{stamp}-{safe_to}-{text.message_id or 'adhoc'}.txt"
            content = f"To: {text.to}\nCharacters: {len(text.body)}\n\n{text.body}\n"
            with self._lock:
                (self.directory / name).write_text(content, encoding="utf-8")
        return len(messages)


class TwilioBackend(BaseSmsBackend):
    """Sends through Twilio's Messages API with the official `twilio` library.

    Twilio's errors become the ledger's: a rate limit or a 5xx is transient (the ledger retries
    with backoff), an invalid number is final, and 21610 (the recipient replied STOP to our
    sender) is final and recorded as the patient's opt-out, so we stop trying. Each text asks
    for a StatusCallback (`status_callback_url`), and its MessageSid goes back to the ledger on
    the TextMessage, so the delivery reports find the row.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.client = None

    def open(self) -> bool:
        if self.client is not None:
            return False
        http_client = RebasedHttpClient(
            base_url=settings.TWILIO_API_BASE_URL,
            timeout=float(settings.EMAIL_TASK_TIME_LIMIT_SECONDS) / 6,
        )
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client
        )
        return True

    def close(self) -> None:
        self.client = None

    def send_messages(self, messages: list[TextMessage]) -> int:
        created = self.open()
        try:
            for text in messages:
                sender = (
                    {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
                    if settings.TWILIO_MESSAGING_SERVICE_SID
                    else {"from_": settings.TWILIO_FROM_NUMBER}
                )
                try:
                    sent = self.client.messages.create(
                        to=text.to,
                        body=text.body,
                        status_callback=status_callback_url(),
                        **sender,
                    )
                except TwilioRestException as exc:
                    raise _translate(exc, text) from exc
                text.provider_id = sent.sid or ""
        finally:
            if created:
                self.close()
        return len(messages)


def status_callback_url() -> str:
    """Where Twilio reports each text's delivery (journey/sms_webhook.py), on the public
    SITE_URL: Twilio signs the URL it calls, and the webhook checks the signature against it."""
    return settings.SITE_URL.rstrip("/") + reverse("booking:sms_status")


def _translate(exc: TwilioRestException, text: TextMessage) -> Exception:
    description = f"Twilio {exc.status} error {exc.code}: {exc.msg}"
    if exc.code == UNSUBSCRIBED_TWILIO_CODE:
        if text.patient_id is not None:
            from booking.messaging.sms.consent import sms_opt_out_record

            sms_opt_out_record(
                patient_id=text.patient_id, reason="Twilio 21610: the recipient replied STOP."
            )
        return SmsRecipientUnsubscribed(description, code=exc.code)
    if exc.status == 429 or exc.status >= 500 or exc.code in TRANSIENT_TWILIO_CODES:
        return SmsThrottled(description, code=exc.code)
    return SmsRejected(description, code=exc.code)


class RebasedHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, with api.twilio.com swapped for TWILIO_API_BASE_URL when set
    (a local test server or a staging gateway). No retries here: the ledger retries."""

    def __init__(self, *, base_url: str = "", timeout: float | None = None) -> None:
        super().__init__(timeout=timeout)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if self.base_url:
            url = re.sub(r"^https://[a-z0-9.-]*twilio\.com", self.base_url, url)
        return super().request(method, url, *args, **kwargs)


def sms_connection(*, backend: str | None = None, **kwargs) -> BaseSmsBackend:
    """A connection of the configured SMS_BACKEND (or `backend`), like get_connection()."""
    return import_string(backend or settings.SMS_BACKEND)(**kwargs)
