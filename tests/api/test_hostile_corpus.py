"""#20: every hostile string through every text field a person or a statement file can fill, over HTTP with real
tokens; then every surface that shows what was kept. A field with a character rule (a licensed name, a region, a
person's name, a product, a filing location, a bank reference) refuses each hostile string with a message naming
what was wrong; a free-text field (notes, reasons, memos) keeps markup characters as text and refuses only the
invisible and control characters and the over-long. Whatever was kept then shows as text: in the API's JSON, in
the Temporal Web UI's Markdown (current details and summaries), in the HTML report, and in the log."""

from __future__ import annotations

import csv
import html
import io
import json
import logging
import re
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
import yaml
from markdown_it import MarkdownIt
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.testing import WorkflowEnvironment

from db.customer_repo import add_customer
from db.models import Customer
from db.warehouse_repo import move
from domain.people import Role
from domain.text import REFUSED_CATEGORIES
from orderflow.logs import configure_logging
from tests.api.conftest import PASSWORD, ApiHarness, harness
from tests.api.test_role_matrix import ORG_YAML
from tests.dates import today
from tests.helpers import entry, eventually, pdf_bytes
from tests.hostile import HOSTILE

INVISIBLE = set(REFUSED_CATEGORIES)
FORGED = "2026-11-30 12:00:00,000 INFO orderflow.api.access: GET /admin 200"
# A name stored before the input rules (entry refuses it now): a forged log line, a screen clear, a bidi override.
LEGACY_LOG_NAME = f"浦江贸易有限公司\n{FORGED}\x1b[2J\u202e"
HEADER = ["value date", "amount", "payer name", "payer account", "bank reference", "memo"]


def free_text_refuses(text: str, limit: int) -> bool:
    """What a free-text field refuses: invisible or control characters, or more than its limit."""
    stripped = text.strip()
    return any(unicodedata.category(ch) in INVISIBLE for ch in stripped) or len(stripped) > limit


@dataclass(frozen=True)
class Field:
    name: str
    user: str
    method: str
    path: str
    body: Callable[[str, int], dict[str, Any]]  # the hostile text and its index -> the request's keyword arguments
    free: int | None = None  # a free-text field's length limit; None: a field with a character rule


PDF = {"content": pdf_bytes(3000), "headers": {"Content-Type": "application/pdf"}}


def _statement(column: str) -> Callable[[str, int], dict[str, Any]]:
    def body(text: str, i: int) -> dict[str, Any]:
        row = {"value date": today().isoformat(), "amount": "10.00", "payer name": "某某贸易有限公司",
               "payer account": "6222", "bank reference": f"HOSTILE-{column[:3]}-{i}", "memo": ""}
        row[column] = text
        out = io.StringIO()
        writer = csv.DictWriter(out, HEADER)
        writer.writeheader()
        writer.writerow(row)
        return {"params": {"filename": "s.csv"}, "content": out.getvalue().encode(),
                "headers": {"Content-Type": "text/csv"}}
    return body


def _org(text: str, i: int) -> dict[str, Any]:
    org = yaml.safe_load(ORG_YAML)
    org["users"][0]["name"] = text
    return {"content": yaml.safe_dump(org, allow_unicode=True).encode(),
            "headers": {"Content-Type": "application/yaml"}}


def _customer(field: str) -> Callable[[str, int], dict[str, Any]]:
    def body(text: str, i: int) -> dict[str, Any]:
        entry = {"name": f"恒通{i:02d}贸易有限公司", "phone": f"010-6677{i:04d}", "fax": f"010-6688{i:04d}",
                 "address": "北京市海淀区中关村大街1号", "region": "北京"}
        entry[field] = text
        return {"json": entry}
    return body


