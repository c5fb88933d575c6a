"""What people read: Chinese texts per notification kind, the mail's encoding and escaping, DingTalk's signature,
and the org file's channels."""

from __future__ import annotations

import base64
import email
import email.policy
import re
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac

from domain.channels import ChatKind
from domain.errors import InvalidInput
from orderflow import chat, notice_texts
from orderflow.mail import build_message, message_id
from orderflow.notice_texts import GENERIC, TEXTS, NoticeText, register, render
from orderflow.orgfile import read_org_file

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = "<script>alert(1)</script> & <a href=\"http://evil\">点我</a>"


def test_every_kind_the_code_sends_has_its_chinese_text():
    sent: set[str] = set()
    for path in [*ROOT.glob("workflows/*.py"), *ROOT.glob("activities/*.py")]:
        source = path.read_text(encoding="utf-8")
        sent |= set(re.findall(r'_(?:notify|tell)\(\s*[\w.]+,\s*"([a-z-]+)"', source))
        sent |= set(re.findall(r'_notify\(\s*"([a-z-]+)"', source))
        sent |= set(re.findall(r'"(cert-[a-z-]+|follow-up-[a-z-]+)"', source))
        sent |= set(re.findall(r'"(recycle-warning|recycled|transfer-in[a-z-]*)"', source))
    assert {"reminder", "escalation", "lost-check", "lost", "expired", "returned", "expired-paid",
            "reassigned", "recycle-warning", "recycled", "transfer-in", "cert-passed", "follow-up-overdue"} <= sent
    assert sent <= set(TEXTS), f"kinds without a text: {sorted(sent - set(TEXTS))}"


def test_a_notice_names_the_order_its_beijing_deadline_and_links_to_it():
    notice = render("reminder", "BJ100001", datetime(2026, 12, 1, 1, 30, tzinfo=UTC), "Order BJ100001 is waiting",
                    "http://desk.example/")
    assert notice.subject == "【提醒】订单 BJ100001 等待您处理"
    assert notice.deadline == "2026-12-01 09:30（北京时间）"
    assert notice.link == "http://desk.example/orders/BJ100001"
    # The stored English text adds nothing to the Chinese lead: not shown. Where it is Chinese or carries what the
    # lead lacks (reasons, the other side of a collision), it is shown, labelled as what it is.
    assert "Order BJ100001 is waiting" not in notice.plain() and "详情" not in notice.plain()
    returned = render("returned", "BJ100001", None, "Order BJ100001 was returned: amount mismatch", "http://d")
    assert "原始记录（英文）：Order BJ100001 was returned: amount mismatch" in returned.plain()
    cert = render("cert-returned", "BJ100001", None, "认证退回：材料不清晰", "http://d")
    assert "详情：认证退回：材料不清晰" in cert.plain()
    customer = render("recycled", "customer:7", None, "gone", "http://desk.example")
    assert customer.link == "http://desk.example/customers/7" and customer.deadline is None


