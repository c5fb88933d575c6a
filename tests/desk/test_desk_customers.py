"""The customers' pages over HTTP: entry into the warehouse, a colliding entry refused in words with nothing
stored, the live check (masked outside the scope), claim, note and hand-over with a refused role each, typed HTML
shown back escaped, and another partner's customer by URL answered like a missing one."""

from __future__ import annotations

import html
import re

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
    assert words.startswith("当前无法执行此操作") and "already yours: customer 1 '美来尔工程技术有限公司'" in words
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
    assert refusal_text(one.text) == "there is no customer 1"
    assert refusal_text(missing.text) == "there is no customer 999"
    main = [page.text.split("<main>")[1].split("</main>")[0] for page in (one, missing)]
    assert main[0].replace(" 1<", " N<") == main[1].replace(" 999<", " N<")  # nothing else tells them apart
    noted = await carol.post("/desk/customers/1/notes", {"text": "x"}, page="/desk/customers")
    assert noted.status_code == 404 and "there is no customer 1" in noted.text


def refusal_text(page: str) -> str:
    """The service's words on the refusal page (refused.html)."""
    found = re.search(r'<p class="refusal" role="alert">(?:<span class="lang-note">[^<]*</span> )?(.*?)</p>', page,
                      re.S)
    assert found, "no refusal on the page"
    return html.unescape(found.group(1)).strip()