# ISSUED and FIRST_REVIEW: orders in states where every step below is refused for its state, so a text that passes
# its rule reaches the workflow and is turned away there (409) without changing anything.
ISSUED, REVIEWING = "BJ100201", "BJ100202"
# The pooled customer's four facts (its key is 浦江贸易's, whatever its legacy name), confirmed for 北京.
CONFIRMED = {"region": "北京", "name": "浦江贸易有限公司", "phone": "021-66660007", "fax": "021-66660008",
             "address": "北京市海淀区中关村大街1号"}
FIELDS = [
    Field("customer name", "alice", "POST", "/customers", _customer("name")),
    Field("customer address", "alice", "POST", "/customers", _customer("address")),
    Field("customer region", "alice", "POST", "/customers", _customer("region")),
    Field("collision check name", "alice", "POST", "/customers/check", lambda t, i: {"json": {"name": t}}),
    Field("product", "alice", "POST", f"/orders/{REVIEWING}/sign",
          lambda t, i: {"json": {"customer": 1, "product": t, "kind": "new", "amount": "1000"}}),
    Field("filing location", "olga", "POST", f"/orders/{ISSUED}/approve", lambda t, i: {"json": {"location": t}}),
    Field("receive note", "amy", "POST", f"/orders/{REVIEWING}/receive", lambda t, i: {"json": {"note": t}}, 1000),
    Field("rejection note", "amy", "POST", f"/orders/{ISSUED}/reject",
          lambda t, i: {"json": {"reasons": ["missing_stamp"], "note": t}}, 1000),
    Field("correction note", "alice", "POST", f"/orders/{ISSUED}/correct", lambda t, i: {"json": {"note": t}}, 1000),
    Field("correction product", "alice", "POST", f"/orders/{ISSUED}/correct",
          lambda t, i: {"json": {"note": "fixed", "product": t}}),
    Field("resend note", "alice", "POST", f"/orders/{ISSUED}/resend", lambda t, i: {"json": {"note": t}}, 1000),
    Field("modification reason", "olga", "POST", f"/orders/{ISSUED}/modify",
          lambda t, i: {"json": {"reason": t, "amount": "900"}}, 1000),
    Field("escalation note", "sam", "POST", f"/orders/{ISSUED}/escalation",
          lambda t, i: {"json": {"decision": "allow", "note": t}}, 1000),
    Field("loss note", "alice", "POST", f"/orders/{REVIEWING}/lost", lambda t, i: {"json": {"note": t}}, 1000),
    Field("revival reason", "olga", "POST", f"/orders/{ISSUED}/revive", lambda t, i: {"json": {"reason": t}}, 1000),
    Field("late original reason", "amy", "POST", f"/orders/{ISSUED}/receive-late",
          lambda t, i: {"json": {"reason": t}}, 1000),
    Field("restore reason", "sam", "POST", f"/orders/{ISSUED}/restore", lambda t, i: {"json": {"reason": t}}, 1000),
    # To its own rep: a reason that passes is turned away there (409), and the order stays alice's.
    Field("reassign reason", "bjpartner", "POST", f"/orders/{ISSUED}/reassign",
          lambda t, i: {"json": {"to": "alice", "reason": t}}, 1000),
    Field("customer note", "alice", "POST", "/customers/1/notes", lambda t, i: {"json": {"text": t}}, 2000),
    Field("hand-over recipient", "bjpartner", "POST", "/customers/1/hand-over", lambda t, i: {"json": {"to": t}}),
    Field("statement payer name", "fay", "PUT", "/payments/statements", _statement("payer name")),
    Field("statement payer account", "fay", "PUT", "/payments/statements", _statement("payer account")),
    Field("statement bank reference", "fay", "PUT", "/payments/statements", _statement("bank reference")),
    Field("statement memo", "fay", "PUT", "/payments/statements", _statement("memo"), 500),
    Field("unmatch reason", "fay", "POST", "/payments/lines/HOSTILE-OPEN/unmatch",
          lambda t, i: {"json": {"reason": t}}, 1000),
    # To an order not yet signed: a reason that passes is turned away by the order (409), and the line stays open.
    Field("payer mismatch reason", "fay", "POST", "/payments/lines/HOSTILE-OPEN/match",
          lambda t, i: {"json": {"order": ISSUED, "reason": t}}, 1000),
    # A line nobody imported: a text that passes its rule is answered 404 (the text is checked first).
    Field("refund reason", "fay", "POST", "/payments/lines/HOSTILE-NONE/refund",
          lambda t, i: {"json": {"reason": t}}, 1000),
    Field("refund reference", "fay", "POST", "/payments/lines/HOSTILE-NONE/refunded",
          lambda t, i: {"json": {"reference": t}}, 1000),
    Field("reopen reason", "fay", "POST", "/payments/lines/HOSTILE-NONE/reopen",
          lambda t, i: {"json": {"reason": t}}, 1000),
    # An order with no credit balance: a reason that passes is turned away (409).
    Field("credit settlement reason", "fay", "POST", f"/payments/credit-balances/{ISSUED}/settle",
          lambda t, i: {"json": {"settlement": "refunded", "reason": t}}, 1000),
    # An order with no payment: a reason that passes is turned away by the order (409).
    Field("reversal reason", "fay", "POST", f"/orders/{ISSUED}/payments/1/reverse",
          lambda t, i: {"json": {"amount": "10", "paid_on": today().isoformat(), "reason": t}}, 1000),
    Field("corrected phone", "alice", "PATCH", "/customers/1", lambda t, i: {"json": {"phone": t, "reason": "x"}}),
    Field("corrected address", "alice", "PATCH", "/customers/1", lambda t, i: {"json": {"address": t, "reason": "x"}}),
    # The address is customer 1's already: a reason that passes its rule is turned away (409), changing nothing.
    Field("correction reason", "alice", "PATCH", "/customers/1",
          lambda t, i: {"json": {"address": "北京市海淀区中关村大街1号", "reason": t}}, 1000),
    Field("customer phone", "alice", "POST", "/customers", _customer("phone")),
    Field("customer fax", "alice", "POST", "/customers", _customer("fax")),
    Field("transfer-in reason", "alice", "POST", "/customers/999/transfer-in",
          lambda t, i: {"json": {"reason": t, **CONFIRMED}}, 1000),
    Field("transfer decision reason", "gao", "POST", "/customers/999/decision",
          lambda t, i: {"json": {"approve": False, "reason": t}}, 1000),
    Field("scan file name", "amy", "PUT", f"/orders/{ISSUED}/scan", lambda t, i: {"params": {"filename": t}, **PDF}),
    Field("slip file name", "alice", "PUT", f"/orders/{ISSUED}/slip",
          lambda t, i: {"params": {"filename": t, "amount": "10", "paid_on": today().isoformat()}, **PDF}),
    Field("statement file name", "fay", "PUT", "/payments/statements",
          lambda t, i: {**_statement("memo")("", 100 + i), "params": {"filename": t}}),
    Field("token label", "alice", "POST", "/auth/login",
          lambda t, i: {"json": {"username": "alice", "password": PASSWORD, "label": t}}, 100),
    Field("ops query user", "mike", "GET", "/ops/queries", lambda t, i: {"params": {"user": t}}),
    Field("ops query partner", "mike", "GET", "/ops/queries", lambda t, i: {"params": {"partner": t}}),
    Field("new user's region", "mike", "POST", "/users",
          lambda t, i: {"json": {"username": f"r{i}", "name": "王小明", "partner": "BJ", "regions": [t]}}),
    Field("close reason", "mike", "POST", "/users/nobody/close", lambda t, i: {"json": {"reason": t}}, 200),
    Field("new user's name", "mike", "POST", "/users",
          lambda t, i: {"json": {"username": f"h{i}", "name": t, "partner": "BJ", "regions": ["北京"]}}),
    Field("org file display name", "dora", "PUT", "/org", _org),
    # Order BJ109998 has no certification: a text that passes its rule is answered 404 (the text is checked first).
    Field("certification position", "alice", "POST", "/certifications/BJ109998/hand-in",
          lambda t, i: {"json": {"position": t}}, 200),
    Field("certification submit note", "amy", "POST", "/certifications/BJ109998/submit", lambda t, i: {"json": {
        "name": "美来尔工程技术有限公司", "address": "北京市海淀区中关村大街1号", "phone": "010-62345678",
        "note": t}}, 1000),
    Field("certification return note", "amy", "POST", "/certifications/BJ109998/return",
          lambda t, i: {"json": {"reasons": ["illegible"], "note": t}}, 1000),
    Field("certification answer note", "vera", "POST", "/certifications/BJ109998/answer",
          lambda t, i: {"json": {"passed": False, "reasons": ["illegible"], "note": t}}, 1000),
    Field("certification escalation note", "sam", "POST", "/certifications/BJ109998/escalation",
          lambda t, i: {"json": {"decision": "close", "note": t}}, 1000),
    Field("certification licensed name", "amy", "POST", "/certifications/BJ109998/submit", lambda t, i: {"json": {
        "name": t, "address": "北京市海淀区中关村大街1号", "phone": "010-62345678"}}),
    # Customer 999 does not exist, nor case 261130-000000: a text that passes its rule is answered 404 (the text is
    # checked first). An attachment's file name is the scans' rule (api/uploads.py safe_filename), tested above.
    Field("follow-up description", "alice", "POST", "/follow-ups", lambda t, i: {"json": {
        "type": "other", "customer": 999, "assignee": "amy", "description": t, "due_on": today().isoformat()}}, 4000),
    Field("follow-up new name", "alice", "POST", "/follow-ups", lambda t, i: {"json": {
        "type": "name_change", "customer": 999, "description": "x", "new_name": t, "due_on": today().isoformat()}}),
    Field("follow-up comment", "alice", "POST", "/follow-ups/261130-000000/comments",
          lambda t, i: {"json": {"text": t}}, 4000),
    Field("follow-up reassign reason", "alice", "POST", "/follow-ups/261130-000000/assign",
          lambda t, i: {"json": {"assignee": "amy", "reason": t}}, 1000),
    Field("follow-up resolution", "alice", "POST", "/follow-ups/261130-000000/close",
          lambda t, i: {"json": {"outcome": "declined", "resolution": t}}, 4000),
    Field("follow-up refund reference", "alice", "POST", "/follow-ups/261130-000000/close",
          lambda t, i: {"json": {"outcome": "resolved", "resolution": "x", "reference": t}}),
]


