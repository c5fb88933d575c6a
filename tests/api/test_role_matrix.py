"""Every endpoint × every role, over HTTP with real tokens: a role the permission table (or the order step
table) does not allow gets 403 naming what it lacks, and the store is exactly as it was; a role it allows gets
past the door (whatever the order's state then says). An endpoint missing from this table fails the build.

The rules are read from their one source: `domain.permissions.ROLE_PERMS` and `domain.order.STEPS`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from temporalio.testing import WorkflowEnvironment

from db.customer_repo import add_customer
from db.models import Application, Base, Customer, Order, User
from db.warehouse_repo import move
from domain.order import STEPS, Action
from domain.people import Role
from domain.permissions import ROLE_PERMS, Perm
from domain.timers import Policy
from tests.api.conftest import ApiHarness, harness
from tests.dates import today
from tests.helpers import entry, eventually, pdf_bytes

USERS = {Role.SALES: "alice", Role.SUPERVISOR: "sam", Role.PARTNER: "bjpartner", Role.MANAGER: "mike",
         Role.HQ_REP: "hank", Role.DIRECTOR: "dora", Role.ASSISTANT: "amy", Role.ORDER_GROUP: "olga",
         Role.APPROVAL_GROUP: "gao", Role.FINANCE: "fay", Role.AGENCY_CLERK: "vera"}
# In a case's body, params or content: the day it is sent (Beijing), put in by `_send` like {n}, the order.
TODAY = "{today}"
SIGNED_IN = "any signed-in user"
ORG_YAML = (Path(__file__).resolve().parents[2] / "examples" / "org.yaml").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Case:
    rule: Perm | Action | str
    method: str
    path: str
    json: Any = None
    content: bytes | None = None
    params: dict[str, str] | None = None
    headers: dict[str, str] | None = None
    order: str | None = None  # the order state this endpoint's step needs (see `_orders`)


def allowed(rule: Perm | Action | str, role: Role) -> bool:
    if isinstance(rule, Perm):
        return rule in ROLE_PERMS[role]
    if isinstance(rule, Action):
        return role in STEPS[rule].roles
    return rule == SIGNED_IN


# Customer 4's four facts as alice confirms them for a transfer-in into 北京.
CONFIRMED = {"region": "北京", "name": "浦江贸易有限公司", "phone": "021-66660007", "fax": "021-66660008",
             "address": "北京市海淀区中关村大街1号"}
PDF = {"content": pdf_bytes(3000), "headers": {"Content-Type": "application/pdf"}}
CASES: dict[str, Case] = {
    "GET /auth/whoami": Case(SIGNED_IN, "GET", "/auth/whoami"),
    "GET /auth/tokens": Case(SIGNED_IN, "GET", "/auth/tokens"),
    "POST /orders": Case(Action.ISSUE, "POST", "/orders", {"rep": "alice"}),
    "GET /orders": Case(Perm.SEE_ORDERS, "GET", "/orders"),
    "GET /orders/{number}": Case(Perm.SEE_ORDERS, "GET", "/orders/{n}", order="ISSUED"),
    "GET /orders/{number}/scan-url": Case(Perm.SEE_ORDERS, "GET", "/orders/{n}/scan-url", order="AWAITING_PAYMENT"),
    "POST /orders/{number}/sign": Case(Action.SIGN, "POST", "/orders/{n}/sign", {
        "customer": 1, "product": "Ads", "kind": "new", "amount": "1000"}, order="ISSUED"),
    "POST /orders/{number}/receive": Case(Action.RECEIVE, "POST", "/orders/{n}/receive", order="AWAITING_ORIGINAL"),
    "POST /orders/{number}/approve": Case(Action.FIRST_REVIEW, "POST", "/orders/{n}/approve", order="FIRST_REVIEW"),
    "POST /orders/{number}/reject": Case(Action.REJECT, "POST", "/orders/{n}/reject", {
        "reasons": ["missing_stamp"], "note": "no seal"}, order="FIRST_REVIEW"),
    "PUT /orders/{number}/scan": Case(Action.SCAN, "PUT", "/orders/{n}/scan", params={"filename": "s.pdf"},
                                      order="AWAITING_SCAN", **PDF),
    "POST /orders/{number}/pay": Case(Action.PAY, "POST", "/orders/{n}/pay", {"amount": "1000", "paid_on": TODAY},
                                      order="AWAITING_PAYMENT"),
    "POST /orders/{number}/correct": Case(Action.CORRECT, "POST", "/orders/{n}/correct", {"note": "fixed"},
                                          order="RETURNED"),
    "POST /orders/{number}/resend": Case(Action.RESEND_ORIGINAL, "POST", "/orders/{n}/resend", {"note": "again"},
                                         order="RETURNED"),
    "POST /orders/{number}/modify": Case(Action.MODIFY, "POST", "/orders/{n}/modify", {
        "reason": "typo", "product": "Ads, 2 years"}, order="SECOND_REVIEW"),
    "POST /orders/{number}/escalation": Case(Action.ALLOW_ROUND, "POST", "/orders/{n}/escalation", {
        "decision": "allow", "note": "one more"}, order="ESCALATED"),
    "POST /orders/{number}/lost": Case(Action.REPORT_LOST, "POST", "/orders/{n}/lost", {"note": "lost"},
                                       order="AWAITING_ORIGINAL"),
    "POST /orders/{number}/reissue": Case(Action.REISSUE, "POST", "/orders/{n}/reissue", {"new_number": "BJ100099"},
                                          order="LOST"),
    # Past the door, an order that has not expired answers that it is not EXPIRED (409).
    "POST /orders/{number}/revive": Case(Action.REVIVE, "POST", "/orders/{n}/revive", {"reason": "paid late"},
                                         order="AWAITING_PAYMENT"),
    # Past the door, an order that is not LOST or REISSUED answers that it is not (409).
    "POST /orders/{number}/receive-late": Case(Action.RECEIVE_LATE, "POST", "/orders/{n}/receive-late", {
        "reason": "the courier found it"}, order="AWAITING_ORIGINAL"),
    # Past the door, an order that is not VOID answers that it is not (409).
    "POST /orders/{number}/restore": Case(Action.RESTORE, "POST", "/orders/{n}/restore", {"reason": "found it"},
                                          order="AWAITING_ORIGINAL"),
    # Past the door, the partner account moves alice's order to bob; the manager then finds it already bob's (409).
    "POST /orders/{number}/reassign": Case(Action.REASSIGN, "POST", "/orders/{n}/reassign", {
        "to": "bob", "reason": "alice left"}, order="AWAITING_ORIGINAL"),
    "PUT /orders/{number}/slip": Case(Action.SLIP, "PUT", "/orders/{n}/slip", params={
        "filename": "slip.pdf", "amount": "1000", "paid_on": TODAY}, order="AWAITING_ORIGINAL", **PDF),
    "POST /customers": Case(Perm.ENTER_CUSTOMER, "POST", "/customers", {
        "name": "新新科技有限公司", "phone": "010-66660001", "fax": "010-66660002", "address": "a", "region": "北京"}),
    "GET /customers": Case(Perm.SEE_CUSTOMERS, "GET", "/customers"),
    "GET /customers/pool": Case(Perm.CLAIM, "GET", "/customers/pool", params={"q": "长城"}),
    "POST /customers/check": Case(Perm.SEE_CUSTOMERS, "POST", "/customers/check", {"name": "美来尔工程技术有限公司"}),
    "POST /customers/{customer_id}/claim": Case(Perm.CLAIM, "POST", "/customers/2/claim"),
    "POST /customers/{customer_id}/hand-over": Case(Perm.HAND_OVER, "POST", "/customers/3/hand-over", {"to": "alice"}),
    "POST /customers/{customer_id}/notes": Case(Perm.NOTE, "POST", "/customers/1/notes", {"text": "called"}),
    "GET /customers/{customer_id}": Case(Perm.SEE_CUSTOMERS, "GET", "/customers/1"),
    "GET /customers/{customer_id}/history": Case(Perm.SEE_CUSTOMERS, "GET", "/customers/1/history"),
    "PATCH /customers/{customer_id}": Case(Perm.CORRECT_CUSTOMER, "PATCH", "/customers/1", {
        "address": "北京市海淀区中关村大街2号", "reason": "moved"}),
    "POST /customers/{customer_id}/name-correction": Case(Perm.CORRECT_CUSTOMER, "POST",
                                                           "/customers/1/name-correction", {
        "name": "美来尔工程技术股份有限公司", "reason": "the licence"}),
    "GET /name-corrections": Case(Perm.DECIDE_CORRECTION, "GET", "/name-corrections"),
    "POST /customers/{customer_id}/name-correction/decision": Case(Perm.DECIDE_CORRECTION, "POST",
                                                                    "/customers/1/name-correction/decision", {
        "approve": False, "reason": "not on the licence"}),
    "POST /customers/{customer_id}/transfer-in": Case(Perm.TRANSFER_IN, "POST", "/customers/4/transfer-in", {
        "reason": "moved", **CONFIRMED}),
    "POST /customers/{customer_id}/decision": Case(Perm.DECIDE_APPLICATION, "POST", "/customers/4/decision", {
        "approve": False, "reason": "no licence"}),
    "GET /transfer-applications": Case(Perm.SEE_CUSTOMERS, "GET", "/transfer-applications"),
    "PUT /payments/statements": Case(Perm.PAYMENTS, "PUT", "/payments/statements", params={"filename": "s.csv"},
                                     content="value date,amount,payer name,payer account,bank reference,memo\n"
                                             f"{TODAY},77.00,某某有限公司,1,MATRIX-2,\n".encode(),
                                     headers={"Content-Type": "text/csv"}),
    "GET /payments/unmatched": Case(Perm.PAYMENTS, "GET", "/payments/unmatched"),
    "GET /payments/credit-balances": Case(Perm.PAYMENTS, "GET", "/payments/credit-balances"),
    "GET /payments/lines/{bank_ref}": Case(Perm.PAYMENTS, "GET", "/payments/lines/MATRIX-1"),
    "POST /payments/lines/{bank_ref}/match": Case(Perm.PAYMENTS, "POST", "/payments/lines/MATRIX-1/match", {
        "order": "BJ100090"}),
    "POST /payments/lines/{bank_ref}/unmatch": Case(Perm.PAYMENTS, "POST", "/payments/lines/MATRIX-1/unmatch", {
        "reason": "wrong order"}),
    # Past the door, an order that is not effective and overpaid answers that it has no balance (409).
    "POST /payments/credit-balances/{number}/settle": Case(Perm.PAYMENTS, "POST",
                                                           "/payments/credit-balances/{n}/settle", {
        "settlement": "refunded", "reason": "sent back"}, order="AWAITING_PAYMENT"),
    "POST /payments/lines/{bank_ref}/refund": Case(Perm.PAYMENTS, "POST", "/payments/lines/MATRIX-1/refund", {
        "reason": "paid twice"}),
    "POST /payments/lines/{bank_ref}/refunded": Case(Perm.PAYMENTS, "POST", "/payments/lines/MATRIX-1/refunded", {
        "reference": "TB-1"}),
    "POST /payments/lines/{bank_ref}/reopen": Case(Perm.PAYMENTS, "POST", "/payments/lines/MATRIX-1/reopen", {
        "reason": "will pay an order"}),
    # Past the door, an order with no payment answers that it lists none (409).
    "POST /orders/{number}/payments/{payment}/reverse": Case(Action.REVERSE, "POST", "/orders/{n}/payments/1/reverse",
                                                             {"amount": "1000", "paid_on": TODAY,
                                                              "reason": "wrong order"},
                                                             order="AWAITING_PAYMENT"),
    # Past the door, an order without a certification answers 404; the order group starts the effective one's.
    "GET /certifications": Case(Perm.SEE_CERTIFICATIONS, "GET", "/certifications"),
    "GET /certifications/{number}": Case(Perm.SEE_CERTIFICATIONS, "GET", "/certifications/BJ100001"),
    "POST /certifications/{number}/start": Case(Perm.START_CERTIFICATION, "POST", "/certifications/{n}/start",
                                                order="EFFECTIVE"),
    "PUT /certifications/{number}/documents/{kind}": Case(Perm.CERTIFY_DOCUMENTS, "PUT",
                                                          "/certifications/BJ100001/documents/licence",
                                                          params={"filename": "l.pdf"}, **PDF),
    "POST /certifications/{number}/hand-in": Case(Perm.CERTIFY_DOCUMENTS, "POST", "/certifications/BJ100001/hand-in",
                                                  {"position": "总经理"}),
    "POST /certifications/{number}/submit": Case(Perm.CHECK_CERTIFICATION, "POST", "/certifications/BJ100001/submit",
                                                 {"name": "美来尔工程技术有限公司",
                                                  "address": "北京市海淀区中关村大街1号", "phone": "010-62345678"}),
    "POST /certifications/{number}/return": Case(Perm.CHECK_CERTIFICATION, "POST", "/certifications/BJ100001/return",
                                                 {"reasons": ["illegible"]}),
    "POST /certifications/{number}/answer": Case(Perm.ANSWER_CERTIFICATION, "POST", "/certifications/BJ100001/answer",
                                                 {"passed": True}),
    "POST /certifications/{number}/escalation": Case(Perm.DECIDE_CERTIFICATION, "POST",
                                                     "/certifications/BJ100001/escalation",
                                                     {"decision": "allow", "note": "one more"}),
    # Opened on alice's customer 1 by every role that may see customers; the case endpoints are for whoever the
    # case concerns (not a role), so every role gets past the door, to a case that does not exist (404).
    "POST /follow-ups": Case(Perm.SEE_CUSTOMERS, "POST", "/follow-ups", {
        "type": "dispute", "customer": 1, "assignee": "amy", "description": "fee", "due_on": TODAY}),
    "GET /follow-ups": Case(SIGNED_IN, "GET", "/follow-ups"),
    "GET /follow-ups/{case_id}": Case(SIGNED_IN, "GET", "/follow-ups/261130-000000"),
    "POST /follow-ups/{case_id}/comments": Case(SIGNED_IN, "POST", "/follow-ups/261130-000000/comments",
                                                {"text": "x"}),
    "PUT /follow-ups/{case_id}/attachments": Case(SIGNED_IN, "PUT", "/follow-ups/261130-000000/attachments",
                                                  params={"filename": "a.pdf"}, **PDF),
    "POST /follow-ups/{case_id}/assign": Case(SIGNED_IN, "POST", "/follow-ups/261130-000000/assign", {
        "assignee": "amy", "reason": "x"}),
    "POST /follow-ups/{case_id}/due": Case(SIGNED_IN, "POST", "/follow-ups/261130-000000/due", {"due_on": TODAY}),
    "POST /follow-ups/{case_id}/close": Case(SIGNED_IN, "POST", "/follow-ups/261130-000000/close", {
        "outcome": "declined", "resolution": "x"}),
    "GET /team": Case(Perm.SEE_TEAM, "GET", "/team"),
    "POST /users": Case(Perm.OPEN_ACCOUNT, "POST", "/users", {"username": "dan", "name": "Dan", "partner": "BJ",
                                                              "regions": ["北京"]}),
    "PUT /org": Case(Perm.RELOAD_ORG, "PUT", "/org", content=ORG_YAML.encode(),
                     headers={"Content-Type": "application/yaml"}),
    "GET /inbox": Case(SIGNED_IN, "GET", "/inbox"),
    "GET /credits": Case(Perm.SEE_CREDITS, "GET", "/credits"),
    "GET /ops/queries": Case(Perm.OPS_REPORT, "GET", "/ops/queries"),
    "GET /ops/report": Case(Perm.OPS_REPORT, "GET", "/ops/report"),
    # Last: closing bob's account and signing out change who can act afterwards.
    "POST /users/{username}/close": Case(Perm.CLOSE_ACCOUNT, "POST", "/users/bob/close", {"reason": "left"}),
    "POST /auth/logout": Case(SIGNED_IN, "POST", "/auth/logout"),
    "DELETE /auth/tokens/{token_id}": Case(SIGNED_IN, "DELETE", "/auth/tokens/{own_token}"),
}
# Open to everyone by design: signing in needs no token.
PUBLIC = {"POST /auth/login", "POST /auth/setup",
          # The agency's signed callback: an HMAC signature instead of a token (tests/api/test_certifications_api.py).
          "POST /certifications/agency-callback"}


@pytest.fixture(scope="module")
async def matrix(dev_env: WorkflowEnvironment, s3_endpoint: str,
                 tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[ApiHarness, dict[str, str]]]:
    # Certifications wait for the order group's start (an endpoint here) instead of starting as an order takes
    # effect, which would write in the background during a before/after comparison.
    async with harness(dev_env, s3_endpoint, tmp_path_factory.mktemp("matrix"),
                       certification_start_when_effective=False) as api:
        for user in USERS.values():  # every token made now, so none is written inside a before/after comparison
            api.token(user)
        _customers(api)
        orders = await _orders(api)
        await _statement(api)
        await _application(api)
        yield api, orders


def _customers(api: ApiHarness) -> None:
    """2: in the pool in 北京 (claim); 3: bob's (hand-over to alice); 4: in the pool in 上海 (transfer-in)."""
    long_ago = datetime.now(UTC) - timedelta(days=90)
    with api.services.transaction() as session:
        pooled = add_customer(session, entry("长城建材有限公司", "010-66660003", "010-66660004"), owner="bob",
                              role=Role.SALES, partner="BJ", at=long_ago)
        move(session, pooled, None, reason="recycled", actor="system", at=long_ago)
        add_customer(session, entry("黄河机电有限公司", "010-66660005", "010-66660006"), owner="bob",
                     role=Role.SALES, partner="BJ", at=long_ago)
        shanghai = add_customer(session, entry("浦江贸易有限公司", "021-66660007", "021-66660008", region="上海"),
                                owner="carol", role=Role.SALES, partner="SH", at=long_ago)
        move(session, shanghai, None, reason="recycled", actor="system", at=long_ago)


async def _orders(api: ApiHarness) -> dict[str, str]:
    """For each endpoint that steps an order, an order of alice's of its own in the state the step needs,
    driven there through the API by the roles that may."""
    amy, alice, olga = (api.client(u) for u in ("amy", "alice", "olga"))
    sign = {"customer": 1, "product": "Ads", "kind": "new", "amount": "1000"}
    reject = {"reasons": ["missing_stamp"], "note": "no seal"}

    async def ok(answer: Any) -> dict[str, Any]:
        response = await answer
        assert response.is_success, response.text
        return response.json()  # type: ignore[no-any-return]

    numbers: dict[str, str] = {}
    for i, (endpoint, state) in enumerate(((e, c.order) for e, c in CASES.items() if c.order), start=1):
        n = f"BJ1000{i:02d}"
        numbers[endpoint] = n
        path = f"/orders/{n}"
        # An order takes its policy at issue: this one escalates at its first rejection.
        api.services.settings.policy = Policy(max_rounds=1) if state == "ESCALATED" else Policy()
        await ok(amy.post("/orders", json={"rep": "alice", "number": n}))
        if state == "ISSUED":
            continue
        await ok(alice.post(f"{path}/sign", json=sign))
        if state == "LOST":
            await ok(alice.post(f"{path}/lost", json={"note": "lost in the post"}))
            continue
        if state == "AWAITING_ORIGINAL":
            continue
        now = await ok(amy.post(f"{path}/receive"))
        if state in ("RETURNED", "ESCALATED"):
            now = await ok(amy.post(f"{path}/reject", json=reject))
        if state in ("FIRST_REVIEW", "RETURNED", "ESCALATED"):
            assert now["status"] == state, now
            continue
        await ok(amy.post(f"{path}/approve"))
        if state == "AWAITING_SCAN":
            continue
        await ok(amy.put(f"{path}/scan", params={"filename": "s.pdf"}, **PDF))
        if state == "SECOND_REVIEW":
            continue
        await ok(olga.post(f"{path}/approve", json={"location": "Cabinet 1"}))
        if state == "EFFECTIVE":  # paid in full
            await ok(api.client("fay").post(f"{path}/pay", json={"amount": "1000", "paid_on": today().isoformat()}))
    api.services.settings.policy = Policy()
    return numbers


async def _application(api: ApiHarness) -> None:
    """alice's transfer-in application for customer 4, written by its workflow in the background: waited for
    here, so that write cannot land inside a refused request's before/after comparison."""
    answer = await api.client("alice").post("/customers/4/transfer-in", json={"reason": "moved to Beijing",
                                                                                   **CONFIRMED})
    assert answer.is_success, answer.text

    async def filed() -> int:
        with api.services.transaction() as session:
            return session.scalar(select(func.count()).select_from(Application)) or 0

    await eventually(filed, lambda n: n == 1)


async def _statement(api: ApiHarness) -> None:
    """MATRIX-1: an open bank line from alice's customer, waiting to be matched by hand."""
    body = ("value date,amount,payer name,payer account,bank reference,memo\n"
            f"{today()},333.00,美来尔工程技术有限公司,1,MATRIX-1,\n").encode()
    answer = await api.client("fay").put("/payments/statements", params={"filename": "s.csv"}, content=body,
                                         headers={"Content-Type": "text/csv"})
    assert answer.is_success, answer.text


def _fingerprint(api: ApiHarness) -> tuple[Any, ...]:
    """Every table's row count, and the states a refused request could have moved. Not counted: the sign-in
    audit, and notifications with their deliveries, which workflows of earlier steps write in the background at
    their own pace."""
    with api.services.transaction() as session:
        counts = tuple((t.name, session.scalar(select(func.count()).select_from(t)))
                       for t in Base.metadata.sorted_tables
                       if t.name not in ("auth_events", "notifications", "deliveries"))
        return (counts,
                tuple(session.execute(select(Order.number, Order.status, Order.amount)).all()),
                tuple(session.execute(select(Customer.id, Customer.owner)).all()),
                tuple(session.execute(select(User.username, User.active)).all()),
                tuple(session.execute(text("select bank_ref, status from statement_lines")).all()))


async def _send(api: ApiHarness, endpoint: str, user: str, orders: dict[str, str]) -> Any:
    case = CASES[endpoint]
    client = api.client(token=_fresh_token(api, user)) if case.path.startswith("/auth/") else api.client(user)
    path = case.path.replace("{n}", orders.get(endpoint, ""))
    if "{own_token}" in path:
        mine = (await client.get("/auth/tokens")).json()
        path = path.replace("{own_token}", str(next(t["id"] for t in mine if t["current"])))
    day = today().isoformat()
    return await client.request(case.method, path, json=_dated(case.json, day), content=_dated(case.content, day),
                                params=_dated(case.params, day), headers=case.headers)


def _dated(value: Any, day: str) -> Any:
    """A case's body, params or content with TODAY put as `day`."""
    if isinstance(value, str):
        return value.replace(TODAY, day)
    if isinstance(value, bytes):
        return value.replace(TODAY.encode(), day.encode())
    if isinstance(value, dict):
        return {k: _dated(v, day) for k, v in value.items()}
    if isinstance(value, list):
        return [_dated(v, day) for v in value]
    return value


def _fresh_token(api: ApiHarness, user: str) -> str:
    """Sign-out and revocation get a token of their own, so the user's main token lives on."""
    from services import auth
    from tests.api.conftest import PASSWORD

    api.token(user)
    return str(auth.login(api.services, user, PASSWORD, "127.0.0.1", "matrix")["token"])


def test_every_endpoint_is_in_the_matrix(matrix_app_paths: set[str]) -> None:
    assert matrix_app_paths - PUBLIC == set(CASES), "an endpoint is missing from the role matrix (or gone)"


@pytest.fixture(scope="module")
def matrix_app_paths() -> set[str]:
    from api.app import create_app
    from orderflow.settings import Settings
    from services.context import Services

    spec = create_app(Services(Settings(), None)).openapi()  # type: ignore[arg-type]
    return {f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method in ops}


@pytest.mark.parametrize("endpoint", list(CASES))
async def test_every_role_against_every_endpoint(endpoint: str,
                                                 matrix: tuple[ApiHarness, dict[str, str]]) -> None:
    api, orders = matrix
    case = CASES[endpoint]
    roles: Callable[[bool], list[Role]] = lambda ok: [r for r in USERS if allowed(case.rule, r) is ok]  # noqa: E731
    for role in roles(False):  # the refused first, while the state is the one the step needs
        before = _fingerprint(api)
        answer = await _send(api, endpoint, USERS[role], orders)
        assert answer.status_code == 403, f"{USERS[role]} ({role}) must not {endpoint}: {answer.text}"
        assert answer.json()["error"] == "forbidden" and "may not" in answer.json()["message"]
        assert _fingerprint(api) == before, f"{endpoint} refused to {role} but changed the store"
    for role in roles(True):
        answer = await _send(api, endpoint, USERS[role], orders)
        assert answer.status_code not in (401, 403), f"{USERS[role]} ({role}) should {endpoint}: {answer.text}"
        assert answer.status_code < 500, answer.text
