"""A local SMTP sink for `make up`: a real SMTP server (aiosmtpd) on loopback that keeps every message it is given
as an .eml file, so a newcomer can read the reminders the timers send (`orderflow mail list`).

It accepts any sender and recipient and delivers nothing onwards. Each message is written to a hidden temporary
file and renamed into place, so a reader never sees half a message; the names sort by arrival:
`20261201T010000123456Z-000001.eml` (UTC, then a counter for messages within the same microsecond)."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
import signal
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from orderflow.logs import configure_logging

log = logging.getLogger("orderflow.mailsink")

# Reminders are a few kilobytes; this still takes a message with a scan attached, and stops a runaway client.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024
SUFFIX = ".eml"


class MailDir:
    """Where the messages are kept; also what the tests write through."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._counter = itertools.count(1)

    def keep(self, envelope_from: str, envelope_to: list[str], content: bytes,
             now: datetime | None = None) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        at = (now or datetime.now(UTC)).astimezone(UTC)
        name = f"{at:%Y%m%dT%H%M%S%f}Z-{next(self._counter):06d}{SUFFIX}"
        # The envelope as headers on top (like Delivered-To): a Bcc recipient is in no header of the message.
        head = (f"X-Sink-Envelope-From: {_one_line(envelope_from)}\r\n"
                f"X-Sink-Envelope-To: {_one_line(', '.join(envelope_to))}\r\n").encode()
        fd, temp = tempfile.mkstemp(prefix=".incoming-", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(head + content)
                fh.flush()
                os.fsync(fh.fileno())
            target = self.directory / name
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return target


def _one_line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


class KeepHandler:
    def __init__(self, maildir: MailDir) -> None:
        self.maildir = maildir

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's name
        content = envelope.original_content or b""
        try:
            path = await asyncio.to_thread(self.maildir.keep, envelope.mail_from or "", list(envelope.rcpt_tos),
                                           content)
        except OSError as err:
            log.error("could not keep a message: %s", err)
            return "451 Requested action aborted: could not store the message"  # the client tries again later
        log.info("kept %s (%d bytes) for %d recipient(s)", path.name, len(content), len(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


def _any_login(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    """A client configured with a login may use it: the sink keeps everything, whoever sends it."""
    return AuthResult(success=True)


def make_smtp(maildir: MailDir) -> SMTP:
    return SMTP(KeepHandler(maildir), data_size_limit=MAX_MESSAGE_BYTES, enable_SMTPUTF8=True,
                hostname="orderflow-mailsink", authenticator=_any_login, auth_require_tls=False)


async def serve(directory: Path, host: str = "127.0.0.1", port: int = 8025) -> None:
    maildir = MailDir(directory)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: make_smtp(maildir), host=host, port=port)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info("mail sink listening on %s:%d, keeping messages in %s", host, port, directory)
    async with server:
        await stop.wait()
    log.info("mail sink stopped")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local SMTP sink keeping every message as an .eml file.")
    parser.add_argument("--dir", type=Path, required=True, help="where the .eml files go")
    parser.add_argument("--host", default="127.0.0.1", help="loopback by default: it accepts from anyone")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args(argv)
    configure_logging()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's protocol trace names every address
    asyncio.run(serve(args.dir, args.host, args.port))


if __name__ == "__main__":
    main()
