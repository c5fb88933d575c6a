"""The payments pages over HTTP: a GBK statement previewed line by line with its Chinese payers and its bad line
refused by number while nothing is stored; the import of exactly that file and its report; another person's
upload id refused; matching by hand and undoing it; a role without the payments permission refused; typed HTML
and a statement's HTML shown back escaped."""

from __future__ import annotations

import html
import os
import re
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from db.models import StatementLine
from domain.fields import business_date
from domain.payments import LineAction, LineStatus, MatchKind
from tests.desk.conftest import Desk, Person, hidden, refusal
from tests.helpers import pdf_bytes
from web.finance import LINE_ACTION, LINE_STATUS, MATCH_KIND, note_words

HEADER = "交易日期,金额,对方户名,对方账号,流水号,摘要"
HTML = "<script>alert(1)</script><img src=x onerror=alert(1)>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def _today() -> str:
    return business_date(datetime.now(UTC)).isoformat()


def statement(rows: list[str], encoding: str = "gbk") -> bytes:
    """A bank's export as tests/e2e/test_cli_payments.py builds one: an account summary above the header."""
    return ("账号:11001234567890\r\n币种:人民币\r\n\r\n" + "\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding)


def _lines(desk: Desk) -> int:
    with desk.api.services.transaction() as session:
        return session.scalar(select(func.count()).select_from(StatementLine)) or 0


def _line(desk: Desk, ref: str) -> tuple[str, str | None]:
    with desk.api.services.transaction() as session:
        row = session.scalar(select(StatementLine).where(StatementLine.bank_ref == ref))
        assert row is not None
        return row.status, row.order_number


def _zone(page: str) -> tuple[str, str]:
    found = re.search(r'<div class="statement-drop" data-upload="([^"]+)" data-csrf="([^"]+)"[^>]*>', page)
    assert found, "the page has no statement upload"
    return html.unescape(found.group(1)), html.unescape(found.group(2))


async def upload(person: Person, content: bytes, filename: str = "statement.csv") -> Any:
    """What the page's script sends: the file as the body, the token in a header; then the preview it names."""
    url, csrf = _zone((await person.get("/desk/finance")).text)
    answer = await person.http.put(url, params={"filename": filename}, content=content,
                                   headers={"X-CSRF-Token": csrf, "Content-Type": "text/csv"})
    assert answer.status_code == 200, answer.text
    return answer.json()["preview"]


async def _import(person: Person, preview: str, page: str | None = None) -> Any:
    form = page if page is not None else (await person.get(preview)).text
    return await person.http.post(preview, data={"csrf": hidden(form, "csrf")})


async def _awaiting_payment(desk: Desk, number: str, amount: str) -> None:
    """An order of alice's for customer 1 (美来尔工程技术有限公司), through the API, up to waiting for payment."""
    amy, alice, olga = (desk.api.client(u) for u in ("amy", "alice", "olga"))
    calls = [amy.post("/orders", json={"rep": "alice", "number": number}),
             alice.post(f"/orders/{number}/sign", json={"customer": 1, "product": "Ads", "kind": "new",
                                                        "amount": amount}),
             amy.post(f"/orders/{number}/receive"), amy.post(f"/orders/{number}/approve", json={}),
             amy.put(f"/orders/{number}/scan", params={"filename": "s.pdf"}, content=pdf_bytes(3000),
                     headers={"Content-Type": "application/pdf"}),
             olga.post(f"/orders/{number}/approve", json={"location": "Cabinet 1"})]
    for call in calls:
        answer = await call
        assert answer.is_success, answer.text


async def test_a_gbk_statement_is_previewed_without_import_then_imported_as_shown(desk: Desk) -> None:
    today = _today()
    fay = await desk.person("fay")
    content = statement([f"{today},\"1,200.00\",北京华信科技有限公司,6222000011112222,CMB0001,货款",
                         f"{today},300.00,张三,6222000055556666,CMB0002,",
                         "2026-02-30,100.00,某公司,1,CMB0003,"])
    before = _lines(desk)
    preview = await upload(fay, content, "对账单.csv")
    shown = await fay.get(preview)
    assert shown.status_code == 200, shown.text
    assert "北京华信科技有限公司" in shown.text and "张三" in shown.text and "1200.00" in shown.text
    assert "gb18030" in shown.text and "对账单.csv" in shown.text
    refused = re.search(r'<tr class="bad"><td>(\d+)</td>(.*?)</tr>', shown.text, re.S)
    assert refused and refused.group(1) == "7", shown.text  # two summary lines, a blank, the header: line 7
    assert "is not a real calendar day" in refused.group(2)
    assert _lines(desk) == before  # the preview imported nothing

    answer = await _import(fay, preview, shown.text)
    assert answer.status_code == 200, answer.text
    assert _lines(desk) == before + 2
    report = answer.text
    assert re.search(r'<dd class="imported">2</dd>', report) and re.search(r'<dd class="refused-count">1</dd>', report)
    assert re.search(r'<dd class="auto-matched">0</dd>', report)
    assert "is not a real calendar day" in report and "张三" in report  # the refused line, and the queue below
    # The upload is gone with its import: the same form again imports nothing twice, and says so.
    again = await _import(fay, preview, shown.text)
    assert again.status_code == 404 and "no longer here" in again.text, again.text
    assert _lines(desk) == before + 2
    assert not list((desk.api.services.settings.data_dir / "desk-uploads").glob("*/*"))


async def test_a_file_that_is_no_statement_is_refused_in_words_and_not_kept(desk: Desk) -> None:
    fay = await desk.person("fay")
    preview = await upload(fay, b"just,some\nwords,here\n", "notes.csv")
    shown = await fay.get(preview)
    assert shown.status_code == 422 and "no header row with the columns" in shown.text, shown.text
    assert "Import these lines" not in shown.text and "导入这些" not in shown.text
    assert (await fay.get(preview)).status_code == 404


async def test_another_persons_upload_id_is_refused(desk: Desk) -> None:
    fay, sid = await desk.person("fay"), await desk.person("sid")  # both finance
    preview = await upload(fay, statement([f"{_today()},300.00,张三,1,CMB0009,"]))
    before = _lines(desk)
    shown = await sid.get(preview)
    assert shown.status_code == 404 and "no longer here" in shown.text and "张三" not in shown.text
    page = (await sid.get("/desk/finance")).text
    for path in (preview, "/desk/finance/statements/..%2F..%2Fdesk-uploads", "/desk/finance/statements/" + "A" * 22):
        answer = await sid.http.post(path, data={"csrf": hidden(page, "csrf")})
        assert answer.status_code == 404, (path, answer.text)
    assert _lines(desk) == before
    kept = list((desk.api.services.settings.data_dir / "desk-uploads" / "fay").glob("*/*"))
    assert len(kept) == 1 and kept[0].stat().st_mode & 0o777 == 0o600 and kept[0].name == "statement.csv"
    assert kept[0].parent.name == preview.rsplit("/", 1)[1]
    answer = await _import(fay, preview)  # still there for its owner
    assert answer.status_code == 200 and _lines(desk) == before + 1, answer.text


async def test_an_upload_over_an_hour_old_is_gone(desk: Desk) -> None:
    fay = await desk.person("fay")
    preview = await upload(fay, statement([f"{_today()},300.00,张三,1,CMB0010,"]))
    folder = desk.api.services.settings.data_dir / "desk-uploads" / "fay" / preview.rsplit("/", 1)[1]
    old = time.time() - 3601
    os.utime(folder, (old, old))
    before = _lines(desk)
    shown = await fay.get(preview)
    assert shown.status_code == 404 and "no longer here" in shown.text
    assert not folder.exists() and _lines(desk) == before


async def test_match_and_unmatch_by_hand(desk: Desk) -> None:
    await _awaiting_payment(desk, "BJ100001", "12000.00")
    fay = await desk.person("fay")
    preview = await upload(fay, statement([f"{_today()},300.00,美来尔工程技术有限公司,1,CMB0100,首付"]))
    imported = await _import(fay, preview)
    assert imported.status_code == 200 and _line(desk, "CMB0100") == ("unmatched", None), imported.text
    page = (await fay.get("/desk/finance")).text
    assert "CMB0100" in page and 'action="/desk/finance/match"' in page

    answer = await fay.post("/desk/finance/match", {"bank_ref": "CMB0100", "order": "BJ100999"}, "/desk/finance")
    assert answer.status_code == 404 and "没有订单 BJ100999，或您无权查看该订单" in refusal(answer.text)
    answer = await fay.post("/desk/finance/match", {"bank_ref": "CMB0100", "order": "BJ100001"}, "/desk/finance")
    assert answer.status_code == 303, answer.text
    assert _line(desk, "CMB0100") == ("matched", "BJ100001")
    shown = (await fay.get(answer.headers["location"])).text
    assert 'action="/desk/finance/unmatch"' in shown and "BJ100001" in shown

    answer = await fay.post("/desk/finance/unmatch", {"bank_ref": "CMB0100", "reason": " "}, "/desk/finance")
    assert answer.status_code == 422 and _line(desk, "CMB0100") == ("matched", "BJ100001"), answer.text
    refusal(answer.text)
    answer = await fay.post("/desk/finance/unmatch", {"bank_ref": "CMB0100", "reason": "wrong order"},
                            "/desk/finance")
    assert answer.status_code == 303, answer.text
    assert _line(desk, "CMB0100") == ("unmatched", None)
    answer = await fay.post("/desk/finance/unmatch", {"bank_ref": "CMB0100", "reason": "again"}, "/desk/finance")
    assert answer.status_code == 409 and "is not matched to any order" in refusal(answer.text)

    # The line's trail and notes in words; what fay typed, as typed.
    shown = (await fay.get("/desk/finance?line=CMB0100")).text
    trail = re.search(r'<ol class="story">(.*?)</ol>', shown, re.S)
    assert trail, shown
    steps = [(html.unescape(a), html.unescape(n)) for a, n in
             re.findall(r'<span class="action">([^<]*)</span>(?: · BJ\d+)?(?:<q>(.*?)</q>)?</li>', trail.group(1))]
    assert steps == [("从对账单导入", "来自 statement.csv 第 5 行"),
                     ("留在待匹配队列：没有相符的订单", "可能相符的订单：BJ100001"),
                     ("已匹配到订单", "人工匹配"), ("撤销了匹配", '<span class="typed">wrong order</span>')], steps
    assert "与 BJ100001 的匹配已撤销" in shown  # the line's own note
    for code in ("imported", "unmatch ", "manual match", "candidates:", "unmatched from"):
        assert code not in shown, code


async def test_a_role_without_payments_is_refused(desk: Desk) -> None:
    alice = await desk.person("alice")
    assert (await alice.get("/desk/finance")).status_code == 403
    page = (await alice.get("/desk/inbox")).text
    answer = await alice.http.put("/desk/finance/statements", params={"filename": "s.csv"},
                                  content=statement([f"{_today()},300.00,张三,1,CMB0200,"]),
                                  headers={"X-CSRF-Token": hidden(page, "csrf"), "Content-Type": "text/csv"})
    assert answer.status_code == 403 and answer.json()["error"] == "forbidden", answer.text
    before = _lines(desk)
    for path, data in (("/desk/finance/match", {"bank_ref": "CMB0200", "order": "BJ100001"}),
                       ("/desk/finance/unmatch", {"bank_ref": "CMB0200", "reason": "x"}),
                       ("/desk/finance/statements/" + "A" * 22, {})):
        answer = await alice.post(path, data)
        assert answer.status_code == 403, (path, answer.text)
    assert _lines(desk) == before
    assert not (desk.api.services.settings.data_dir / "desk-uploads").exists()


async def test_html_in_a_statement_and_in_a_reason_comes_back_escaped(desk: Desk) -> None:
    await _awaiting_payment(desk, "BJ100001", "12000.00")
    fay = await desk.person("fay")
    preview = await upload(fay, statement([f"{_today()},300.00,华信有限公司,1,CMB0300,{HTML}",
                                           f"{_today()},300.00,{HTML}华信有限公司,1,CMB0301,"], "utf-8"))
    shown = (await fay.get(preview)).text
    assert ESCAPED in shown and HTML not in shown  # the memo, as typed by whoever wrote the transfer
    assert "payer name contains &#34;&lt;&#34;" in shown  # a payer name with HTML: refused in words, by line
    report = (await _import(fay, preview, shown)).text
    assert ESCAPED in report and HTML not in report and _line(desk, "CMB0300") == ("unmatched", None)
    # 华信 is not the order's customer: matched only with a reason, kept on the line's trail and shown escaped.
    answer = await fay.post("/desk/finance/match", {"bank_ref": "CMB0300", "order": "BJ100001"}, "/desk/finance")
    assert answer.status_code == 422 and "needs a reason" in refusal(answer.text), answer.text
    answer = await fay.post("/desk/finance/match", {"bank_ref": "CMB0300", "order": "BJ100001", "reason": HTML},
                            "/desk/finance")
    assert answer.status_code == 303, answer.text
    page = (await fay.get(answer.headers["location"])).text
    assert ESCAPED in page and HTML not in page
    answer = await fay.post("/desk/finance/unmatch", {"bank_ref": "CMB0300", "reason": HTML}, "/desk/finance")
    assert answer.status_code == 303, answer.text
    page = (await fay.get(answer.headers["location"])).text
    assert page.count(ESCAPED) >= 2 and HTML not in page


def test_every_code_the_payments_pages_show_has_its_words() -> None:
    """A line status, a trail action or a kind of match added without its words on the desk fails here."""
    assert set(LINE_ACTION) == set(LineAction)  # every action the trail is written with (typed: LineAction)
    assert set(LINE_STATUS) == set(LineStatus) and set(MATCH_KIND) == set(MatchKind)
    for kind in MatchKind:  # as claim_line notes it
        assert note_words(f"{kind.value} match") == (MATCH_KIND[kind], {})
    assert note_words("payer mismatch: 母公司代付") == ("another payer, because: %(reason)s",
                                                      {"reason": "母公司代付"})
    assert note_words("退款给客户") is None and note_words(None) is None  # a person's note: shown as written
