"""The customers' pages over HTTP: entry into the warehouse, a colliding entry refused in words with nothing
stored, the live check (masked outside the scope), claim, note and hand-over with a refused role each, typed HTML
shown back escaped, and another partner's customer by URL answered like a missing one."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from db.models import Customer
from db.warehouse_repo import move
from tests.desk.conftest import Desk, Person, hidden, refusal

NEW = {"name": "长城建材有限公司", "phone": "010-63330001", "fax": "010-63330002", "address": "北京市朝阳区建国路88号",
       "region": "北京"}
# Customer 1 of the demo data is alice's: 美来尔工程技术有限公司, 010-62345678.
COLLIDING = {**NEW, "name": "美来尔工程技术(北京)有限公司", "phone": "010-63330005", "fax": "010-63330006"}
HTML = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def _count(desk: Desk) -> int:
    with desk.api.services.transaction() as session:
        return session.scalar(select(func.count()).select_from(Customer)) or 0


def _owner(desk: Desk, customer_id: int) -> str | None:
    with desk.api.services.transaction() as session:
        found = session.get(Customer, customer_id)
        assert found is not None
        return found.owner


def _to_pool(desk: Desk, customer_id: int) -> None:
    with desk.api.services.transaction() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        move(session, customer, None, reason="recycled", actor="system", at=customer.created_at)


async def _enter(who: Person, facts: dict[str, str]) -> object:
    return await who.post("/desk/customers", facts, page="/desk/customers")


async def _check(who: Person, **typed: str) -> tuple[int, str]:
    page = await who.get("/desk/customers")
    answer = await who.http.post("/desk/customers/check", data=typed,
                                 headers={"X-CSRF-Token": hidden(page.text, "csrf")})
    return answer.status_code, html.unescape(answer.text)


def _escaped(page: str) -> None:
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_an_entry_lands_in_the_warehouse_and_a_colliding_one_is_refused_in_words(desk: Desk) -> None:
    alice = await desk.person("alice")
    before = _count(desk)
    added = await _enter(alice, NEW)
    assert added.status_code == 303 and re.fullmatch(r"/desk/customers/\d+\?done=added", added.headers["location"])
    assert _count(desk) == before + 1
    shown = (await alice.get(added.headers["location"])).text
    assert "客户已进入您的仓库" in shown and '<span class="typed customer-name">长城建材有限公司</span>' in shown
    listed = (await alice.get("/desk/customers")).text
    assert "长城建材有限公司" in listed and "美来尔工程技术有限公司" in listed
    assert re.search(r'class="held">2</strong> / <span class="cap">400', listed)  # two of the rep's cap of 400

    refused = await _enter(alice, COLLIDING)
    assert refused.status_code == 409
    words = refusal(refused.text)
    assert words.startswith("当前无法执行此操作"), words
    assert "您仓库中的客户 1（美来尔工程技术有限公司）与本次录入名称相同" in words, words
    assert _count(desk) == before + 1  # nothing stored
    assert 'value="美来尔工程技术(北京)有限公司"' in refused.text  # the form is filled again


async def test_the_live_check_answers_and_hides_what_is_outside_the_scope(desk: Desk) -> None:
    alice, carol = await desk.person("alice"), await desk.person("carol")
    status, mine = await _check(alice, name="北京美来尔工程技术有限公司", phone="(010)62345678", fax="")
    assert status == 200 and "撞单" in mine and "美来尔工程技术有限公司" in mine and "客户 1" in mine
    status, hidden_hit = await _check(carol, name="北京美来尔工程技术有限公司", phone="", fax="")
    assert status == 200 and "撞单" in hidden_hit and "其他销售的仓库" in hidden_hit
    assert "alice" not in hidden_hit and "美来尔工程技术有限公司" not in hidden_hit and "客户 1" not in hidden_hit
    status, clear = await _check(alice, name="完全不同的新公司", phone="", fax="")
    assert status == 200 and "没有撞单" in clear
    status, bad = await _check(alice, name="美来尔", phone="123", fax="")
    assert status == 422 and "phone" in bad  # the service's refusal of the typed number, in words
    forged = await alice.http.post("/desk/customers/check", data={"name": "美来尔"})
    assert forged.status_code == 403


async def test_claim_note_and_hand_over_and_the_roles_they_refuse(desk: Desk) -> None:
    bob, bjpartner, sam = [await desk.person(u) for u in ("bob", "bjpartner", "sam")]
    _to_pool(desk, 1)
    assert 'action="/desk/customers/claim"' not in (await bjpartner.get("/desk/customers")).text
    refused = await bjpartner.post("/desk/customers/claim", {"customer": "1"}, page="/desk/customers")
    assert refused.status_code == 403 and refusal(refused.text) and _owner(desk, 1) is None
    claimed = await bob.post("/desk/customers/claim", {"customer": "1"}, page="/desk/customers")
    assert claimed.status_code == 303 and claimed.headers["location"] == "/desk/customers/1?done=claimed"
    assert _owner(desk, 1) == "bob"

    noted = await bob.post("/desk/customers/1/notes", {"text": "visited, wants a quote"}, page="/desk/customers/1")
    assert noted.status_code == 303 and "销售小记已保存" in (await bob.get(noted.headers["location"])).text
    page = (await sam.get("/desk/customers/1")).text
    assert "/notes" not in page and "/hand-over" not in page  # a supervisor writes no notes and hands nothing over
    assert (await sam.post("/desk/customers/1/notes", {"text": "x"}, page="/desk/customers/1")).status_code == 403
    assert (await sam.post("/desk/customers/1/hand-over", {"to": "alice"},
                           page="/desk/customers/1")).status_code == 403
    assert _owner(desk, 1) == "bob"

    handed = await bjpartner.post("/desk/customers/1/hand-over", {"to": "alice"}, page="/desk/customers/1")
    assert handed.status_code == 303 and _owner(desk, 1) == "alice"
    wrong = await bjpartner.post("/desk/customers/1/hand-over", {"to": "carol"}, page="/desk/customers/1")
    assert wrong.status_code == 409 and "carol" in refusal(wrong.text) and _owner(desk, 1) == "alice"


async def test_typed_html_comes_back_escaped(desk: Desk) -> None:
    alice = await desk.person("alice")
    before = _count(desk)
    entered = await _enter(alice, {**NEW, "name": HTML + "有限公司", "address": HTML})
    assert entered.status_code == 422 and _count(desk) == before
    assert 'company name contains "<"' in refusal(entered.text) and 'address contains "<"' in refusal(entered.text)
    _escaped(entered.text)  # the refused name and address are in the form again, as text
    page = await alice.get("/desk/customers")
    answer = await alice.http.post("/desk/customers/check", data={"name": HTML},
                                   headers={"X-CSRF-Token": hidden(page.text, "csrf")})
    assert answer.status_code == 422 and 'company name contains &#34;&lt;&#34;' in answer.text
    assert "<script" not in answer.text
    noted = await alice.post("/desk/customers/1/notes", {"text": HTML + "\x00"}, page="/desk/customers/1")
    assert noted.status_code == 422 and refusal(noted.text)
    _escaped(noted.text)  # the note typed is in the form again, as text


async def test_the_warehouse_shows_the_recycling_warnings(desk: Desk) -> None:
    from datetime import UTC, datetime

    from db.models import Notification

    with desk.api.services.transaction() as session:
        session.add(Notification(key="test-recycle-1", recipient="alice", order_number="customer:1",
                                 kind="recycle-warning", due_at=None, created_at=datetime.now(UTC),
                                 text="客户 1 自 2026-10-01 起未跟进，即将回收到公海"))
    alice, bob = await desk.person("alice"), await desk.person("bob")
    page = (await alice.get("/desk/customers")).text
    assert "即将回收到公海" in page and 'href="/desk/customers/1"' in page and "客户 1 自 2026-10-01" in page
    assert "即将回收到公海" not in (await bob.get("/desk/customers")).text


async def test_another_partners_customer_answers_like_a_missing_one(desk: Desk) -> None:
    carol = await desk.person("carol")
    one, missing = await carol.get("/desk/customers/1"), await carol.get("/desk/customers/999")
    assert (one.status_code, missing.status_code) == (404, 404)
    assert refusal_text(one.text) == "没有客户 1，或您无权查看该客户。"
    assert refusal_text(missing.text) == "没有客户 999，或您无权查看该客户。"
    main = [page.text.split("<main>")[1].split("</main>")[0] for page in (one, missing)]
    assert main[0].replace(" 1，", " N，") == main[1].replace(" 999，", " N，")  # nothing else tells them apart
    noted = await carol.post("/desk/customers/1/notes", {"text": "x"}, page="/desk/customers")
    assert noted.status_code == 404 and "没有客户 1，" in noted.text


def refusal_text(page: str) -> str:
    """The service's words on the refusal page (refused.html)."""
    found = re.search(r'<p class="refusal" role="alert">(?:<span class="lang-note">[^<]*</span> )?(.*?)</p>', page,
                      re.S)
    assert found, "no refusal on the page"
    return html.unescape(found.group(1)).strip()