PLAIN_TEXT = {"www.evil.example 和 https://evil.example/登录", ":warning: :smile:"}
# A file name keeps its last path segment only: "登录" is a fine name.
PLAIN_PATH = {"www.evil.example 和 https://evil.example/登录"}
PLAIN = {"product": PLAIN_TEXT, "correction product": PLAIN_TEXT, "filing location": PLAIN_TEXT,
         "scan file name": PLAIN_PATH, "slip file name": PLAIN_PATH, "statement file name": PLAIN_PATH}


@pytest.fixture(scope="module")
async def world(dev_env: WorkflowEnvironment, s3_endpoint: str,
                tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ApiHarness]:
    async with harness(dev_env, s3_endpoint, tmp_path_factory.mktemp("hostile")) as api:
        amy, alice, fay = (api.client(u) for u in ("amy", "alice", "fay"))
        for number in (ISSUED, REVIEWING):
            assert (await amy.post("/orders", json={"rep": "alice", "number": number})).is_success
        assert (await alice.post(f"/orders/{REVIEWING}/sign", json={
            "customer": 1, "product": "Yellow pages", "kind": "new", "amount": "1000"})).is_success
        assert (await amy.post(f"/orders/{REVIEWING}/receive")).is_success
        long_ago = datetime.now(UTC) - timedelta(days=90)
        with api.services.transaction() as session:  # in 上海's pool, for alice to ask for: a transfer-in
            pooled = add_customer(session, entry("浦江贸易有限公司", "021-66660007", "021-66660008", region="上海"),
                                  owner="carol", role=Role.SALES, partner="SH", at=long_ago)
            move(session, pooled, None, reason="recycled", actor="system", at=long_ago)
            session.flush()
            session.get(Customer, pooled.id).name = LEGACY_LOG_NAME  # type: ignore[union-attr]
        line = _statement("memo")("", 0)
        line["content"] = line["content"].replace(b"HOSTILE-mem-0", b"HOSTILE-OPEN")
        assert (await fay.put("/payments/statements", **line)).is_success
        yield api


