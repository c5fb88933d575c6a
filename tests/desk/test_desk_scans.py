"""The scans' batch page over HTTP: the page for those who may upload scans only, the check route's answer for an
order waiting for a scan, one not waiting and another partner's (like a missing one), and three files filed in a
row through the order page's upload route with a fresh key each: two filed, one refused in words."""

from __future__ import annotations

import re
import secrets

from db.models import Order
from tests.dates import today
from tests.desk.conftest import Desk, Person, hidden
from tests.helpers import pdf_bytes
from web.i18n import translations


async def issued(amy: Person) -> str:
    page = (await amy.get("/desk/orders/new")).text
    answer = await amy.http.post("/desk/orders/new", data={"csrf": hidden(page, "csrf"), "rep": "alice"})
    assert answer.status_code == 303, answer.text
    return str(answer.headers["location"].split("/")[-1].split("?")[0])


async def awaiting_scan(amy: Person, alice: Person) -> str:
    """An order brought to AWAITING_SCAN through the pages: issued, signed, received, approved at first review."""
    number = await issued(amy)
    signed = await alice.step(number, "sign", {"customer": "1", "product": "会员服务", "kind": "new",
                                               "amount": "12000.00", "signed_on": today().isoformat()})
    assert signed.status_code == 303, signed.text
    for action, data in (("receive", {"note": ""}), ("first_review", {})):
        done = await amy.step(number, action, data)
        assert done.status_code == 303, done.text
    return number


def csrf_of(page: str) -> str:
    found = re.search(r'id="scan-batch"[^>]*data-csrf="([^"]+)"', page, re.S)
    assert found, "the page has no batch zone"
    return found.group(1)


async def test_only_those_who_may_upload_scans_see_the_page(desk: Desk) -> None:
    amy, olga, alice, fay = [await desk.person(u) for u in ("amy", "olga", "alice", "fay")]
    for person in (amy, olga):
        page = await person.get("/desk/scans")
        assert page.status_code == 200 and 'id="scan-files"' in page.text and "multiple" in page.text
        assert "/desk/static/scans.js" in page.text and "<script>" not in page.text
    for person in (alice, fay):
        refused = await person.get("/desk/scans")
        assert refused.status_code == 403 and "scan-files" not in refused.text
        check = await person.get("/desk/scans/check?number=BJ100001")
        assert check.status_code == 403 and check.json()["found"] is False


async def test_the_check_tells_the_orders_state_and_another_partners_order_is_like_a_missing_one(desk: Desk) -> None:
    amy, alice, sue = [await desk.person(u) for u in ("amy", "alice", "sue")]
    waiting = await awaiting_scan(amy, alice)
    fresh = await issued(amy)
    page = (await amy.get("/desk/scans")).text
    assert f'<option value="{waiting}">' in page and f'<option value="{fresh}">' not in page

    ready = (await amy.get(f"/desk/scans/check?number={waiting}")).json()
    assert ready == {"number": waiting, "found": True, "awaiting": True, "status": "AWAITING_SCAN",
                     "state": translations("zh").gettext("Waiting for the scan"), "says": "正在等待扫描件：可以归档"}
    not_yet = await amy.get(f"/desk/scans/check?number={fresh}")
    assert not_yet.status_code == 200 and not_yet.json()["awaiting"] is False
    assert not_yet.json()["says"].startswith("不在等待扫描件；当前状态：")

    theirs = await sue.get(f"/desk/scans/check?number={waiting}")
    gone = await sue.get("/desk/scans/check?number=BJ100999")
    assert theirs.status_code == gone.status_code == 404
    assert theirs.text == gone.text.replace("BJ100999", waiting)
    assert theirs.json()["found"] is False and "awaiting" in theirs.json() and "status" not in theirs.json()
    assert theirs.json()["message"] == f"没有订单 {waiting}，或您无权查看该订单。请核对订单号。"


async def test_three_files_filed_in_a_row_two_filed_one_refused_in_words(desk: Desk) -> None:
    amy, alice = [await desk.person(u) for u in ("amy", "alice")]
    first, second = [await awaiting_scan(amy, alice) for _ in range(2)]
    fresh = await issued(amy)
    csrf = csrf_of((await amy.get("/desk/scans")).text)
    outcomes = {}
    for number, name in ((first, f"{first}.pdf"), (fresh, f"{fresh} 扫描.pdf"), (second, f"{second}.pdf")):
        key = f"batch-{secrets.token_urlsafe(12)}"
        outcomes[number] = await amy.http.put(f"/desk/orders/{number}/scan", params={"filename": name, "key": key},
                                              content=pdf_bytes(), headers={"X-CSRF-Token": csrf,
                                                                            "Content-Type": "application/pdf"})
    assert outcomes[first].status_code == outcomes[second].status_code == 200
    assert outcomes[first].json()["status"] == outcomes[second].json()["status"] == "SECOND_REVIEW"
    refused = outcomes[fresh]
    assert refused.status_code == 409 and refused.json()["message"], refused.text
    # A file of a type no scan has is refused in words too, and changes nothing.
    text = await amy.http.put(f"/desk/orders/{fresh}/scan", params={"filename": "note.txt", "key": "k-text"},
                              content=b"hello", headers={"X-CSRF-Token": csrf, "Content-Type": "text/plain"})
    assert text.status_code in (415, 422) and text.json()["message"], text.text
    with desk.api.services.transaction() as session:
        statuses = {n: session.get(Order, n).status for n in (first, second, fresh)}  # type: ignore[union-attr]
    assert statuses == {first: "SECOND_REVIEW", second: "SECOND_REVIEW", fresh: "ISSUED"}
    after = (await amy.get(f"/desk/scans/check?number={first}")).json()
    assert after["awaiting"] is False and after["status"] == "SECOND_REVIEW"
