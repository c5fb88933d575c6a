"""How the desk answers what a person did not mean: a step taken from a page that is out of date is refused in
Chinese words; a second step from the same page is its own request, not the first one's answer replayed; two
sign-in tabs both work; the language switch comes back to the same list; and an address the desk cannot read
is a page in words, while the API's own addresses still answer JSON."""

from __future__ import annotations

import html

from tests.api.conftest import PASSWORD
from tests.dates import today
from tests.desk.conftest import Desk, Person, hidden, refusal, sign_in, status_of
from tests.helpers import pdf_bytes


async def signed_order(desk: Desk) -> tuple[str, Person]:
    """An order alice signed, waiting for amy's receipt of the original."""
    amy, alice = await desk.person("amy"), await desk.person("alice")
    page = (await amy.get("/desk/orders/new")).text
    issued = await amy.http.post("/desk/orders/new", data={"csrf": hidden(page, "csrf"), "rep": "alice"})
    assert issued.status_code == 303, issued.text
    number = issued.headers["location"].split("/")[-1].split("?")[0]
    signed = await alice.step(number, "sign", {"customer": "1", "product": "会员服务", "kind": "new",
                                               "amount": "12000.00", "signed_on": today().isoformat()})
    assert signed.status_code == 303, signed.text
    return number, amy


async def test_a_step_from_an_out_of_date_page_is_refused_in_chinese(desk: Desk) -> None:
    number, amy = await signed_order(desk)
    first, second = await amy.order(number), await amy.order(number)  # two tabs on the same order
    assert hidden(first, "step_key") != hidden(second, "step_key")
    done = await amy.http.post(f"/desk/orders/{number}/receive",
                               data={"csrf": hidden(first, "csrf"), "step_key": hidden(first, "step_key")})
    assert done.status_code == 303, done.text
    stale = await amy.http.post(f"/desk/orders/{number}/receive",
                                data={"csrf": hidden(second, "csrf"), "step_key": hidden(second, "step_key")})
    assert stale.status_code == 409, stale.text
    words = refusal(stale.text)
    assert words.startswith("当前无法执行此操作: ")
    assert f"订单 {number} 现在处于“待初审”；“确认收到原件”只能在“待收原件”时进行" in words, words
    assert "英文" not in words and "needs it to be" not in words


async def test_a_second_step_from_the_same_page_is_its_own_request(desk: Desk) -> None:
    number, amy = await signed_order(desk)
    page = await amy.order(number)
    form = {"csrf": hidden(page, "csrf"), "step_key": hidden(page, "step_key")}
    received = await amy.http.post(f"/desk/orders/{number}/receive", data=form)
    assert received.status_code == 303 and status_of(desk, number) == "FIRST_REVIEW"
    # The same page's key for the next step: it is taken, not answered with the receipt's outcome again.
    reviewed = await amy.http.post(f"/desk/orders/{number}/first_review", data=form)
    assert reviewed.status_code == 303, reviewed.text
    assert status_of(desk, number) == "AWAITING_SCAN"
    assert 'data-network-error="网络连接中断，扫描件未归档。请重试。"' in await amy.order(number)
    # And the same step again under the same key is the same request: applied once, answered alike.
    again = await amy.http.post(f"/desk/orders/{number}/first_review", data=form)
    assert again.status_code == 303 and status_of(desk, number) == "AWAITING_SCAN"


