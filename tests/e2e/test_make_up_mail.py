"""The walkthrough's mail on `make up`: the stack starts its SMTP sink and points the worker at it, so the daily
digest (its schedule triggered by hand) and a missing original's reminder land as e-mails that `orderflow mail`
lists and shows."""

from __future__ import annotations

import subprocess
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

from temporalio.client import Client

from services.schedules import DIGEST_SCHEDULE
from tests.e2e.test_make_up import BIN, _cli, _start, _stop, stack_env


def _mail_for(where: Path, address: str, about: str, timeout: float = 120) -> Path:
    """The first kept message to `address` naming `about`: mail goes out from a delivery workflow's activity."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(where.glob("*.eml")) if where.is_dir() else []:
            msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            body = msg.get_body(preferencelist=("plain",))
            text = str(msg["Subject"]) + (body.get_content() if body is not None else "")  # type: ignore[attr-defined]
            if address in str(msg["To"]) and about in text:
                return path
        time.sleep(0.5)
    raise AssertionError(f"no mail to {address} about {about} in {where} within {timeout:.0f}s: "
                         f"{sorted(p.name for p in where.glob('*')) if where.is_dir() else 'no directory'}")


def _as(env: dict[str, str], tmp: Path, user: str) -> dict[str, str]:
    return {**env, "XDG_CONFIG_HOME": str(tmp / "people" / user)}  # each person's own token


async def test_a_notification_reaches_the_mail_sink_and_orderflow_mail_shows_it(tmp_path: Path):
    # A missing original is chased after 3 days; here after seconds (orders issued from now on).
    env, ports = stack_env(tmp_path, ORDERFLOW_POLICY__ORIGINAL_REMINDER="PT3S")
    data = tmp_path / "data"
    log = tmp_path / "stack.log"
    proc = _start(env, log)
    try:
        assert f"smtp://127.0.0.1:{ports['mail']}" in log.read_text()
        passwords = dict(line.split(" ", 1) for line in (data / "demo-passwords").read_text().splitlines())
        amy, alice = _as(env, tmp_path, "amy"), _as(env, tmp_path, "alice")
        for who, person in (("amy", amy), ("alice", alice)):
            _cli(person, "login", who, "--password-stdin", stdin=passwords[who] + "\n")
        assert _cli(amy, "order", "issue", "BJ100001", "--to", "alice")["status"] == "ISSUED"
        # The 09:00 digest, now: alice has an order waiting for her signature.
        client = await Client.connect(f"127.0.0.1:{ports['temporal']}")
        await client.get_schedule_handle(DIGEST_SCHEDULE).trigger()
        kept = _mail_for(data / "mail", "alice@bj.example.com", "BJ100001")

        # A missing original: alice signs BJ100002, the paper never reaches amy, and alice is mailed a reminder.
        customer = _cli(alice, "customer", "add", "--name", "美来尔工程技术有限公司", "--phone", "010-62345678",
                        "--fax", "010-62345679", "--address", "北京市海淀区中关村大街1号", "--region", "北京")
        _cli(amy, "order", "issue", "BJ100002", "--to", "alice")
        _cli(alice, "order", "sign", "BJ100002", "--customer", str(customer["id"]), "--product", "Yellow pages",
             "--kind", "new", "--amount", "12000")
        reminder = _mail_for(data / "mail", "alice@bj.example.com", "BJ100002")
        rows = _cli(env, "mail", "list")  # the sink's directory under ORDERFLOW_DATA_DIR
        assert isinstance(rows, list)
        assert any(r["file"] == reminder.name and "BJ100002" in r["subject"] for r in rows)
        row = next(r for r in rows if r["file"] == kept.name)
        assert "alice@bj.example.com" in row["to"] and "每日" in row["subject"] and row["malformed"] is None
        shown = _cli(env, "mail", "show", str(row["number"]))
        body = str(shown["body"])
        # the link is this stack's own desk page
        assert "等待您处理" in body and f"http://127.0.0.1:{ports['api']}/desk/orders/BJ100001" in body
        human = subprocess.run([str(BIN / "orderflow"), "mail", "list"], env=env, capture_output=True, text=True,
                               timeout=60)
        assert human.returncode == 0 and "每日" in human.stdout, human.stderr
    finally:
        _stop(proc, log)
    assert subprocess.run(["pgrep", "-f", str(data)], capture_output=True).stdout == b""
