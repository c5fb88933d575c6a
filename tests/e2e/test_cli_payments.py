"""Payments through the real CLI: statement import (GBK, UTF-8 with BOM), automatic, ambiguous and manual
matches, partial payments, unmatching, overpayment, and remittance slips with their refusals."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.fields import business_date
from orderflow.s3 import make_client
from orderflow.settings import Settings
from tests.e2e.conftest import Stack, assert_read_model_matches_workflow
from tests.helpers import pdf_bytes

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2000 + b"\xff\xd9"
HEADER = "交易日期,金额,对方户名,对方账号,流水号,摘要"


def _today() -> str:
    return business_date(datetime.now(UTC)).isoformat()


def _customer(stack: Stack, name: str, phone: str, user: str = "alice") -> int:
    made = stack.json("customer", "add", "--name", name, "--phone", phone, "--fax", phone[:-1] + "9",
                      "--address", "北京市海淀区", "--region", "北京", user=user)
    return int(made["id"])


def _awaiting_payment(stack: Stack, number: str, customer: int, amount: str, rep: str = "alice") -> None:
    stack.json("order", "issue", number, "--to", rep, user="amy")
    stack.json("order", "sign", number, "--customer", str(customer), "--product", "Yellow pages", "--kind", "new",
               "--amount", amount, user=rep)
    stack.json("order", "receive", number, user="amy")
    stack.json("order", "review", number, "--approve", user="amy")
    scan = stack.tmp / f"{number}.pdf"
    scan.write_bytes(pdf_bytes(3000))
    stack.json("order", "scan", number, "--file", str(scan), user="amy")
    stack.json("order", "review", number, "--approve", "--location", "Cabinet 1", user="olga")


def _statement(stack: Stack, name: str, rows: list[str], encoding: str, preamble: str = "") -> str:
    path = stack.tmp / name
    path.write_bytes((preamble + "\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding))
    return str(path)


def _staged(stack: Stack) -> list[str]:
    s3 = make_client(Settings(s3_endpoint_url=stack.env["ORDERFLOW_S3_ENDPOINT_URL"]))
    listed = s3.list_objects_v2(Bucket=stack.env["ORDERFLOW_S3_BUCKET"], Prefix="staging/")
    return [o["Key"] for o in listed.get("Contents", [])]


async def test_import_matches_automatically_queues_the_rest_and_finance_matches_by_hand(stack: Stack):
    today = _today()
    meilaier = _customer(stack, "美来尔工程技术有限公司", "010-62345678")
    huaxin = _customer(stack, "华信科技有限公司", "010-64000001")
    _awaiting_payment(stack, "BJ100001", meilaier, "12000.00")
    _awaiting_payment(stack, "BJ100002", huaxin, "5000.00")
    _awaiting_payment(stack, "BJ100003", huaxin, "5000.00")

    # A GBK export with the bank's account summary above the header, and four bad lines among the good.
    gbk = _statement(stack, "statement-gbk.csv", [
        f"{today},\"12,000.00\",北京美来尔工程技术有限公司,6222000011112222,CMB0001,货款",  # the name key matches
        f"{today},5000.00,华信科技有限公司,6222000033334444,CMB0002,货款",  # two orders owe 5000: ambiguous
        f"{today},300.00,张三,6222000055556666,CMB0003,",  # nobody's customer: unmatched
        "2026-02-30,100.00,某公司,1,CMB0004,",  # not a calendar day
        f"{today},-50.00,某公司,1,CMB0005,退款",  # outgoing
        f"{today},abc,某公司,1,CMB0006,",  # not an amount
        f"{today},100.00,某公司,1,,",  # no reference
    ], "gbk", preamble="账号:11001234567890\r\n币种:人民币\r\n\r\n")
    first = stack.run("--json", "payments", "import", gbk, user="fay", expect=2)
    report = _json(first.stdout)
    assert report["encoding"] == "gb18030" and report["imported"] == 3
    expected = [(8, "value date '2026-02-30' is not a real calendar day"),
                (9, "amount -50.00 is an outgoing payment"), (10, "amount 'abc' is not a number"),
                (11, "bank reference must not be empty")]
    assert [e["line"] for e in report["errors"]] == [line for line, _ in expected]
    for error, (_, reason) in zip(report["errors"], expected, strict=True):
        assert error["reason"].startswith(reason), error
    outcomes = {o["bank_ref"]: o for o in report["outcomes"]}
    assert outcomes["CMB0001"]["status"] == "matched" and outcomes["CMB0001"]["order"] == "BJ100001"
    assert outcomes["CMB0002"]["status"] == "ambiguous"
    assert outcomes["CMB0002"]["candidates"] == ["BJ100002", "BJ100003"]
    assert outcomes["CMB0003"]["status"] == "unmatched"

    paid = stack.json("order", "show", "BJ100001", user="fay")
    assert paid["status"] == "EFFECTIVE" and paid["fields"]["effective_on"] == today
    assert [c["order"] for c in stack.json("credits", user="alice")] == ["BJ100001"]

    # The same file again, and an overlapping UTF-8 export with a BOM and semicolons: nothing twice.
    again = _json(stack.run("--json", "payments", "import", gbk, user="fay", expect=2).stdout)
    assert (again["imported"], again["already_imported"]) == (0, 3)
    bom = stack.tmp / "statement-bom.csv"
    bom.write_bytes(("\ufeffvalue date;amount;payer name;payer account;bank reference;memo\n"
                     f"{today};12000.00;北京美来尔工程技术有限公司;6222000011112222;CMB0001;货款\n"
                     f"{today};800.00;李四;6222000077778888;CMB0007;\n").encode())
    overlap = stack.json("payments", "import", str(bom), user="fay")
    assert (overlap["encoding"], overlap["delimiter"], overlap["imported"], overlap["already_imported"]) == (
        "utf-8-sig", ";", 1, 1)
    assert stack.json("order", "show", "BJ100001", user="fay")["fields"]["paid_total"] == "12000.00"

    queue = stack.json("payments", "unmatched", user="fay")
    assert [(line["bank_ref"], line["status"]) for line in queue["lines"]] == [
        ("CMB0002", "ambiguous"), ("CMB0003", "unmatched"), ("CMB0007", "unmatched")]
    assert [c["number"] for c in queue["lines"][0]["candidates"]] == ["BJ100002", "BJ100003"]
    stack.run("payments", "unmatched", user="alice", expect=4)  # finance's queue

    # The rep files the slip; finance sees its link and matches by hand.
    slip = stack.tmp / "slip.jpg"
    slip.write_bytes(JPEG)
    filed = stack.json("order", "slip", "BJ100003", "--file", str(slip), "--amount", "5000",
                       "--paid-on", today, user="alice")
    assert filed["slips"][0]["key"] == "orders/BJ/BJ100003/slip-v1.jpg"
    seen = stack.json("payments", "unmatched", user="fay")["lines"][0]["candidates"][1]["slips"]
    assert seen[0]["claimed_amount"] == "5000.00"
    with urllib.request.urlopen(seen[0]["url"], timeout=10) as response:  # the presigned link opens the slip
        assert response.read() == JPEG
    matched = stack.json("payments", "match", "CMB0002", "--order", "BJ100003", user="fay")
    assert matched["order"]["status"] == "EFFECTIVE" and matched["slips"][0]["version"] == 1
    # No double match: the line is taken, and says by which order.
    twice = stack.run("payments", "match", "CMB0002", "--order", "BJ100002", user="fay", expect=3)
    assert "already matched to order BJ100003" in twice.stderr
    # An effective order's payment stays.
    late = stack.run("payments", "unmatch", "CMB0002", "--reason", "wrong", user="fay", expect=3)
    assert "has taken effect" in late.stderr
    history = stack.json("payments", "show", "CMB0002", user="fay")["history"]
    assert [(h["action"], h["actor"]) for h in history] == [("imported", "fay"), ("ambiguous", "fay"),
                                                            ("matched", "fay")]
    assert history[-1]["note"] == "manual match"
    missing = stack.run("payments", "show", "NO-SUCH-REF", user="fay", expect=5)
    assert "there is no bank line with reference NO-SUCH-REF" in missing.stderr
    assert _staged(stack) == []
    await assert_read_model_matches_workflow(stack, "BJ100001", "BJ100002", "BJ100003")


async def test_partial_payments_accumulate_a_wrong_match_is_undone_and_overpayment_is_flagged(stack: Stack):
    today = _today()
    customer = _customer(stack, "东方红机械有限公司", "010-65000001")
    other = _customer(stack, "长城电子有限公司", "010-66000001")
    _awaiting_payment(stack, "BJ100010", customer, "10000.00")
    _awaiting_payment(stack, "BJ100011", other, "1000.00")
    first = _statement(stack, "s1.csv", [f"{today},4000.00,东方红机械有限公司,1,ICBC01,首付",
                                         f"{today},1000.00,王五,2,ICBC02,",
                                         f"{today},1500.00,长城电子有限公司,3,ICBC03,"], "utf-8")
    report = stack.json("payments", "import", first, user="fay")
    # 4000 is not what the order owes, so it waits for finance, with the payer's order as the candidate.
    assert {o["bank_ref"]: (o["status"], o["candidates"]) for o in report["outcomes"]} == {
        "ICBC01": ("unmatched", ["BJ100010"]), "ICBC02": ("unmatched", []), "ICBC03": ("unmatched", ["BJ100011"])}
    part = stack.json("payments", "match", "ICBC01", "--order", "BJ100010", user="fay")["order"]
    assert (part["status"], part["fields"]["paid_total"]) == ("AWAITING_PAYMENT", "4000.00")
    # 王五 is not the order's customer: refused without a reason naming both, kept on the line's trail with one.
    refused = stack.run("payments", "match", "ICBC02", "--order", "BJ100010", user="fay", expect=2)
    assert '"王五"' in refused.stderr and '"东方红机械有限公司"' in refused.stderr
    wrong = stack.json("payments", "match", "ICBC02", "--order", "BJ100010", "--reason", "王五 says he paid for it",
                       user="fay")["order"]
    assert wrong["fields"]["paid_total"] == "5000.00"
    stack.run("payments", "unmatch", "ICBC02", "--reason", "   ", user="fay", expect=2)
    undone = stack.json("payments", "unmatch", "ICBC02", "--reason", "王五 paid for another company", user="fay")
    assert (undone["status"], undone["fields"]["paid_total"]) == ("AWAITING_PAYMENT", "4000.00")
    assert undone["timeline"][-1]["action"] == "unmatch"
    assert [line["bank_ref"] for line in stack.json("payments", "unmatched", user="fay")["lines"]] == [
        "ICBC02", "ICBC03"]
    history = stack.json("payments", "show", "ICBC02", user="fay")["history"]
    assert [h["action"] for h in history][-3:] == ["payer mismatch", "matched", "unmatch"]
    assert history[-3]["note"] == "payer mismatch: 王五 says he paid for it"
    assert history[-1]["note"] == "王五 paid for another company"
    stack.run("payments", "unmatch", "ICBC02", "--reason", "again", user="fay", expect=3)

    # The completing line matches automatically: the outstanding amount is now exactly 6000.
    second = _statement(stack, "s2.csv", [f"{today},6000.00,东方红机械(北京)有限公司,1,ICBC04,尾款"], "utf-8")
    done = stack.json("payments", "import", second, user="fay")
    assert [(o["bank_ref"], o["status"], o["order"]) for o in done["outcomes"] if o["bank_ref"] == "ICBC04"] == [
        ("ICBC04", "matched", "BJ100010")]
    effective = stack.json("order", "show", "BJ100010", user="fay")
    assert (effective["status"], effective["fields"]["effective_on"]) == ("EFFECTIVE", today)
    assert [p["ref"] for p in effective["fields"]["payments"]] == ["ICBC01", "ICBC04"]

    over = stack.json("payments", "match", "ICBC03", "--order", "BJ100011", user="fay")["order"]
    assert (over["status"], over["fields"]["credit_balance"]) == ("EFFECTIVE", "500.00")
    balances = stack.json("payments", "unmatched", user="fay")["credit_balances"]
    assert [(b["number"], b["credit_balance"]) for b in balances] == [("BJ100011", "500.00")]
    assert "overpaid" in stack.run("order", "show", "BJ100011", user="fay").stdout
    credits = {c["order"]: c["amount"] for c in stack.json("credits", user="alice")}
    assert credits == {"BJ100010": "10000.00", "BJ100011": "1000.00"}
    await assert_read_model_matches_workflow(stack, "BJ100010", "BJ100011")


def test_slip_uploads_are_refused_with_a_reason_and_leave_nothing_behind(stack: Stack):
    today = _today()
    customer = _customer(stack, "华北物流有限公司", "010-67000001")
    _awaiting_payment(stack, "BJ100020", customer, "2000.00")
    cases: list[tuple[str, bytes, list[str], str, int, str]] = [
        # An empty body is refused as it arrives, before the slip's content is inspected.
        ("empty.jpg", b"", [], "alice", 2, "is empty"),
        ("fake.jpg", b"this is a text file, not a photo", [], "alice", 3, "not a PDF, JPEG, PNG or TIFF"),
        ("named.png", JPEG, [], "alice", 3, "named as png but its content is jpg"),
        ("cut.pdf", pdf_bytes(3000)[:-10], [], "alice", 3, "truncated"),
        ("ok.jpg", JPEG, [], "bob", 5, "there is no order BJ100020"),  # another rep's order: as if missing
        ("ok.jpg", JPEG, ["--amount", "-5"], "alice", 2, "amount on the slip must be greater than zero"),
        ("ok.jpg", JPEG, ["--paid-on", (datetime.now(UTC) + timedelta(days=3)).date().isoformat()], "alice", 2,
         "is in the future"),
    ]
    for name, data, extra, user, code, message in cases:
        path = stack.tmp / name
        path.write_bytes(data)
        args: dict[str, Any] = {"--amount": "2000", "--paid-on": today}
        args.update(dict(zip(extra[::2], extra[1::2], strict=True)))
        flat = [x for pair in args.items() for x in pair]
        refused = stack.run("order", "slip", "BJ100020", "--file", str(path), *flat, user=user, expect=code)
        assert message in refused.stderr, (name, refused.stderr)
    stack.run("order", "slip", "BJ100020", "--file", str(stack.tmp / "missing.jpg"), "--amount", "1",
              "--paid-on", today, user="alice", expect=2)
    assert stack.json("order", "show", "BJ100020", user="alice")["slips"] == []
    assert _staged(stack) == []
    # After it takes effect there is nothing left to evidence.
    stack.json("order", "pay", "BJ100020", "--amount", "2000", "--date", today, user="fay")
    ok = stack.tmp / "ok.jpg"
    late = stack.run("order", "slip", "BJ100020", "--file", str(ok), "--amount", "2000", "--paid-on", today,
                     user="alice", expect=3)
    assert "EFFECTIVE" in late.stderr


def _json(text: str) -> Any:
    import json

    return json.loads(text)
