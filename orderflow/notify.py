"""Where notifications go besides the notifications table. Pluggable: a webhook sender can be added."""

from __future__ import annotations

import logging
from typing import Protocol

from orderflow.contracts import NotifyInput

log = logging.getLogger("orderflow.notifications")


class Sender(Protocol):
    def send(self, note: NotifyInput) -> None: ...

    def send_text(self, recipient: str, kind: str, text: str) -> None: ...


class LogSender:
    """The text is typed (names, notes), so it is logged quoted (`%r`): where it starts and ends is plain, and a
    newline or escape in it is spelt out, never written."""

    def send(self, note: NotifyInput) -> None:
        log.info("notify %s about order %s (%s): %r", note.recipient, note.order_number, note.kind, note.text)

    def send_text(self, recipient: str, kind: str, text: str) -> None:
        log.info("notify %s (%s): %r", recipient, kind, text)


class SendFailed(Exception):
    """A channel refused or could not take a message. `permanent`: sending it again cannot help (a refused
    address, a revoked robot), so it is recorded as failed; otherwise the delivery is retried. The message never
    carries the robot URL, a secret or the recipient's address: it reaches logs and the workflow's history."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.message, self.permanent = message, permanent
