"""An SMS backend for the integration tests: the file outbox, and a SIGKILL of its own worker
process at the Nth text (SMS_KILL_AT), before that text is written, as a crash mid-send."""

from __future__ import annotations

import os
import signal

from booking.messaging.sms.backends import FileBackend


class KillingFileBackend(FileBackend):
    def send_messages(self, messages):
        kill_at = int(os.environ.get("SMS_KILL_AT", "0"))
        written = len(list(self.directory.glob("*.txt"))) if self.directory.exists() else 0
        if kill_at and written + 1 >= kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().send_messages(messages)
