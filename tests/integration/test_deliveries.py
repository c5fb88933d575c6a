"""Delivering notifications over a real SMTP server (aiosmtpd) and a real HTTP robot, on SQLite and PostgreSQL:
a channel that is down delays a message, never loses it or sends it twice."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.deliveries import DeliveryActivities, DeliveryConfig
from activities.notifications import NotificationActivities
from db.delivery_models import Delivery, UserChannel
from db.engine import unit_of_work
from db.models import OrgChange, User
from orderflow.contracts import NotifyInput
from orderflow.delivery_contracts import DeliverInput, DeliveryInput
from orderflow.mail import SmtpConfig, message_id
from orderflow.notify import LogSender
from tests.helpers import free_port
from tests.invariants import _deliveries

FROM = "orderflow <orderflow@hq.example.com>"
LOCAL_ROBOT = frozenset({"127.0.0.1"})  # the tests' robots: allowed like a company's proxy would be


class Dispatched:
    """Stands in for TemporalDispatch: the test drives the deliveries itself."""

    def __init__(self, channels: frozenset[str] = frozenset({"email", "chat"})) -> None:
        self.channels, self.keys = channels, []  # type: ignore[var-annotated]

    def __call__(self, key: str) -> None:
        self.keys.append(key)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope.original_content)
        return "250 OK"


def note(key: str, recipient: str = "alice", text: str = "Order BJ100001 is waiting for signing.",
         kind: str = "reminder") -> NotifyInput:
    return NotifyInput(key=key, recipient=recipient, order_number="BJ100001", kind=kind,
                       due_at=datetime(2026, 12, 1, 2, 0, tzinfo=UTC), text=text)


def plan(sessions: sessionmaker[Session], n: NotifyInput, dispatch: Dispatched | None = None) -> list[int]:
    run = ActivityEnvironment().run
    assert run(NotificationActivities(sessions, LogSender(), dispatch or Dispatched()).notify, n) is True
    acts = DeliveryActivities(sessions, DeliveryConfig(smtp=None, mail_from=FROM, desk_url="http://d"))
    return run(acts.delivery_plan, DeliveryInput(key=n.key)).delivery_ids


def rows(sessions: sessionmaker[Session], key: str) -> list[tuple[str, str, str, str | None]]:
    with unit_of_work(sessions) as session:
        return [(r.person, r.channel, r.status, r.reason) for r in session.scalars(
            select(Delivery).where(Delivery.notification_key == key).order_by(Delivery.person, Delivery.channel))]


def set_chat(sessions: sessionmaker[Session], username: str, kind: str, url: str, secret: str | None) -> None:
    with unit_of_work(sessions) as session:
        row = session.get(UserChannel, username) or UserChannel(username=username, updated_at=datetime.now(UTC))
        row.chat_kind, row.chat_url, row.chat_secret = kind, url, secret
        session.add(row)


def test_mail_waits_for_a_server_that_is_down_and_is_delivered_once(sessions: sessionmaker[Session]):
    port = free_port()
    acts = DeliveryActivities(sessions, DeliveryConfig(smtp=SmtpConfig("127.0.0.1", port, timeout=5),
                                                       mail_from=FROM, desk_url="http://127.0.0.1:8000"))
    dispatch = Dispatched()
    n = note("BJ100001:2:returned:alice", text="sign it <b>now</b>", kind="returned")
    [delivery] = plan(sessions, n, dispatch)
    assert dispatch.keys == [n.key]
    run = ActivityEnvironment().run
    with pytest.raises(ApplicationError, match="SMTP server unreachable"):
        run(acts.deliver, DeliverInput(delivery_id=delivery))  # the server is down: retried by Temporal
    assert rows(sessions, n.key) == [("alice", "email", "pending", "retrying: SMTP server unreachable or failed: "
                                                                    "ConnectionRefusedError")]
    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        assert run(acts.deliver, DeliverInput(delivery_id=delivery)) == "sent"
        assert run(acts.deliver, DeliverInput(delivery_id=delivery)) == "sent"  # a retry sends nothing
        # The notify activity retried: nothing new written, nothing started since nothing is pending.
        assert run(NotificationActivities(sessions, LogSender(), dispatch).notify, n) is False
    finally:
        server.stop()
    assert len(inbox.messages) == 1 and dispatch.keys == [n.key]
    import email
    import email.policy

    msg = email.message_from_bytes(inbox.messages[0], policy=email.policy.default)
    assert msg["To"] == "alice@bj.example.com" and msg["Subject"] == "【退回】订单 BJ100001 被退回，请更正"
    assert msg["Message-ID"] == message_id(n.key, "email", "alice", FROM)
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "&lt;b&gt;now&lt;/b&gt;" in html and "2026-12-01 10:00（北京时间）" in html
    assert "http://127.0.0.1:8000/orders/BJ100001" in html
    with unit_of_work(sessions) as session:
        assert _deliveries(session) == []


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_mail_goes_over_starttls_with_a_login(sessions: sessionmaker[Session], tmp_path: Path):
    import ssl

    cert_file, key_file = _self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert_file, key_file)
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"relay", b"s3cret")
        logins.append((data.login, data.password))
        return AuthResult(success=ok)

    inbox, port = Inbox(), free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=tls, require_starttls=True,
                        authenticator=authenticate, auth_required=True)
    server.start()
    try:
        [delivery] = plan(sessions, note("BJ100001:2:reminder:alice"))
        run = ActivityEnvironment().run
        plain = SmtpConfig("127.0.0.1", port, timeout=5)
        config = DeliveryConfig(smtp=plain, mail_from=FROM, desk_url="http://d")
        with pytest.raises(ApplicationError, match="SMTP answered 530"):  # the settings are wrong: retried
            run(DeliveryActivities(sessions, config).deliver, DeliverInput(delivery_id=delivery))
        right = SmtpConfig("127.0.0.1", port, starttls=True, username="relay", password="s3cret", timeout=5,
                           ca_file=str(cert_file))
        config = DeliveryConfig(smtp=right, mail_from=FROM, desk_url="http://d")
        assert run(DeliveryActivities(sessions, config).deliver, DeliverInput(delivery_id=delivery)) == "sent"
    finally:
        server.stop()
    assert len(inbox.messages) == 1 and logins[-1] == (b"relay", b"s3cret")


class Robot:
    """A group robot over real HTTP: answers from a script, checks DingTalk's signature, keeps what it took."""

    def __init__(self, answers: list[tuple[int, dict[str, Any]]], secret: str | None = None) -> None:
        self.answers, self.secret, self.taken, self.posts = answers, secret, [], 0
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                query = parse_qs(urlsplit(self.path).query)
                robot.posts += 1
                status, answer = robot.answers.pop(0) if robot.answers else (200, {"errcode": 0})
                if robot.secret is not None:
                    ts = query["timestamp"][0]
                    want = base64.b64encode(hmac.new(robot.secret.encode(), f"{ts}\n{robot.secret}".encode(),
                                                     hashlib.sha256).digest()).decode()
                    if query.get("sign") != [want]:
                        status, answer = 200, {"errcode": 310000, "errmsg": "sign not match"}
                if status == 200 and answer.get("errcode") == 0:
                    robot.taken.append(json.loads(body))
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/robot/send?access_token=TOKEN"

    def __enter__(self) -> Robot:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def chat_acts(sessions: sessionmaker[Session]) -> Iterator[DeliveryActivities]:
    yield DeliveryActivities(sessions, DeliveryConfig(smtp=None, mail_from=FROM, desk_url="http://d",
                                                      chat_allowed_hosts=LOCAL_ROBOT))


