"""The invariants checker catches what it is there to catch: each kind of corruption, written on purpose."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.orders import OrderActivities
from db.engine import unit_of_work
from db.models import Customer, Order, OrderEvent, Payment
from db.warehouse_repo import move
from domain.order import Action, OrderStatus
from tests.helpers import ASSISTANT, REP, record
from tests.invariants import check

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


async def test_a_clean_store_passes_and_each_corruption_is_named(sessions: sessionmaker[Session]):
    ActivityEnvironment().run(OrderActivities(sessions).record_step,
                              record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    assert await check(sessions) == []
    with unit_of_work(sessions) as session:
        session.add(OrderEvent(order_number="BJ100001", seq=3, action="sign", actor="alice", source="ISSUED",
                               target="AWAITING_ORIGINAL", at=NOW, note=None, data={}))
        for seq in (5, 6):
            session.add(Payment(order_number="BJ100001", seq=seq, amount=Decimal("10.00"), paid_on=date(2026, 11, 20),
                                recorded_by="fay", at=NOW, line_ref="R1"))
        session.get(Order, "BJ100001").status = "EFFECTIVE"  # type: ignore[union-attr]
        customer = session.get(Customer, 1)
        assert customer is not None
        session.add(Customer(name=customer.name + " ", name_key=customer.name_key + "x", key_head="x", key_tail="x",
                             phone="1", phone_key="+861", fax="2", fax_key="+862", address="a", region="北京",
                             owner="alice", partner_code="BJ", created_by="alice", created_at=NOW,
                             last_contact_at=NOW, risk_flags=[]))
    found = "\n".join(await check(sessions, caps={"sales": 1}))
    assert "bank line R1 pays 2 times" in found
    assert "paid_total 0.00 but payments add up to 20.00" in found
    assert "order BJ100001: events [1, 3]" in found
    assert "alice holds 2 customers; the cap is 1" in found
    assert "is held by 2 customers" in found


async def test_a_customer_with_an_order_in_flight_outside_its_reps_or_partners_warehouse_is_named(
        sessions: sessionmaker[Session]):
    run = ActivityEnvironment().run
    acts = OrderActivities(sessions)
    run(acts.record_step, record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    run(acts.record_step, record(2, Action.SIGN, REP, OrderStatus.ISSUED, OrderStatus.AWAITING_ORIGINAL,
                                 customer_id=1, customer_name="美来尔工程技术有限公司"))
    assert await check(sessions) == []
    for holder, caught in [("bjpartner", False), ("bob", True), (None, True)]:
        with unit_of_work(sessions) as session:
            customer = session.get(Customer, 1)
            assert customer is not None
            move(session, customer, holder, reason="corrupted on purpose", actor="test", at=NOW)
        found = "\n".join(await check(sessions))
        assert ("customer 1 has order BJ100001 in flight (AWAITING_ORIGINAL) but is held by "
                f"{holder or 'the public pool'}, not by alice or partner BJ's own warehouse" in found) is caught
