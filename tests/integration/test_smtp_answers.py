"""How each SMTP answer is taken, against a scripted SMTP server over a real socket: only a refused recipient or
message is permanent, and nothing after the server accepted the message makes it count as failed."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from orderflow.mail import SmtpConfig, send_mail
from orderflow.notify import SendFailed
from tests.helpers import free_port


class Scripted:
    """An SMTP server answering each command as told (`answers` by command word, "GREETING" for the banner)."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers, self.accepted = answers, 0
        script = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                def say(line: str) -> None:
                    self.wfile.write(line.encode() + b"\r\n")

                say(script.answers.get("GREETING", "220 hello"))
                in_data = False
                while line := self.rfile.readline():
                    text = line.decode().strip()
                    if in_data:
                        if text == ".":
                            in_data = False
                            answer = script.answers.get("DOT", "250 queued")
                            script.accepted += answer.startswith("250")
                            say(answer)
                        continue
                    word = text.split(" ")[0].split(":")[0].upper()
                    say(script.answers.get(word, {"DATA": "354 go", "QUIT": "221 bye"}.get(word, "250 ok")))
                    if word == "DATA" and script.answers.get("DATA", "354").startswith("354"):
                        in_data = True
                    if word == "QUIT":
                        return

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.config = SmtpConfig("127.0.0.1", self.server.server_address[1], timeout=5)

    def __enter__(self) -> Scripted:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "orderflow@hq.example.com", "alice@bj.example.com", "x"
    msg.set_content("x")
    return msg


@pytest.mark.parametrize("quit_answer", ["421 closing", "554 no", "500 what"])
def test_a_bad_answer_to_quit_after_the_message_was_accepted_is_a_success(quit_answer: str):
    with Scripted({"QUIT": quit_answer}) as server:
        send_mail(server.config, message())  # raises nothing: the message was accepted
    assert server.accepted == 1


@pytest.mark.parametrize(("answers", "permanent"), [
    ({"GREETING": "554 no service"}, False),
    ({"EHLO": "550 no", "HELO": "550 no"}, False),
    ({"MAIL": "550 sender refused"}, False),
    ({"MAIL": "553 bad sender"}, False),
    ({"RCPT": "451 try later"}, False),
    ({"RCPT": "550 no such user"}, True),
    ({"DOT": "554 rejected as spam"}, True),
    ({"DOT": "451 try later"}, False),
    ({"DATA": "554 no data"}, True),
])
def test_only_a_refused_recipient_or_message_is_permanent(answers: dict[str, str], permanent: bool):
    with Scripted(answers) as server, pytest.raises(SendFailed) as failed:
        send_mail(server.config, message())
    assert failed.value.permanent is permanent
    assert server.accepted == 0


@pytest.fixture
def auth_server() -> Iterator[int]:
    class Inbox:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
            return "250 OK"

    port = free_port()
    server = Controller(Inbox(), hostname="127.0.0.1", port=port, auth_require_tls=False,
                        authenticator=lambda *args: AuthResult(success=True))
    server.start()
    try:
        yield port
    finally:
        server.stop()


def test_a_password_that_is_not_ascii_is_named_without_its_characters(auth_server: int):
    config = SmtpConfig("127.0.0.1", auth_server, username="relay", password="pa密ss", timeout=5)
    with pytest.raises(SendFailed) as failed:
        send_mail(config, message())
    assert failed.value.message == "SMTP username or password is not ASCII" and not failed.value.permanent
    assert "密" not in str(failed.value)


def test_mail_goes_over_implicit_tls(tmp_path):  # type: ignore[no-untyped-def]
    import ssl

    from tests.integration.test_deliveries import _self_signed

    cert_file, key_file = _self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_file, key_file)
    taken: list[bytes] = []

    class Inbox:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
            taken.append(envelope.original_content)  # type: ignore[attr-defined]
            return "250 OK"

    port = free_port()
    server = Controller(Inbox(), hostname="127.0.0.1", port=port, ssl_context=tls)
    server.start()
    try:
        send_mail(SmtpConfig("127.0.0.1", port, ssl=True, timeout=5, ca_file=str(cert_file)), message())
    finally:
        server.stop()
    assert len(taken) == 1