def _refusal(answer: httpx.Response) -> str | None:
    """The refusal's message: a 422's, or a statement line's (a statement keeps its good lines and names each bad
    one by its line number)."""
    if answer.status_code == 422:
        return str(answer.json()["message"])
    errors = answer.json().get("errors") if answer.is_success and isinstance(answer.json(), dict) else None
    return f"line {errors[0]['line']}: {errors[0]['reason']}" if errors else None


def _names_what_was_wrong(message: str, text: str) -> bool:
    """A refusal says which character (by code point), or the length, or which kind of value was expected."""
    said = (r"U\+[0-9A-F]{4}|is \d+ characters long|at most \d+ characters|statement file is binary|"
            r"must be a username|must be a partner code|not a (valid )?telephone number")
    return bool(re.search(said, message, re.IGNORECASE))


async def test_every_text_field_refuses_what_it_cannot_hold_and_says_why(world: ApiHarness):
    refused: dict[str, int] = {}
    for field in FIELDS:
        client = world.client(field.user)
        for i, text in enumerate(HOSTILE):
            answer = await client.request(field.method, field.path, **field.body(text, i))
            assert answer.status_code < 500, (field.name, text[:80], answer.text[:500])
            assert answer.headers["content-type"].startswith("application/json"), (field.name, answer.headers)
            # No hostile string is a licensed name, a region or a reference: those refuse every one. A product
            # or a filing location may hold a plain address or a sum (no markup character): shown escaped anyway.
            if (field.free is None and text not in PLAIN.get(field.name, ())) \
                    or (field.free is not None and free_text_refuses(text, field.free)):
                message = _refusal(answer)
                assert message is not None, (field.name, text[:80], answer.status_code, answer.text[:500])
                assert _names_what_was_wrong(message, text), (field.name, text[:80], message)
                assert text not in message or len(text) < 100  # a refusal does not echo a page of text back
                refused[field.name] = refused.get(field.name, 0) + 1
            else:
                assert _refusal(answer) is None, (field.name, text[:80], answer.text[:500])
    assert all(refused.get(f.name) for f in FIELDS), refused


