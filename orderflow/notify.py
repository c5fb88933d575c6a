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
