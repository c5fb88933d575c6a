"""`make up`'s SMTP sink over real SMTP, and `orderflow mail` reading what it kept: Chinese subjects decoded from
RFC 2047, numbers by arrival, a malformed file listed as such, an oversized message refused and nothing half-kept."""

from __future__ import annotations

import json
import os
import signal
import smtplib
import subprocess
import sys
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from orderflow.mailsink import MAX_MESSAGE_BYTES
from tests.apiserver import CLI
from tests.helpers import free_port, wait_for_port


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    port, where = free_port(), tmp_path / "mail"
    proc = subprocess.Popen([sys.executable, "-m", "orderflow.mailsink", "--dir", str(where), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=(tmp_path / "sink.log").open("wb"))
    try:
        wait_for_port(port)
        yield port, where
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, (tmp_path / "sink.log").read_text()
    assert "alice@bj.example.com" not in (tmp_path / "sink.log").read_text()  # addresses stay out of its log


def _message(subject: str, body: str, to: str = "Alice Wang <alice@bj.example.com>") -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"], msg["From"], msg["To"] = subject, "orderflow <orderflow@localhost>", to
    msg.set_content(body, charset="utf-8")
    msg.add_alternative(f"<p>{body}</p>", subtype="html", charset="utf-8")
    return msg


def _mail(where: Path, *args: str, expect: int = 0) -> object:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDERFLOW_")}
    done = subprocess.run([CLI, "--json", "mail", *args, "--dir", str(where)], capture_output=True, text=True,
                          timeout=60, env=env)
    assert done.returncode == expect, done.stderr
    return json.loads(done.stdout)


def test_the_sink_keeps_every_message_and_orderflow_mail_reads_them(sink: tuple[int, Path]):
    port, where = sink
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.send_message(_message("【提醒】订单 BJ100001 等待您处理", "订单 BJ100001 正在等待您的下一步操作。"))
        # A Bcc recipient is only in the envelope: the kept file still says whom it reached.
        smtp.send_message(_message("【预警】客户 1 即将回收到公海", "请添加跟进记录。"),
                          to_addrs=["amy@hq.example.com"])
        with pytest.raises(smtplib.SMTPException) as too_big:
            smtp.send_message(_message("太大", "大" * (MAX_MESSAGE_BYTES // 2)))
        assert getattr(too_big.value, "smtp_code", None) == 552
    kept = sorted(where.iterdir())
    assert [p.suffix for p in kept] == [".eml", ".eml"]  # nothing of the refused one, no temporary file left
    assert b"=?utf-8?" in kept[0].read_bytes()  # the subject travels RFC 2047-encoded ...
    (second, first) = _mail(where, "list")  # type: ignore[misc]
    assert (first["number"], first["subject"], first["to"]) == (  # ... and is listed decoded
        1, "【提醒】订单 BJ100001 等待您处理", "Alice Wang <alice@bj.example.com>")
    assert (second["number"], second["subject"], second["malformed"]) == (2, "【预警】客户 1 即将回收到公海", None)
    shown = _mail(where, "show", "2")
    assert isinstance(shown, dict)
    headers = {h["name"]: h["value"] for h in shown["headers"]}
    assert headers["X-Sink-Envelope-To"] == "amy@hq.example.com" and headers["Subject"].startswith("【预警】")
    assert shown["body"].strip() == "请添加跟进记录。"
    _mail(where, "show", "3", expect=5)


def test_a_malformed_file_is_listed_as_such_and_the_rest_still_shown(tmp_path: Path):
    where = tmp_path / "mail"
    where.mkdir()
    good = _message("【通知】订单 BJ100002 有新的消息", "详情")
    (where / "20261201T010000000000Z-000001.eml").write_bytes(bytes(good))
    (where / "20261201T010001000000Z-000002.eml").write_bytes(b"\x00\xff not a message at all")
    (where / ".incoming-abc").write_bytes(b"half a mess")  # being written: never listed
    rows = _mail(where, "list")
    assert isinstance(rows, list)
    assert [(r["number"], bool(r["malformed"])) for r in rows] == [(2, True), (1, False)]
    assert rows[1]["subject"] == "【通知】订单 BJ100002 有新的消息"
    human = subprocess.run([CLI, "mail", "list", "--dir", str(where)], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "COLUMNS": "200"})
    assert human.returncode == 0 and "malformed" in human.stdout and "BJ100002" in human.stdout
    assert _mail(tmp_path / "nowhere", "list") == []


def test_names_sort_by_arrival_even_within_one_microsecond(tmp_path: Path):
    from datetime import UTC, datetime

    from orderflow.mailsink import MailDir

    maildir, at = MailDir(tmp_path / "mail"), datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    names = [maildir.keep("a@x", ["b@y"], f"Subject: {n}\r\n\r\nbody\r\n".encode(), now=at).name for n in range(12)]
    assert names == sorted(names) and len(set(names)) == 12
    assert sorted(p.name for p in (tmp_path / "mail").iterdir()) == names  # and no temporary file is left
    assert (tmp_path / "mail" / names[0]).read_bytes().startswith(b"X-Sink-Envelope-From: a@x\r\n")