def test_a_robot_answering_500_then_200_gets_the_message_exactly_once(sessions: sessionmaker[Session],
                                                                       chat_acts: DeliveryActivities,
                                                                       caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    run = ActivityEnvironment().run
    with Robot([(500, {}), (200, {"errcode": -1, "errmsg": "busy"})], secret="SECret") as robot:
        set_chat(sessions, "bob", "dingtalk", robot.url, "SECret")
        n = note("BJ100001:4:returned:bob", recipient="bob", text="typed <a href=x>link</a>", kind="returned")
        [chat] = plan(sessions, n, Dispatched(frozenset({"chat"})))
        with pytest.raises(ApplicationError) as first:
            run(chat_acts.deliver, DeliverInput(delivery_id=chat))
        assert "HTTP 500" in str(first.value) and "TOKEN" not in str(first.value)
        with pytest.raises(ApplicationError, match="errcode -1"):  # HTTP 200 with an error: retried
            run(chat_acts.deliver, DeliverInput(delivery_id=chat))
        assert run(chat_acts.deliver, DeliverInput(delivery_id=chat)) == "sent"
        assert run(chat_acts.deliver, DeliverInput(delivery_id=chat)) == "sent"
        assert robot.posts == 3
    assert "HTTP Request: POST" in caplog.text  # httpx logged each post, without the robot's token or signature
    assert "TOKEN" not in caplog.text and "SECret" not in caplog.text and "sign=" not in caplog.text
    assert len(robot.taken) == 1 and robot.taken[0]["msgtype"] == "text"
    assert "typed <a href=x>link</a>" in robot.taken[0]["text"]["content"]  # plain text: shown, never rendered
    assert "【退回】订单 BJ100001" in robot.taken[0]["text"]["content"]
    assert rows(sessions, n.key) == [("bob", "chat", "sent", None), ("bob", "email", "skipped",
                                                                     "email is off on this server")]


def test_a_robot_that_refuses_the_signature_is_recorded_as_failed(sessions: sessionmaker[Session],
                                                                 chat_acts: DeliveryActivities):
    with Robot([], secret="right") as robot:
        set_chat(sessions, "sam", "dingtalk", robot.url, "wrong")
        n = note("BJ100001:5:escalation:sam", recipient="sam")
        [mail, chat] = plan(sessions, n)  # planned by a server that sends both
        assert ActivityEnvironment().run(chat_acts.deliver, DeliverInput(delivery_id=chat)) == "failed"
        # Mail is off on the worker that picked it up: it waits for one that sends mail, never skipped for good.
        with pytest.raises(ApplicationError, match="mail is off on this server"):
            ActivityEnvironment().run(chat_acts.deliver, DeliverInput(delivery_id=mail))
    assert rows(sessions, n.key) == [
        ("sam", "chat", "failed", "dingtalk robot answered errcode 310000"),
        ("sam", "email", "pending", "waiting: mail is off on this server (no smtp_host)")]


def test_a_deactivated_person_and_an_empty_desk_are_skipped_with_the_reason(sessions: sessionmaker[Session]):
    with unit_of_work(sessions) as session:
        alice = session.get(User, "alice")
        assert alice is not None
        alice.active = False
    dispatch = Dispatched()
    # Handed to her manager (reports_to), as her inbox is; the record says so.
    assert len(plan(sessions, note("BJ100001:6:reminder:alice"), dispatch)) == 1
    assert rows(sessions, "BJ100001:6:reminder:alice") == [
        ("alice", "none", "skipped", "deactivated: handed to sam"), ("sam", "email", "pending", None)]
    assert dispatch.keys == ["BJ100001:6:reminder:alice"]
    with unit_of_work(sessions) as session:
        sam = session.get(User, "sam")
        assert sam is not None
        sam.active = False
    assert plan(sessions, note("BJ100001:6:lost:alice"), dispatch) == []  # nobody active above her
    assert rows(sessions, "BJ100001:6:lost:alice") == [("alice", "none", "skipped", "deactivated")]
    plan(sessions, note("BJ100001:6:expired-paid:desk:finance", recipient="desk:finance"))
    assert rows(sessions, "BJ100001:6:expired-paid:desk:finance") == [
        ("fay", "email", "pending", None), ("sid", "none", "skipped", "no e-mail or chat in the org file")]
    plan(sessions, note("BJ100001:6:x:desk:agency_nobody", recipient="desk:approval_group"))
    assert rows(sessions, "BJ100001:6:x:desk:agency_nobody") == [
        ("gao", "none", "skipped", "no e-mail or chat in the org file")]


def test_a_person_deactivated_after_the_notification_is_not_sent_to_but_their_manager_is(
        sessions: sessionmaker[Session]):
    [delivery] = plan(sessions, note("BJ100001:7:reminder:alice"))
    with unit_of_work(sessions) as session:
        alice = session.get(User, "alice")
        assert alice is not None
        alice.active = False
    acts = DeliveryActivities(sessions, DeliveryConfig(smtp=SmtpConfig("127.0.0.1", free_port(), timeout=2),
                                                       mail_from=FROM, desk_url="http://d"))
    assert ActivityEnvironment().run(acts.deliver, DeliverInput(delivery_id=delivery)) == "skipped"
    # Her manager's rows are added, pending: the sweep starts the notification's delivery again.
    assert rows(sessions, "BJ100001:7:reminder:alice") == [("alice", "email", "skipped", "deactivated: handed to sam"),
                                                           ("sam", "email", "pending", None)]


def test_recycling_warnings_are_delivered_like_every_notification(sessions: sessionmaker[Session]):
    from datetime import timedelta

    from activities.customers import CustomerActivities
    from domain.people import Role
    from orderflow.customer_contracts import RecycleRun

    as_of = datetime.now(UTC) + timedelta(days=200)  # long after the seeded customer 1 of alice's was entered
    dispatch = Dispatched(frozenset({"email"}))
    run = RecycleRun(as_of=as_of, warn_only=True, after_days=30, protect_days=90,
                     contact_before=as_of - timedelta(days=27))
    acts = CustomerActivities(sessions, {Role.SALES: 400}, LogSender(), dispatch)
    assert ActivityEnvironment().run(acts.recycle, run).warned == 1
    assert ActivityEnvironment().run(acts.recycle, run).warned == 0  # the daily re-run writes nothing twice
    [key] = dispatch.keys
    assert key.startswith("customer:1:recycle-warning:")
    assert rows(sessions, key) == [("alice", "email", "pending", None)]


def test_the_sweep_finds_only_notifications_pending_for_a_while(sessions: sessionmaker[Session]):
    from datetime import timedelta

    from db.delivery_repo import stale_pending_keys

    plan(sessions, note("BJ100001:8:reminder:alice"))
    plan(sessions, note("BJ100001:8:expired-paid:desk:finance", recipient="desk:finance"))
    plan(sessions, note("BJ100001:8:reminder:sid", recipient="sid"))  # no channel: nothing pending
    with unit_of_work(sessions) as session:
        assert stale_pending_keys(session, datetime.now(UTC) - timedelta(minutes=5), 10) == []
        # The longest waiting first (not the first by key, which a long outage would hand back every time).
        assert stale_pending_keys(session, datetime.now(UTC) + timedelta(seconds=1), 10) == [
            "BJ100001:8:reminder:alice", "BJ100001:8:expired-paid:desk:finance"]
        assert stale_pending_keys(session, datetime.now(UTC) + timedelta(seconds=1), 1) == [
            "BJ100001:8:reminder:alice"]


def test_an_org_reload_replaces_the_channels(sessions: sessionmaker[Session]):
    from dataclasses import replace

    from db.org_repo import ChatSpec, load_org
    from orderflow.orgfile import read_org_file

    partners, users = read_org_file(Path(__file__).resolve().parents[2] / "examples" / "org.yaml")
    robot = ChatSpec("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K")
    changed = [replace(u, email=None) if u.username == "alice" else
               replace(u, chat=robot) if u.username == "gao" else u for u in users]
    with unit_of_work(sessions) as session:
        assert session.get(UserChannel, "alice") is not None and session.get(UserChannel, "gao") is None
        seen = session.scalar(select(func.max(OrgChange.id))) or 0
        load_org(session, partners, changed)
    with unit_of_work(sessions) as session:
        assert session.get(UserChannel, "alice") is None
        gao = session.get(UserChannel, "gao")
        assert gao is not None and (gao.email, gao.chat_kind, gao.chat_url) == (None, "wecom", robot.url)
        # Recorded in the org's history by kind only: no address, no robot URL or token.
        recorded = session.execute(select(OrgChange.username, OrgChange.field, OrgChange.before, OrgChange.after)
                                   .where(OrgChange.field.in_(["email", "chat"]), OrgChange.id > seen)
                                   .order_by(OrgChange.username)).all()
        assert [tuple(r) for r in recorded] == [("alice", "email", "set", None), ("gao", "chat", None, "set")]
    dropped = [u for u in changed if u.username != "fay"]  # fay leaves the org: her channels go with her
    with unit_of_work(sessions) as session:
        assert session.get(UserChannel, "fay") is not None
        assert load_org(session, partners, dropped).deactivated == ["fay"]
    with unit_of_work(sessions) as session:
        assert session.get(UserChannel, "fay") is None