async def test_what_was_kept_shows_as_text_on_every_surface(world: ApiHarness, caplog: pytest.LogCaptureFixture):
    """An order carries a hostile rejection note (free text keeps markup characters) and a customer name stored
    before the input rules existed; the queue carries a hostile memo. Each surface shows them as text."""
    caplog.set_level(logging.INFO)
    amy, alice, mike, fay = (world.client(u) for u in ("amy", "alice", "mike", "fay"))
    number = "BJ100203"
    kept = [t for t in HOSTILE if not free_text_refuses(t, 1000)]
    note = next(t for t in kept if t.startswith("!["))
    legacy = HOSTILE[0]
    with world.services.transaction() as session:  # a name entered before the rules; entry refuses it now
        from db.models import Customer
        customer = session.get(Customer, 1)
        assert customer is not None
        customer.name = legacy
    assert (await amy.post("/orders", json={"rep": "alice", "number": number})).is_success
    assert (await alice.post(f"/orders/{number}/sign", json={
        "customer": 1, "product": "Yellow pages", "kind": "new", "amount": "1000"})).is_success
    assert (await amy.post(f"/orders/{number}/receive")).is_success
    assert (await amy.post(f"/orders/{number}/reject", json={"reasons": ["missing_stamp"], "note": note})).is_success

    # The API: JSON that carries the text exactly, never a page a browser would render.
    view = await alice.get(f"/orders/{number}")
    assert view.headers["content-type"] == "application/json" and view.headers["x-content-type-options"] == "nosniff"
    assert view.json()["fields"]["rejection"]["note"] == note and view.json()["fields"]["customer_name"] == legacy
    listed = await alice.get("/orders")
    assert [r["customer"] for r in listed.json() if r["number"] == number] == [legacy]
    queue = await fay.get("/payments/unmatched")
    memos = json.dumps(queue.json(), ensure_ascii=False)
    assert all(json.dumps(t.strip(), ensure_ascii=False)[1:-1] in memos for t in kept if len(t) <= 500), memos

    # The Temporal Web UI's Markdown: current details, the static summary and details, each rendered as the UI does.
    client = await world.services.temporal()
    handle = client.get_workflow_handle(f"order-{number}")
    described = await handle.describe()
    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    for text in (await described.static_summary(), await described.static_details(), metadata.current_details):
        _assert_plain_markdown(text or "")
    shown = html.unescape(MD.render(metadata.current_details))
    assert "![t](http://127.0.0.1:9/track.png)[点我](javascript:alert(3))" in shown  # there, as text

    # The HTML report, as ops open it.
    report = await mike.get("/ops/report", params={"html": "true"})
    page = report.json()["html"]
    _assert_report_is_inert(page)
    assert number in _text_of(page)  # its rows carry numbers, statuses and usernames, each through autoescape

    # The log: whatever the text held, each record is one line; a traceback's lines are indented below it. The
    # transfer-in's notification quotes the legacy name, forged line and all; the rejection's quotes the note.
    pooled = _pooled_id(world)
    assert (await alice.post(f"/customers/{pooled}/transfer-in", json={"reason": "moved to Beijing",
                                                                       **CONFIRMED})).is_success
    await eventually(lambda: _logged(caplog, "浦江贸易有限公司"), bool)
    formatter = configure_logging(logging.INFO, install=False)
    assert any("track.png" in r.getMessage() for r in caplog.records)
    for record in caplog.records:
        first, *rest = formatter.format(record).split("\n")
        assert "\r" not in first and "\x1b" not in first and "\u202e" not in first, first
        assert all(line.startswith(" ") for line in rest), rest[:3]
        assert not any(line.lstrip().startswith(FORGED) for line in [first, *rest])