def _pool_customer(desk: Desk, name: str, phone: str, region: str) -> int:
    from datetime import UTC, datetime, timedelta

    from db.customer_repo import add_customer
    from domain.people import Role
    from tests.helpers import entry

    at = datetime.now(UTC) - timedelta(days=90)
    with desk.api.services.transaction() as session:
        c = add_customer(session, entry(name, phone, phone[:-1] + "9", region=region), owner="carol",
                         role=Role.SALES, partner="SH", at=at)
        move(session, c, None, reason="recycled: no follow-up", actor="system", at=datetime.now(UTC))
        return c.id


def _pool_rows(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr class="pool-row" data-customer="(\d+)">', page)]


async def test_the_public_pool_is_browsed_searched_and_claimed_from(desk: Desk) -> None:
    """公海: a rep sees the pool of their regions, the last to enter it first, searches it and claims with the
    row's button; the warehouse's count follows."""
    bob = await desk.person("bob")
    _to_pool(desk, 1)  # 美来尔 (北京), to the pool at its entry time: the older one
    tianjin = _pool_customer(desk, "海河机械有限公司", "022-63330101", "天津")
    shanghai = _pool_customer(desk, "浦江贸易有限公司", "021-63330101", "上海")
    assert '<a href="/desk/customers/pool"' in (await bob.get("/desk/inbox")).text  # the menu offers it
    page = await bob.get("/desk/customers/pool")
    assert page.status_code == 200 and "公海" in page.text and "挑入" in page.text
    assert _pool_rows(page.text) == [tianjin, 1] and shanghai not in _pool_rows(page.text)
    assert "未跟进，已回收" in page.text  # why it is in the pool, in words
    assert 'action="/desk/customers/claim"' in page.text and hidden(page.text, "csrf")
    found = await bob.get("/desk/customers/pool?q=美来尔")
    assert _pool_rows(found.text) == [1] and 'name="q" maxlength="100" value="美来尔"' in found.text
    assert _pool_rows((await bob.get("/desk/customers/pool?q=022-6333")).text) == [tianjin]
    assert "没有符合搜索条件的客户" in (await bob.get("/desk/customers/pool?q=不存在")).text
    assert '<strong class="held">0</strong> / <span class="cap">400</span>' in page.text

    claimed = await bob.post("/desk/customers/claim", {"customer": "1", "back": "pool", "q": "美来尔", "offset": "0"},
                             page="/desk/customers/pool?q=美来尔")
    assert claimed.status_code == 303 and claimed.headers["location"] == "/desk/customers/1?done=claimed"
    assert _owner(desk, 1) == "bob"
    assert _pool_rows((await bob.get("/desk/customers/pool")).text) == [tianjin]
    assert '<strong class="held">1</strong> / <span class="cap">400</span>' in (await bob.get("/desk/customers")).text


async def test_a_refused_claim_from_the_pool_says_why_there_and_keeps_the_search(desk: Desk) -> None:
    alice, bob = await desk.person("alice"), await desk.person("bob")
    _to_pool(desk, 1)  # alice's own customer: she may claim it back only after the cooldown
    page = (await alice.get("/desk/customers/pool?q=美来尔")).text
    assert _pool_rows(page) == [1] and "暂不可挑入" in page and "起才能重新挑入" in page and "英文" not in page
    refused = await alice.post("/desk/customers/claim", {"customer": "1", "back": "pool", "q": "美来尔",
                                                         "offset": "0"}, page="/desk/customers/pool?q=美来尔")
    assert refused.status_code == 409 and "起才能重新挑入" in refusal(refused.text)
    assert 'name="q" maxlength="100" value="美来尔"' in refused.text and _pool_rows(refused.text) == [1]
    assert _owner(desk, 1) is None
    # A claim lost to another rep meanwhile: the pool page says so, and the customer is gone from the list.
    taken = await bob.post("/desk/customers/claim", {"customer": "1", "back": "pool", "q": "", "offset": "0"},
                           page="/desk/customers/pool")
    assert taken.status_code == 303
    again = await bob.post("/desk/customers/claim", {"customer": "1", "back": "pool", "q": "", "offset": "0"},
                           page="/desk/customers/pool")
    assert again.status_code == 409 and "已在您的仓库中" in refusal(again.text) and _pool_rows(again.text) == []


async def test_the_pool_is_only_for_those_who_may_claim_and_odd_searches_are_refused_in_words(desk: Desk) -> None:
    sam, bjpartner, bob = [await desk.person(u) for u in ("sam", "bjpartner", "bob")]
    _to_pool(desk, 1)
    for who in (sam, bjpartner):
        assert "/desk/customers/pool" not in (await who.get("/desk/customers")).text  # neither menu nor link
        refused = await who.get("/desk/customers/pool")
        assert refused.status_code == 403 and "lacks the 'claim' permission" in refusal_text(refused.text)
    long = await bob.get("/desk/customers/pool?q=" + "长" * 101)
    assert long.status_code == 422 and "the search text is 101 characters long" in refusal(long.text)
    assert 'value="' + "长" * 101 + '"' in long.text  # what was typed is kept
    typed = await bob.http.get("/desk/customers/pool", params={"q": HTML})
    assert typed.status_code == 200 and "<script>alert(1)" not in typed.text and "&lt;script&gt;" in typed.text


async def test_the_warehouse_count_is_a_count_not_a_bounded_list(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """The count against the cap counts the warehouse, however few rows the page's list shows; one customer's page
    reads that customer, not a list it might not be on."""
    from datetime import UTC, datetime

    import web.customer_pages
    from db.customer_repo import add_customer
    from domain.people import Role
    from tests.helpers import entry

    with desk.api.services.transaction() as session:
        added = [add_customer(session, entry(f"计数测试{i}号贸易有限公司", f"010-6655{i:04d}", f"010-6656{i:04d}"),
                              owner="alice", role=Role.SALES, partner="BJ", at=datetime.now(UTC),
                              confirm_distinct=True).id for i in range(3)]
    monkeypatch.setattr(web.customer_pages, "PAGE", 1)
    alice = await desk.person("alice")  # holds customer 1 of the demo data, and the three above
    page = (await alice.get("/desk/customers")).text
    assert '<strong class="held">4</strong> / <span class="cap">400</span>' in page
    assert "计数测试0号" not in page or "计数测试1号" not in page  # the list shows one a page
    one = (await alice.get(f"/desk/customers/{added[0]}")).text
    assert "计数测试0号贸易有限公司" in one