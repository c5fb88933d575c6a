"""A special follow-up through the real CLI, API server and worker: a refund reaches finance's queue, a file is
attached, and finance closes it with the refund's reference."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from tests.dates import today
from tests.e2e.conftest import Stack
from tests.helpers import pdf_bytes


def _until(stack: Stack, check: Any, *args: str, user: str) -> Any:
    """The read model is written by the worker just after the command answers."""
    deadline = time.monotonic() + 30
    while True:
        found = stack.json(*args, user=user)
        if check(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_refund_follow_up_through_the_cli(stack: Stack):
    customer = stack.json("customer", "add", "--name", "美来尔工程技术有限公司", "--phone", "010-62345678", "--fax",
                          "010-62345679", "--address", "北京市朝阳区建国路88号", "--region", "北京", user="alice")
    due = (today() + timedelta(days=3)).isoformat()
    opened = stack.json("follow-up", "open", "--type", "refund", "--customer", str(customer["id"]), "--due", due,
                        "--description", "多付了一年的费用", user="alice")
    case = opened["case_id"]
    assert opened["assignee"] == "desk:finance"
    past = stack.run("follow-up", "open", "--type", "other", "--customer", str(customer["id"]), "--assignee", "amy",
                     "--due", (today() - timedelta(days=1)).isoformat(), "--description", "x", user="alice",
                     expect=2)
    assert "in the past" in past.stderr
    queue = _until(stack, lambda rows: len(rows) == 1, "follow-up", "list", "--type", "refund", "--mine", user="fay")
    assert [r["case"] for r in queue] == [case]
    assert case in stack.run("inbox", user="fay").stdout
    slip = stack.tmp / "回单.pdf"
    slip.write_bytes(pdf_bytes(2000))
    stack.run("follow-up", "attach", case, "--file", str(slip), user="alice")
    stack.run("follow-up", "comment", case, "--text", "请尽快处理", user="alice")
    refused = stack.run("follow-up", "close", case, "--outcome", "resolved", "--resolution", "refunded",
                        user="fay", expect=2)
    assert "reference" in refused.stderr
    stack.run("follow-up", "close", case, "--outcome", "resolved", "--resolution", "refunded", "--reference",
              "TB-20261130-9", user="fay")
    shown = _until(stack, lambda d: d["status"] == "CLOSED", "follow-up", "show", case, user="alice")
    assert shown["reference"] == "TB-20261130-9" and shown["attachments"][0]["filename"] == "回单.pdf"
    assert [e["kind"] for e in shown["events"]] == ["opened", "attached", "comment", "closed"]
    assert "closed resolved: refunded" in stack.run("follow-up", "show", case, user="alice").stdout
    assert stack.run("follow-up", "show", case, user="carol", expect=5)