def _pooled_id(world: ApiHarness) -> int:
    with world.services.transaction() as session:
        return next(c.id for c in session.query(Customer).filter(Customer.name == LEGACY_LOG_NAME))


async def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in r.getMessage() for r in caplog.records)


MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _assert_plain_markdown(text: str) -> None:
    html = MD.render(text)
    tags = set(re.findall(r"<([a-zA-Z0-9]+)", html))
    assert tags <= {"p", "ul", "li", "strong", "a", "em"}, (tags, html)
    for href in re.findall(r'href="([^"]*)"', html):
        assert href.startswith("/namespaces/"), (href, html)  # only our own links to a reissue's order
    assert "<img" not in html and "<script" not in html


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _assert_report_is_inert(page: str) -> None:
    parsed = _Tags()
    parsed.feed(page)
    assert parsed.tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "thead",
                           "tbody", "tr", "th", "td", "svg", "rect", "text", "g", "span", "div", "small", "b",
                           "h3", "line", "ul", "li", "section", "header", "caption", "strong", "em"}, parsed.tags
    assert not [a for a, _ in parsed.attrs if a.lower().startswith("on")]
    assert not [v for _, v in parsed.attrs if v and v.strip().lower().startswith(("javascript:", "data:"))]


def _text_of(page: str) -> str:
    parsed = _Tags()
    parsed.feed(page)
    return "".join(parsed.text)


