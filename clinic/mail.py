"""The embedded default email backend: one readable .eml file per message."""

import email.policy
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class OutboxBackend(BaseEmailBackend):
    """Writes each message to EMAIL_OUTBOX_DIR as <timestamp>-<uuid>.eml, for any mail client."""

    def send_messages(self, email_messages) -> int:
        outbox = Path(settings.EMAIL_OUTBOX_DIR)
        outbox.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = outbox / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
            tmp = path.with_suffix(".tmp")
            # The SMTP policy writes CRLF line ends, as a mail client expects of an .eml file.
            tmp.write_bytes(message.message(policy=email.policy.SMTP).as_bytes())
            tmp.rename(path)  # atomic, so a reader never sees half a message
            sent += 1
        return sent