async def test_two_sign_in_tabs_both_sign_in(desk: Desk) -> None:
    from services import auth

    auth.set_password(desk.api.services, "bob", PASSWORD, by="test")
    http = desk.browser()
    one, two = (await http.get("/desk/login")).text, (await http.get("/desk/login")).text
    assert hidden(one, "csrf") == hidden(two, "csrf")
    answer = await http.post("/desk/login", data={"csrf": hidden(one, "csrf"), "username": "bob",
                                                  "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    fresh = desk.browser()  # a browser with no value yet gets a new one each time it has none
    assert hidden((await fresh.get("/desk/login")).text, "csrf") != hidden(one, "csrf")
    forged = desk.browser()
    forged.cookies.set("of_signin", "<short>", path="/desk")
    assert hidden((await forged.get("/desk/login")).text, "csrf") != "<short>"


async def test_the_language_switch_comes_back_to_the_same_list(desk: Desk) -> None:
    alice = await desk.person("alice")
    page = (await alice.get("/desk/orders?status=ISSUED&offset=0")).text
    link = html.unescape(page.split('class="lang" href="')[1].split('"')[0])
    assert link == "/desk/lang/en?next=/desk/orders%3Fstatus%3DISSUED%26offset%3D0"
    switched = await alice.http.get(link)
    assert switched.headers["location"] == "/desk/orders?status=ISSUED&offset=0"


async def test_an_address_the_desk_cannot_read_is_a_page_in_words(desk: Desk) -> None:
    alice = await desk.person("alice")
    for path in ("/desk/inbox?page=abc", "/desk/inbox?page=0", "/desk/orders?offset=-1"):
        bad = await alice.http.get(path)
        assert bad.status_code == 400 and bad.headers["content-type"].startswith("text/html"), path
        assert "这个网址不正确" in bad.text and "Content-Security-Policy" in bad.headers
    missing = await alice.http.get("/desk/no/such/page")
    assert missing.status_code == 404 and "没有这个页面" in missing.text
    assert (await alice.http.delete("/desk/inbox")).status_code == 404
    # The API keeps its JSON, and so does the desk's upload script.
    api = await alice.http.post("/auth/login", json={"username": "alice"})
    assert api.status_code == 422 and api.json()["error"] == "invalid"
    assert (await alice.http.get("/no-such")).json()["error"] == "not_found"
    upload = await alice.http.put("/desk/orders/BJ100001/scan", content=b"x")
    assert upload.status_code == 422 and upload.headers["content-type"] == "application/json"


async def test_sign_in_page_still_works_after_a_wrong_password(desk: Desk) -> None:
    from services import auth

    auth.set_password(desk.api.services, "bob", PASSWORD, by="test")
    http = desk.browser()
    wrong = await sign_in(http, "bob", "not the password")
    assert wrong.status_code == 401
    right = await http.post("/desk/login", data={"csrf": hidden(wrong.text, "csrf"), "username": "bob",
                                                 "password": PASSWORD})
    assert right.status_code == 303, right.text


async def test_an_upload_refused_is_said_in_chinese_for_the_page_s_script(desk: Desk) -> None:
    number, amy = await signed_order(desk)
    assert (await amy.step(number, "receive")).status_code == 303
    page = await amy.order(number)  # no drop zone yet: the scan is not the step at first review
    early = await amy.http.put(f"/desk/orders/{number}/scan", params={"filename": "a.pdf", "key": "k1"},
                               content=pdf_bytes(), headers={"X-CSRF-Token": hidden(page, "csrf"),
                                                             "Content-Type": "application/pdf"})
    assert early.status_code == 409, early.text
    answer = early.json()
    assert answer["error"] == "refused" and "needs it to be" in answer["message"]  # the API's words, kept
    assert answer["said"].startswith("当前无法执行此操作: 订单 ") and "“待初审”" in answer["said"], answer
    odd = await amy.http.put(f"/desk/orders/{number}/scan", params={"filename": "a.exe", "key": "k2"},
                             content=b"MZ", headers={"X-CSRF-Token": hidden(page, "csrf"),
                                                     "Content-Type": "application/x-msdownload"})
    said = odd.json()["said"]
    assert odd.status_code in (400, 415, 422) and said.startswith("请检查输入内容: 详情（英文）： "), said


async def test_a_colleague_who_left_is_named_in_the_manager_s_tasks_in_chinese(desk: Desk) -> None:
    from datetime import UTC, datetime

    from db.models import User
    from db.org_repo import set_active

    amy, sam = await desk.person("amy"), await desk.person("sam")
    page = (await amy.get("/desk/orders/new")).text
    issued = await amy.http.post("/desk/orders/new", data={"csrf": hidden(page, "csrf"), "rep": "bob"})
    number = issued.headers["location"].split("/")[-1].split("?")[0]
    with desk.api.services.transaction() as session:
        bob = session.get(User, "bob")
        assert bob is not None
        set_active(session, bob, False, "mike", datetime.now(UTC))
    inbox = (await sam.get("/desk/inbox")).text
    assert number in inbox and "来自已停用同事： bob" in inbox and "(deactivated)" not in inbox