def test_a_kind_nobody_registered_gets_the_generic_text_and_a_part_may_register_its_own(
        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(notice_texts, "TEXTS", dict(TEXTS))  # registered for this test only
    assert render("certification-failed-x", "BJ1", None, "t", "http://d").subject == GENERIC.subject.format(
        item="订单 BJ1")
    register("test-kind", NoticeText("【测试】{item}", "{item} 测试"))
    assert render("test-kind", "BJ1", None, "t", "http://d").subject == "【测试】订单 BJ1"
    with pytest.raises(ValueError, match="already has a different text"):
        register("reminder", NoticeText("x", "y"))


def test_the_mail_is_utf8_with_an_encoded_chinese_subject_and_escaped_typed_text():
    notice = render("returned", "BJ100001", None, HOSTILE, "http://desk.example")
    msg_id = message_id("BJ100001:3:returned:alice", "email", "alice", "orderflow <of@example.com>")
    msg = build_message(notice, "alice@example.com", "orderflow <of@example.com>", msg_id)
    raw = msg.as_bytes()
    headers = raw.split(b"\n\n", 1)[0]
    assert b"=?utf-8?" in headers.lower() and all(b < 128 for b in headers)  # RFC 2047, nothing raw
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "【退回】订单 BJ100001 被退回，请更正"
    assert parsed["Message-ID"] == msg_id and msg_id.endswith("@example.com>")
    html = parsed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    plain = parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html and "&lt;script&gt;" in html and 'href="http://evil"' not in html
    assert '<a href="http://desk.example/orders/BJ100001">' in html
    assert HOSTILE in plain  # plain text is shown as text anyway


def test_the_message_id_is_stable_per_notification_channel_and_person():
    first = message_id("k", "email", "alice", "a@b.example")
    assert first == message_id("k", "email", "alice", "a@b.example")
    assert first != message_id("k", "email", "bob", "a@b.example") != message_id("k2", "email", "alice", "x@b.example")


def test_dingtalk_signature_matches_an_independent_computation():
    secret, ts = "SEC0123456789abcdef", 1_700_000_000_000
    mac = crypto_hmac.HMAC(secret.encode(), hashes.SHA256())
    mac.update(f"{ts}\n{secret}".encode())
    expected = urllib.parse.urlencode({"sign": base64.b64encode(mac.finalize())}).split("=", 1)[1]
    assert chat.dingtalk_sign(secret, ts) == expected
    url = chat.robot_url(ChatKind.DINGTALK, "https://oapi.dingtalk.com/robot/send?access_token=T", secret, ts)
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=T&timestamp={ts}&sign={expected}"
    wecom = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"
    assert chat.robot_url(ChatKind.WECOM, wecom, None, ts) == wecom


def test_chat_text_is_the_plain_text_message_type():
    body = chat.text_message(HOSTILE)
    assert body.decode() == ('{"msgtype": "text", "text": {"content": "<script>alert(1)</script> & '
                             '<a href=\\"http://evil\\">点我</a>"}}')


ORG = """
partners: [{code: BJ, name: 北京华信渠道有限公司, ranges: [{prefix: BJ, first: 1, last: 9}]}]
users:
  - {username: dora, name: Dora, role: director%s}
"""


@pytest.mark.parametrize(("extra", "problem"), [
    (", email: not-an-address", "email must be a plain address"),
    (', email: "a@b.example\\nBcc: x@evil.example"', "email must be a plain address"),  # a header injection
    (", chat: {kind: dingtalk, url: 'http://oapi.dingtalk.com/robot/send?access_token=T'}", "https URL"),
    (", chat: {kind: slack, url: 'https://hooks.example/x'}", "chat.kind"),
    (", chat: {kind: wecom, url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K', secret: S}",
     "for DingTalk robots"),
    (", chat: {kind: wecom, url: 'https://qyapi.weixin.qq.com/x?key=K'}", "must start with https://qyapi"),
    (", chat: {kind: dingtalk, url: 'https://10.0.0.5/robot/send?access_token=T'}", "must start with https://oapi"),
    (", chat: {kind: dingtalk, url: 'https://x.example/r', secret: 'has space'}", "chat.secret"),
    (", chat: {kind: dingtalk}", "chat.url"),
])
def test_the_org_file_refuses_bad_channels(tmp_path: Path, extra: str, problem: str):
    path = tmp_path / "org.yaml"
    path.write_text(ORG % extra, encoding="utf-8")
    with pytest.raises(InvalidInput, match=re.escape(problem)) as refused:
        read_org_file(path)
    assert "access_token=T" not in refused.value.message and "has space" not in refused.value.message


def test_the_org_file_carries_channels_and_never_shows_the_robot_secrets(tmp_path: Path):
    path = tmp_path / "org.yaml"
    path.write_text(ORG % (", email: Dora.Qian@hq.example.com, chat: {kind: dingtalk, "
                           "url: 'https://oapi.dingtalk.com/robot/send?access_token=TOKEN1', secret: SECRET1}"),
                    encoding="utf-8")
    _, users = read_org_file(path)
    assert users[0].email == "Dora.Qian@hq.example.com"
    assert users[0].chat is not None and users[0].chat.secret == "SECRET1"
    assert "TOKEN1" not in repr(users[0]) and "SECRET1" not in repr(users[0])


def test_an_item_of_another_part_links_where_that_part_registered(monkeypatch: pytest.MonkeyPatch):
    from orderflow.notice_texts import register_item

    monkeypatch.setattr(notice_texts, "ITEMS", dict(notice_texts.ITEMS))  # registered for this test only

    assert render("x", "digest:2026-12-01", None, "t", "http://d").link == "http://d/"
    register_item("follow-up-test", "跟进 {id}", "/follow-ups/{id}")
    notice = render("x", "follow-up-test:42", None, "t", "http://d")
    assert (notice.item, notice.link) == ("跟进 42", "http://d/follow-ups/42")
