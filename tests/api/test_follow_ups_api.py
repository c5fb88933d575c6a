"""Special follow-ups over HTTP on the real servers (dev server, moto S3, SQLite, the worker): scope, assignees,
attachments, finance's refund queue, and a name change through the customer-correction rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from db.customer_repo import add_customer
from db.follow_up_models import FollowUp, FollowUpAttachment
from db.models import CustomerCorrection, User
from db.org_repo import set_active
from domain.people import Role
from tests.api.conftest import ApiHarness
from tests.dates import today
from tests.follow_up_invariants import follow_up_violations
from tests.helpers import entry, eventually, pdf_bytes

PDF = {"Content-Type": "application/pdf"}


def _due(days: int = 3) -> str:
    return (today() + timedelta(days=days)).isoformat()


async def _shown(client: httpx.AsyncClient, case: str, check: Any = lambda data: True) -> dict[str, Any]:
    """The read model is written by the workflow's activity just after the answer: wait for it."""
    async def probe() -> httpx.Response:
        return await client.get(f"/follow-ups/{case}")

    answer = await eventually(probe, lambda a: a.status_code == 200 and check(a.json()))
    return answer.json()  # type: ignore[no-any-return]


async def test_a_case_is_opened_commented_attached_reassigned_and_closed_within_scope(api: ApiHarness):
    alice, amy, sue, carol = (api.client(u) for u in ("alice", "amy", "sue", "carol"))
    opened = await alice.post("/follow-ups", json={"type": "dispute", "customer": 1, "assignee": "amy",
                                                    "description": "客户对年费有异议", "due_on": _due()})
    assert opened.status_code == 201, opened.text
    case = opened.json()["case_id"]
    assert opened.json()["escalate_to"] == "mike"  # amy has no manager: the partner's channel manager
    # The opening answers once it is recorded: the case is in the read model at once.
    assert (await alice.get(f"/follow-ups/{case}")).json()["events"][0]["kind"] == "opened"
    # Out of scope answers exactly like missing.
    missing = await sue.get("/follow-ups/261130-000000")
    hidden = await sue.get(f"/follow-ups/{case}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["message"] == f"there is no follow-up {case}"
    assert (await carol.post(f"/follow-ups/{case}/comments", json={"text": "x"})).status_code == 404
    # sue's customer is outside alice's scope: opening on it is as on a missing customer.
    assert (await alice.post("/follow-ups", json={"type": "other", "customer": 999, "assignee": "amy",
                                                  "description": "x", "due_on": _due()})).status_code == 404
    assert (await amy.post(f"/follow-ups/{case}/comments", json={"text": "called the customer"})).is_success
    pdf = pdf_bytes(3000)
    attached = await amy.put(f"/follow-ups/{case}/attachments", params={"filename": "发票.pdf"}, content=pdf,
                             headers=PDF)
    assert attached.status_code == 200, attached.text
    assert attached.json()["attachments"][0]["key"] == f"follow-ups/{case}/attachment-v1.pdf"
    again = await alice.put(f"/follow-ups/{case}/attachments", params={"filename": "again.pdf"}, content=pdf,
                            headers=PDF)
    assert again.status_code == 409 and "already on follow-up" in again.json()["message"]
    empty = await alice.put(f"/follow-ups/{case}/attachments", params={"filename": "e.pdf"}, content=b"",
                            headers=PDF)
    fake = await alice.put(f"/follow-ups/{case}/attachments", params={"filename": "x.pdf"}, content=b"MZ" * 100,
                           headers=PDF)
    assert empty.status_code == 422 and fake.status_code == 409, (empty.text, fake.text)
    assert "PDF" in fake.json()["message"], fake.text  # refused by its content, not its name
    with api.services.transaction() as session:
        assert session.scalar(select(func.count()).select_from(FollowUpAttachment)) == 1
    # A deactivated assignee is refused; an active one in scope, or a desk, is taken.
    with api.services.transaction() as session:
        set_active(session, session.get(User, "bob"), False, "test", datetime.now(UTC))  # type: ignore[arg-type]
    gone = await alice.post(f"/follow-ups/{case}/assign", json={"assignee": "bob", "reason": "he knows them"})
    assert gone.status_code == 409 and "deactivated" in gone.json()["message"]
    far = await alice.post(f"/follow-ups/{case}/assign", json={"assignee": "carol", "reason": "x"})
    assert far.status_code == 409 and "cannot see" in far.json()["message"]
    moved = await alice.post(f"/follow-ups/{case}/assign", json={"assignee": "desk:order_group", "reason": "fees"})
    assert moved.status_code == 200 and moved.json()["wait"] == 2, moved.text
    past = await alice.post(f"/follow-ups/{case}/due", json={"due_on": _due(-1)})
    assert past.status_code == 422 and "in the past" in past.json()["message"]
    # amy is no longer a party, and an assistant does not oversee: she may see the case but not act on it.
    assert (await amy.get(f"/follow-ups/{case}")).status_code == 200
    assert (await amy.post(f"/follow-ups/{case}/comments", json={"text": "x"})).status_code == 403
    olga = api.client("olga")
    closed = await olga.post(f"/follow-ups/{case}/close", json={"outcome": "declined",
                                                                "resolution": "the fee is in the contract"})
    assert closed.status_code == 200 and closed.json()["status"] == "CLOSED", closed.text
    shown = await _shown(alice, case, lambda d: d["status"] == "CLOSED")
    assert [e["kind"] for e in shown["events"]] == ["opened", "comment", "attached", "assigned", "closed"]
    assert shown["comments"][0]["text"] == "called the customer"
    late = await olga.post(f"/follow-ups/{case}/comments", json={"text": "x"})
    assert late.status_code == 409 and "closed" in late.json()["message"]
    assert follow_up_violations_now(api) == []
    with api.services.transaction() as session:  # the checker can fail: a closed case without its resolution
        session.get(FollowUp, case).resolution = " "  # type: ignore[union-attr]
    assert follow_up_violations_now(api) == [f"follow-up {case} is closed without its outcome and resolution"]


def follow_up_violations_now(api: ApiHarness) -> list[str]:
    with api.services.transaction() as session:
        return follow_up_violations(session)


async def test_a_refund_reaches_finance_and_closes_with_its_reference(api: ApiHarness):
    alice, fay = api.client("alice"), api.client("fay")
    opened = await alice.post("/follow-ups", json={"type": "refund", "customer": 1, "due_on": _due(5),
                                                    "description": "多付了一年的费用，申请退款"})
    assert opened.status_code == 201 and opened.json()["assignee"] == "desk:finance", opened.text
    case = opened.json()["case_id"]
    await _shown(alice, case)
    queue = (await fay.get("/follow-ups", params={"type": "refund", "waiting": "true"})).json()
    assert [r["case"] for r in queue] == [case]
    inbox = (await fay.get("/inbox")).json()
    assert [r["case"] for r in inbox["follow_ups"]] == [case]
    away = await fay.post(f"/follow-ups/{case}/assign", json={"assignee": "amy", "reason": "x"})
    assert away.status_code == 409 and "stays with finance" in away.json()["message"]
    bare = await fay.post(f"/follow-ups/{case}/close", json={"outcome": "resolved", "resolution": "paid back"})
    assert bare.status_code == 422 and "reference" in bare.json()["message"]
    done = await fay.post(f"/follow-ups/{case}/close", json={"outcome": "resolved", "resolution": "paid back",
                                                             "reference": "TB-20261130-7"})
    assert done.status_code == 200 and done.json()["reference"] == "TB-20261130-7", done.text
    report = (await api.client("olga").get("/ops/report")).json()
    assert set(report["follow_ups"]) == {"open_by_type", "overdue"}


async def test_a_name_change_goes_through_the_correction_rules(api: ApiHarness):
    with api.services.transaction() as session:
        add_customer(session, entry("长城建材有限公司", "010-66660003", "010-66660004"), owner="bob",
                     role=Role.SALES, partner="BJ", at=datetime.now(UTC))
    alice, olga = api.client("alice"), api.client("olga")
    body = {"type": "name_change", "customer": 1, "due_on": _due(),
            "description": "营业执照已变更"}
    taken = await alice.post("/follow-ups", json={**body, "new_name": "长城建材有限公司"})
    assert taken.status_code == 409 and "the same name" in taken.json()["message"], taken.text
    with api.services.transaction() as session:  # refused: nothing filed, no case
        assert session.scalar(select(func.count()).select_from(FollowUp)) == 0
        assert session.scalar(select(func.count()).select_from(CustomerCorrection)) == 0
    opened = await alice.post("/follow-ups", json={**body, "new_name": "美来尔工程科技有限公司"})
    assert opened.status_code == 201 and opened.json()["assignee"] == "desk:order_group", opened.text
    case = opened.json()["case_id"]
    shown = await _shown(alice, case)
    assert shown["correction"]["status"] == "pending"
    early = await olga.post(f"/follow-ups/{case}/close", json={"outcome": "resolved", "resolution": "renamed"})
    assert early.status_code == 409 and "order group" in early.json()["message"]
    decided = await olga.post("/customers/1/name-correction/decision", json={"approve": True, "reason": "licence"})
    assert decided.is_success, decided.text
    done = await olga.post(f"/follow-ups/{case}/close", json={"outcome": "resolved", "resolution": "renamed"})
    assert done.status_code == 200, done.text
    assert (await _shown(alice, case, lambda d: d["status"] == "CLOSED"))["correction"]["status"] == "applied"


async def test_who_may_see_and_act_on_a_case_role_by_role(api: ApiHarness):
    """alice's case on her customer 1, assigned to amy: the parties and those over them act (200); who may only see
    the customer may see the case but not act (403); everyone else finds nothing (404), the agency included."""
    opened = await api.client("alice").post("/follow-ups", json={
        "type": "complaint", "customer": 1, "assignee": "amy", "description": "投诉服务态度", "due_on": _due()})
    case = opened.json()["case_id"]
    expected = {"alice": 200, "amy": 200, "sam": 200, "bjpartner": 200, "mike": 200, "hank": 200, "dora": 200,
                "gao": 403, "olga": 404, "fay": 404, "bob": 404, "carol": 404, "sue": 404, "mary": 404}
    with api.services.transaction() as session:  # the certification agency's clerks, whoever the org names
        clerks = list(session.scalars(select(User.username).where(User.role == "agency_clerk")))
    expected |= {clerk: 404 for clerk in clerks}
    got = {}
    for user in expected:
        client = api.client(user)
        answer = await client.post(f"/follow-ups/{case}/comments", json={"text": f"from {user}"})
        got[user] = answer.status_code
        listed = [r["case"] for r in (await client.get("/follow-ups")).json()]
        assert (case in listed) == (expected[user] != 404), (user, listed)
        assert ((await client.get(f"/follow-ups/{case}")).status_code == 200) == (expected[user] != 404), user
    assert got == expected


async def test_a_case_on_an_order_follows_the_orders_visibility(api: ApiHarness):
    amy, alice, sue, gao = (api.client(u) for u in ("amy", "alice", "sue", "gao"))
    assert (await amy.post("/orders", json={"rep": "alice", "number": "BJ100300"})).is_success
    body = {"type": "invoice", "order": "BJ100300", "assignee": "amy", "description": "需要增值税专用发票",
            "due_on": _due(7)}
    opened = await alice.post("/follow-ups", json=body)
    assert opened.status_code == 201 and opened.json()["partner"] == "BJ", opened.text
    hidden, missing = (await sue.post("/follow-ups", json=body)), (await sue.post("/follow-ups", json={
        **body, "order": "BJ100301"}))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["message"] == "there is no order BJ100300"
    refused = await gao.post("/follow-ups", json=body)  # the approval group may not see orders
    assert refused.status_code == 403 and "may not open follow-ups on orders" in refused.json()["message"]
    rows = (await amy.get("/follow-ups", params={"waiting": "true"})).json()
    assert [(r["case"], r["order"], r["label"]) for r in rows] == [(opened.json()["case_id"], "BJ100300", "开具发票")]
    far = await alice.post("/follow-ups", json={**body, "due_on": _due(400)})
    assert far.status_code == 422 and "check the year" in far.json()["message"]
    both = await alice.post("/follow-ups", json={**body, "customer": 1})
    assert both.status_code == 422 and "exactly one" in both.json()["message"]
    # A retried comment (same Idempotency-Key) is answered as the first was, and added once.
    case, key = opened.json()["case_id"], {"Idempotency-Key": "retry-1"}
    first = await alice.post(f"/follow-ups/{case}/comments", json={"text": "已开票"}, headers=key)
    again = await alice.post(f"/follow-ups/{case}/comments", json={"text": "已开票"}, headers=key)
    assert first.json()["comments"] == again.json()["comments"] == 1
    assert len((await alice.get(f"/follow-ups/{case}")).json()["comments"]) == 1


async def test_a_keyed_opening_and_close_answer_their_retry_as_the_first_attempt(api: ApiHarness):
    alice = api.client("alice")
    body = {"type": "complaint", "customer": 1, "assignee": "amy", "description": "投诉", "due_on": _due()}
    key = {"Idempotency-Key": "open-1"}
    first = await alice.post("/follow-ups", json=body, headers=key)
    with api.services.transaction() as session:  # what changed since does not turn the retry into a refusal
        set_active(session, session.get(User, "amy"), False, "test", datetime.now(UTC))  # type: ignore[arg-type]
    again = await alice.post("/follow-ups", json=body, headers=key)  # the reply was lost: the same case
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    case = first.json()["case_id"]
    assert again.json()["case_id"] == case
    other = await alice.post("/follow-ups", json={**body, "assignee": "desk:order_group"},
                             headers={"Idempotency-Key": "open-2"})
    assert other.status_code == 201 and other.json()["case_id"] != case
    with api.services.transaction() as session:
        assert session.scalar(select(func.count()).select_from(FollowUp)) == 2
    done = {"Idempotency-Key": "close-1"}
    closed = await alice.post(f"/follow-ups/{case}/close", json={"outcome": "withdrawn", "resolution": "ok"},
                              headers=done)
    retried = await alice.post(f"/follow-ups/{case}/close", json={"outcome": "withdrawn", "resolution": "ok"},
                               headers=done)
    assert closed.status_code == retried.status_code == 200, (closed.text, retried.text)
    assert retried.json()["closed_at"] == closed.json()["closed_at"]
    # Without the key, a second close is what it is: refused.
    late = await alice.post(f"/follow-ups/{case}/close", json={"outcome": "withdrawn", "resolution": "ok"})
    assert late.status_code == 409 and "closed" in late.json()["message"]


async def test_a_name_change_whose_case_could_not_start_withdraws_its_correction(api: ApiHarness, monkeypatch):
    from temporalio.client import Client
    from temporalio.service import RPCError, RPCStatusCode

    async def down(*_: Any, **__: Any) -> Any:
        raise RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")

    alice = api.client("alice")
    body = {"type": "name_change", "customer": 1, "due_on": _due(), "description": "营业执照已变更",
            "new_name": "美来尔工程科技有限公司"}
    with monkeypatch.context() as patched:  # Temporal fails just as the case would start
        patched.setattr(Client, "execute_update_with_start_workflow", down)
        failed = await alice.post("/follow-ups", json=body)
    assert failed.status_code == 503, failed.text
    with api.services.transaction() as session:
        fix = session.scalar(select(CustomerCorrection))
        assert fix is not None and fix.status == "rejected" and "could not be opened" in (fix.decision or "")
    # Nothing left pending blocks opening the case again.
    opened = await alice.post("/follow-ups", json=body)
    assert opened.status_code == 201, opened.text
    assert (await _shown(alice, opened.json()["case_id"]))["correction"]["status"] == "pending"


async def test_an_escalation_skips_a_manager_who_may_not_act(api: ApiHarness):
    with api.services.transaction() as session:
        mine = add_customer(session, entry("长城建材有限公司", "010-66660003", "010-66660004"), owner="bob",
                            role=Role.SALES, partner="BJ", at=datetime.now(UTC))
    partner = api.client("bjpartner")
    body = {"type": "dispute", "customer": mine.id, "assignee": "bob", "description": "年费异议", "due_on": _due()}
    opened = await partner.post("/follow-ups", json=body)
    assert opened.status_code == 201 and opened.json()["escalate_to"] == "sam", opened.text  # bob's manager
    with api.services.transaction() as session:
        set_active(session, session.get(User, "sam"), False, "test", datetime.now(UTC))  # type: ignore[arg-type]
    again = await partner.post("/follow-ups", json=body)
    assert again.status_code == 201 and again.json()["escalate_to"] == "mike", again.text  # the partner's manager
