"""One order from issue to EFFECTIVE through the desk's pages, by four people, in Chinese: each sees it in
their 我的待办 when it waits for them, takes the step by its form, and the story grows."""

from __future__ import annotations

from db.models import Order
from tests.dates import today
from tests.desk.conftest import Desk, hidden, refusal
from tests.helpers import pdf_bytes


async def test_an_order_from_issue_to_effective_through_the_pages(desk: Desk) -> None:
    amy, alice, olga, fay = [await desk.person(u) for u in ("amy", "alice", "olga", "fay")]
    issue_page = (await amy.get("/desk/orders/new")).text
    issued = await amy.http.post("/desk/orders/new", data={"csrf": hidden(issue_page, "csrf"), "rep": "alice"})
    assert issued.status_code == 303, issued.text
    number = issued.headers["location"].split("/")[-1].split("?")[0]

    inbox = (await alice.get("/desk/inbox")).text
    assert number in inbox and "我的待办" in inbox and "等待销售与客户签约" in inbox
    page = await alice.order(number)
    assert "等待销售与客户签约（alice），截止 <strong>" in page  # one sentence, in Chinese word order
    assert "登记签约" in page and "美来尔工程技术有限公司" in page  # her step, her warehouse's customer
    signed = await alice.step(number, "sign", {"customer": "1", "product": "会员服务", "kind": "new",
                                               "amount": "12000.00", "signed_on": today().isoformat()})
    assert signed.status_code == 303, signed.text
    assert "确认收到原件" in (await amy.order(number))

    for action, data in (("receive", {"note": ""}), ("first_review", {})):
        done = await amy.step(number, action, data)
        assert done.status_code == 303, done.text
    uploaded = await amy.upload(number, pdf_bytes(), "扫描件.pdf", "application/pdf")
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["status"] == "SECOND_REVIEW"

    page = await olga.order(number)
    assert "复审通过" in page and "修改订单" in page and f"/desk/orders/{number}/file?version=1" in page
    missing = await olga.step(number, "second_review", {"location": ""})
    assert missing.status_code in (409, 422)
    assert "请检查输入内容" in refusal(missing.text) or "当前无法执行此操作" in refusal(missing.text)
    approved = await olga.step(number, "second_review", {"location": "档案柜 A-3"})
    assert approved.status_code == 303, approved.text

    paid = await fay.step(number, "pay", {"amount": "12000.00", "paid_on": today().isoformat()})
    assert paid.status_code == 303, paid.text
    final = await fay.order(number)
    assert "已生效" in final and "登记了到款" in final and "复审通过" in final
    with desk.api.services.transaction() as session:
        row = session.get(Order, number)
        assert row is not None and row.status == "EFFECTIVE"


async def test_the_desk_speaks_chinese_by_default_and_english_on_request(desk: Desk) -> None:
    alice = await desk.person("alice")
    assert "我的待办" in (await alice.get("/desk/inbox")).text
    switched = await alice.http.get("/desk/lang/en", params={"next": "/desk/orders"})
    assert switched.status_code == 303 and switched.headers["location"] == "/desk/orders"
    page = (await alice.get("/desk/orders")).text
    assert '<html lang="en">' in page and "My tasks" in page and "我的待办" not in page and "中文" in page
    assert (await alice.http.get("/desk/lang/xx")).status_code == 303  # an unknown language changes nothing
    assert "My tasks" in (await alice.get("/desk/inbox")).text
    await alice.http.get("/desk/lang/zh")
    assert "我的待办" in (await alice.get("/desk/inbox")).text
