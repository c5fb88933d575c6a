"""#20 through the real CLI on a terminal: typed text never becomes rich markup, an emoji, a terminal hyperlink or
a terminal control sequence, and never forges a line in the server's or the worker's log."""

from __future__ import annotations

import re
import time

from sqlalchemy import update

from db.engine import make_engine, session_factory, unit_of_work
from db.models import Customer
from tests.e2e.conftest import Stack
from tests.e2e.test_cli_payments import _customer, _statement

FORGED = "2026-11-30 12:00:00,000 INFO orderflow.api.access: GET /admin 200"
# Stored before the input rules existed (entry refuses it now): rich markup, an emoji code, a terminal hyperlink,
# a screen clear and a forged log line, all in one customer name.
LEGACY_NAME = ("[link=https://evil.example]点我[/link]:warning:\x1b]8;;http://evil.example\x1b\\链接\x1b]8;;\x1b\\"
               f"\x1b[2J[bold red]华信\n{FORGED}")
NOTE = "[link=https://evil.example]再点[/link] [/] :smile: [bold red]红"  # free text: kept, shown as typed
MEMO = "[link=https://evil.example]付款[/link] :moneybag:"  # kept; no command prints memos today
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the colours rich itself writes on a terminal


def test_typed_text_reaches_the_terminal_and_the_logs_as_text(stack: Stack):
    customer = _customer(stack, "美来尔工程技术有限公司", "010-62345678")
    stack.json("order", "issue", "BJ100001", "--to", "alice", user="amy")
    stack.json("order", "sign", "BJ100001", "--customer", str(customer), "--product", "Yellow pages", "--kind", "new",
               "--amount", "1000", user="alice")
    # Renamed after signing: an order refuses to be signed for a name with control characters.
    engine = make_engine(stack.settings().db_url)
    with unit_of_work(session_factory(engine)) as session:
        session.execute(update(Customer).where(Customer.id == customer).values(name=LEGACY_NAME))
    engine.dispose()
    stack.json("order", "receive", "BJ100001", user="amy")
    stack.json("order", "review", "BJ100001", "--reject", "--reason", "missing_stamp", "--note", NOTE, user="amy")
    rows = [f"2026-11-02,77.00,某某贸易有限公司,6222,HOSTILE-1,{MEMO}"]
    stack.json("payments", "import", _statement(stack, "s.csv", rows, "utf-8"), user="fay")

    terminal = {"FORCE_COLOR": "1", "TERM": "xterm-256color", "COLUMNS": "400"}
    shown = {
        "order show": _on_terminal(stack, terminal, "alice", "order", "show", "BJ100001"),
        "order list": _on_terminal(stack, terminal, "alice", "order", "list"),
        "customer list": _on_terminal(stack, terminal, "alice", "customer", "list"),
        "inbox": _on_terminal(stack, terminal, "alice", "inbox"),
        "payments unmatched": _on_terminal(stack, terminal, "fay", "payments", "unmatched"),
        "payments show": _on_terminal(stack, terminal, "fay", "payments", "show", "HOSTILE-1"),
    }
    for command, out in shown.items():
        assert "\x1b]8;" not in out, f"{command} printed a terminal hyperlink"
        text = SGR.sub("", out)
        assert "\x1b" not in text, f"{command} printed a control sequence from the data: {text!r}"
        assert "⚠" not in text and "😄" not in text and "💰" not in text, f"{command} turned a code into an emoji"
        assert not any(line.startswith(FORGED) for line in text.splitlines()), command
    assert "[link=https://evil.example]点我[/link]:warning:" in SGR.sub("", shown["customer list"])
    assert "[link=https://evil.example]再点[/link] [/] :smile: [bold red]红" in SGR.sub("", shown["order show"])

    # A pool customer of 上海 whose stored name holds a forged log line: alice asks for it, and the worker logs
    # the notification to the approval group, which quotes the name.
    pooled = int(stack.json("customer", "add", "--name", "浦江贸易有限公司", "--phone", "021-66660007", "--fax",
                            "021-66660008", "--address", "上海市浦东新区", "--region", "上海", user="carol")["id"])
    engine = make_engine(stack.settings().db_url)
    with unit_of_work(session_factory(engine)) as session:
        session.execute(update(Customer).where(Customer.id == pooled).values(name=f"浦江{LEGACY_NAME}", owner=None,
                                                                             partner_code=None))
    engine.dispose()
    stack.json("customer", "transfer-in", str(pooled), "--reason", "moved to Beijing", "--region", "北京", "--name",
               "浦江贸易有限公司", "--phone", "021-66660007", "--fax", "021-66660008", "--address", "上海市浦东新区",
               user="alice")
    worker_log = stack.tmp / "worker.log"
    deadline = time.monotonic() + 20
    while "浦江" not in worker_log.read_text():
        assert time.monotonic() < deadline, "the worker never logged the transfer-in's notification"
        time.sleep(0.2)
    assert stack.api is not None
    for log in (stack.api.log_path, worker_log):
        lines = log.read_text().splitlines()
        assert not any(line.lstrip().startswith(FORGED) for line in lines), log
        assert not any("\x1b" in line for line in lines), log


def _on_terminal(stack: Stack, terminal: dict[str, str], user: str, *args: str) -> str:
    assert stack.api is not None
    import subprocess

    from tests.apiserver import CLI
    done = subprocess.run([CLI, *args], env={**stack.api.env_for(user), **terminal}, capture_output=True, text=True,
                          timeout=60, cwd=stack.tmp)
    assert done.returncode == 0, f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout
