"""The read model on SQLite and PostgreSQL: idempotent steps, the final ownership check, org loading."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.orders import OrderActivities
from db.customer_repo import add_customer
from db.engine import unit_of_work
from db.models import Credit, Customer, Order, OrderEvent, OrgChange, Payment
from db.org_repo import PartnerSpec, UserSpec, load_actor, load_org
from domain.collisions import Entry
from domain.errors import NotFound, Refused
from domain.order import Action, OrderKind, OrderStatus
from domain.people import Role
from orderflow.contracts import ActorRef
from tests.helpers import ASSISTANT, FINANCE, NOW, REP, entry, record


def count(factory: sessionmaker[Session], model: type) -> int:
    with unit_of_work(factory) as session:
        return int(session.scalar(select(func.count()).select_from(model)))


def test_a_retried_step_is_written_once(sessions: sessionmaker[Session]):
    run = ActivityEnvironment().run
    acts = OrderActivities(sessions)
    issue = record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED)
    assert run(acts.record_step, issue) is True
    assert run(acts.record_step, issue) is False
    sign = record(2, Action.SIGN, REP, OrderStatus.ISSUED, OrderStatus.AWAITING_ORIGINAL, customer_id=1,
                  customer_name="美来尔工程技术有限公司", product="Yellow pages", kind=OrderKind.NEW,
                  amount=Decimal("12000.50"))
    assert run(acts.record_step, sign) is True
    assert run(acts.record_step, sign) is False
    assert count(sessions, OrderEvent) == 2
    with unit_of_work(sessions) as session:
        order = session.get(Order, "BJ100001")
        assert order is not None
        assert (order.status, order.amount, order.last_seq) == ("AWAITING_ORIGINAL", Decimal("12000.50"), 2)
        assert order.issued_at == NOW


def test_a_payment_step_writes_its_payment_once(sessions: sessionmaker[Session]):
    run = ActivityEnvironment().run
    acts = OrderActivities(sessions)
    run(acts.record_step, record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    pay = record(2, Action.PAY, FINANCE, OrderStatus.AWAITING_PAYMENT, OrderStatus.AWAITING_PAYMENT,
                 paid_total=Decimal("0.01")).model_copy(update={"payment": Decimal("0.01"),
                                                               "payment_on": NOW.date()})
    run(acts.record_step, pay)
    run(acts.record_step, pay)
    with unit_of_work(sessions) as session:
        assert session.scalars(select(Payment.amount)).all() == [Decimal("0.01")]


def test_the_database_refuses_a_customer_that_is_not_the_reps(sessions: sessionmaker[Session]):
    run = ActivityEnvironment().run
    acts = OrderActivities(sessions)
    run(acts.record_step, record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    with unit_of_work(sessions) as session:
        session.scalars(select(Customer)).one().owner = "bob"
    sign = record(2, Action.SIGN, REP, OrderStatus.ISSUED, OrderStatus.AWAITING_ORIGINAL, customer_id=1)
    with pytest.raises(ApplicationError) as caught:
        run(acts.record_step, sign)
    assert caught.value.type == "CustomerNotOwned" and caught.value.non_retryable
    assert "held by bob (Bob Li, partner BJ)" in caught.value.message
    assert count(sessions, OrderEvent) == 1


def test_an_actor_claiming_a_role_it_does_not_have_is_refused(sessions: sessionmaker[Session]):
    run = ActivityEnvironment().run
    acts = OrderActivities(sessions)
    forged = ActorRef(username="alice", role=Role.ASSISTANT, partners=["BJ"])
    with pytest.raises(ApplicationError, match="alice .channel sales. may not issue order BJ100001"):
        run(acts.record_step, record(1, Action.ISSUE, forged, None, OrderStatus.ISSUED))
    run(acts.record_step, record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    receive = record(2, Action.RECEIVE, forged, OrderStatus.AWAITING_ORIGINAL, OrderStatus.FIRST_REVIEW)
    with pytest.raises(ApplicationError, match="acts as assistant but the org says sales"):
        run(acts.record_step, receive)
    assert count(sessions, OrderEvent) == 1


def test_reloading_the_org_deactivates_missing_users_and_keeps_them(sessions: sessionmaker[Session]):
    with unit_of_work(sessions) as session:
        result = load_org(session, [PartnerSpec("BJ", "北京", [])],
                          [UserSpec("alice", "Alice Wang", Role.SALES, ["BJ"], "sam", ["北京", "天津"])])
    assert "bob" in result.deactivated and "alice" not in result.deactivated
    with unit_of_work(sessions) as session:
        changes = session.scalars(select(OrgChange).order_by(OrgChange.id)).all()
        assert ("alice", "regions", "北京", "北京,天津") in [(c.username, c.field, c.before, c.after) for c in changes]
        assert ("bob", "active", "True", "False") in [(c.username, c.field, c.before, c.after) for c in changes]
    with unit_of_work(sessions) as session:
        assert load_actor(session, "bob").active is False
        assert load_actor(session, "alice").active is True
        with pytest.raises(NotFound, match="no user 'zed'"):
            load_actor(session, "zed")


def test_an_exact_duplicate_customer_is_refused_with_its_holder(sessions: sessionmaker[Session]):
    with unit_of_work(sessions) as session, pytest.raises(Refused, match="already yours"):
        add_customer(session, entry("美来尔工程技术有限公司", "010-61111111", "010-61111112"), owner="alice",
                     role=Role.SALES, partner="BJ", at=NOW)
    with unit_of_work(sessions) as session, pytest.raises(Refused, match="held by alice .*pass the lead to its holder"):
        add_customer(session, entry("美来尔工程技术(北京)有限公司", "010-61111111", "010-61111112"), owner="bob",
                     role=Role.SALES, partner="BJ", at=NOW)


def _race(sessions: sessionmaker[Session], entries: list[Entry]) -> list[str]:
    def enter(e: Entry) -> str:
        try:
            with unit_of_work(sessions) as session:
                add_customer(session, e, owner="bob", role=Role.SALES, partner="BJ", at=NOW)
            return "won"
        except Refused:
            return "refused"

    with ThreadPoolExecutor(max_workers=len(entries)) as pool:
        return list(pool.map(enter, entries))


def test_concurrent_entries_of_one_company_let_exactly_one_win(sessions: sessionmaker[Session]):
    variants = ["华信科技有限公司", "华信科技(北京)有限公司", "北京华信科技有限公司", "华信科技（北京）有限公司",
                " 华信 科技有限公司", "华信科技股份有限公司", "北京市华信科技有限公司", "华信科技公司"]
    entries = [entry(name, f"010-6{i:07d}", f"010-5{i:07d}") for i, name in enumerate(variants)]
    assert _race(sessions, entries).count("won") == 1
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).where(Customer.name_key == "华信科技")) == 1


def test_concurrent_entries_of_one_number_let_exactly_one_win(sessions: sessionmaker[Session]):
    spellings = ["010-88886666", "(010)88886666", "+86 10 8888 6666", "0086 10 88886666", "8610-88886666",
                 "010-88886666 转 12"]
    entries = [entry(f"公司{chr(0x4e00 + i * 37)}{chr(0x4e50 + i * 11)}贸易", phone, f"010-5{i:07d}")
               for i, phone in enumerate(spellings)]
    assert _race(sessions, entries).count("won") == 1
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).where(Customer.phone_key == "+861088886666")) == 1


def test_an_effective_order_credits_the_signing_rep_once(sessions: sessionmaker[Session]):
    run = ActivityEnvironment().run
    acts = OrderActivities(sessions)
    run(acts.record_step, record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    signed = dict(customer_id=1, customer_name="美来尔", product="p", kind=OrderKind.RENEWAL, amount=Decimal("800.00"))
    run(acts.record_step, record(2, Action.SIGN, REP, OrderStatus.ISSUED, OrderStatus.AWAITING_ORIGINAL, **signed))
    paid = record(3, Action.PAY, FINANCE, OrderStatus.AWAITING_PAYMENT, OrderStatus.EFFECTIVE, **signed,
                  paid_total=Decimal("800.00"), effective_on=NOW.date())
    run(acts.record_step, paid)
    run(acts.record_step, paid)
    with unit_of_work(sessions) as session:
        rows = session.scalars(select(Credit)).all()
        assert [(c.order_number, c.rep, c.partner_code, c.kind, c.amount, c.effective_on) for c in rows] == [
            ("BJ100001", "alice", "BJ", "renewal", Decimal("800.00"), NOW.date())]
