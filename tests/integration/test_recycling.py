"""Recycling (回收) on SQLite and PostgreSQL: a customer being served is never warned nor recycled, and each
order step is contact."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.customers import CustomerActivities
from activities.orders import OrderActivities
from db.customer_repo import add_customer
from db.engine import unit_of_work
from db.models import Customer, Notification, Order
from domain.fields import business_date
from domain.order import Action, OrderStatus
from domain.people import Role
from orderflow.customer_contracts import RecycleResult, RecycleRun
from orderflow.notify import LogSender
from tests.helpers import ASSISTANT, FINANCE, NOW, REP, entry, record

AFTER, WARN = 30, 3
AS_OF = NOW + timedelta(days=200)  # long after the customers below were entered and signed


def _customer(sessions: sessionmaker[Session], name: str, n: int, at=NOW) -> int:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as session:
        return add_customer(session, entry(name, f"010-6500{n:04d}", f"010-6600{n:04d}"), owner="alice",
                            role=Role.SALES, partner="BJ", at=at).id


def _step(sessions: sessionmaker[Session], number: str, seq: int, action: Action, actor, source, target,  # type: ignore[no-untyped-def]
          at=NOW, **fields) -> None:  # type: ignore[no-untyped-def]
    rec = record(seq, action, actor, source, target, **fields).model_copy(update={"order_number": number, "at": at})
    ActivityEnvironment().run(OrderActivities(sessions).record_step, rec)


def _served(sessions: sessionmaker[Session], name: str, n: int, status: OrderStatus,
            effective_days_ago: int | None = None) -> int:
    """alice's customer, entered and signed at NOW and not contacted since, whose order is now in `status`."""
    cid, number = _customer(sessions, name, n), f"BJ1000{n:02d}"
    _step(sessions, number, 1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED)
    _step(sessions, number, 2, Action.SIGN, REP, OrderStatus.ISSUED, OrderStatus.AWAITING_ORIGINAL, customer_id=cid,
          customer_name=name)
    with unit_of_work(sessions) as session:
        order = session.get(Order, number)
        assert order is not None
        order.status = status.value
        if effective_days_ago is not None:
            order.effective_on = business_date(AS_OF - timedelta(days=effective_days_ago))
    return cid


def _recycle(sessions: sessionmaker[Session], warn_only: bool, as_of=AS_OF, protect_days: int = 90) -> RecycleResult:  # type: ignore[no-untyped-def]
    run = RecycleRun(as_of=as_of, warn_only=warn_only, after_days=AFTER, protect_days=protect_days,
                     contact_before=as_of - timedelta(days=AFTER - WARN if warn_only else AFTER))
    return ActivityEnvironment().run(CustomerActivities(sessions, {Role.SALES: 400}, LogSender()).recycle, run)


def _notices(sessions: sessionmaker[Session], kind: str) -> dict[int, str]:
    with unit_of_work(sessions) as session:
        rows = session.execute(select(Notification.order_number, Notification.text).where(Notification.kind == kind))
        return {int(ref.removeprefix("customer:")): text for ref, text in rows}


def test_a_customer_being_served_is_neither_warned_nor_recycled(sessions: sessionmaker[Session]):
    in_flight = _served(sessions, "长江建材有限公司", 1, OrderStatus.AWAITING_PAYMENT)
    recent = _served(sessions, "泰山物流有限公司", 2, OrderStatus.EFFECTIVE, effective_days_ago=10)
    long_ago = _served(sessions, "昆仑科技有限公司", 3, OrderStatus.EFFECTIVE, effective_days_ago=91)
    voided = _served(sessions, "珠江贸易有限公司", 4, OrderStatus.VOID)
    alone = _customer(sessions, "黄山食品有限公司", 5)
    _recycle(sessions, warn_only=True)
    warned = _notices(sessions, "recycle-warning")
    assert {long_ago, voided, alone} <= warned.keys() and not {in_flight, recent} & warned.keys()
    _recycle(sessions, warn_only=True, protect_days=9)  # the period is the setting's
    assert recent in _notices(sessions, "recycle-warning")
    _recycle(sessions, warn_only=False)
    with unit_of_work(sessions) as session:
        owners = dict(session.execute(select(Customer.id, Customer.owner)).all())
    assert [owners[c] for c in (in_flight, recent, long_ago, voided, alone)] == ["alice", "alice", None, None, None]
    assert not {in_flight, recent} & _notices(sessions, "recycled").keys()


def test_signing_each_step_and_each_payment_are_contact(sessions: sessionmaker[Session]):
    day = timedelta(days=1)
    cid = _customer(sessions, "长江建材有限公司", 1, at=NOW - 100 * day)

    def contact():  # type: ignore[no-untyped-def]
        with unit_of_work(sessions) as session:
            return session.get(Customer, cid).last_contact_at  # type: ignore[union-attr]

    _step(sessions, "BJ100001", 1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED, at=NOW - 90 * day)
    assert contact() == NOW - 100 * day  # a blank form is nobody's customer yet
    _step(sessions, "BJ100001", 2, Action.SIGN, REP, OrderStatus.ISSUED, OrderStatus.AWAITING_ORIGINAL,
          at=NOW - 50 * day, customer_id=cid)
    assert contact() == NOW - 50 * day
    _step(sessions, "BJ100001", 3, Action.RECEIVE, ASSISTANT, OrderStatus.AWAITING_ORIGINAL,
          OrderStatus.FIRST_REVIEW, at=NOW - 60 * day, customer_id=cid)
    assert contact() == NOW - 50 * day  # never backwards
    _step(sessions, "BJ100001", 4, Action.REMIND, None, OrderStatus.FIRST_REVIEW, OrderStatus.FIRST_REVIEW,
          at=NOW - 40 * day, customer_id=cid)
    assert contact() == NOW - 50 * day  # a deadline passing is nobody's contact
    _step(sessions, "BJ100001", 5, Action.PAY, FINANCE, OrderStatus.AWAITING_PAYMENT, OrderStatus.AWAITING_PAYMENT,
          at=NOW - 20 * day, customer_id=cid)
    assert contact() == NOW - 20 * day


def test_the_warning_names_the_customer_and_the_day_it_goes(sessions: sessionmaker[Session]):
    # Entered 09:00 on 20 Nov in Beijing; due 30 days later at 09:00, so the 10:00 daily run of 20 Dec takes it.
    cid = _customer(sessions, "长江建材有限公司", 1, at=NOW - timedelta(hours=1))
    assert _recycle(sessions, warn_only=True, as_of=NOW + timedelta(days=28)).warned >= 1
    assert _notices(sessions, "recycle-warning")[cid] == (
        f"Customer {cid} '长江建材有限公司' has had no follow-up since 2026-11-20 and goes back to the public pool "
        "on 2026-12-20; add a note before then to keep it.")
    assert _recycle(sessions, warn_only=False, as_of=NOW + timedelta(days=29)).recycled == 0
    assert _recycle(sessions, warn_only=False, as_of=NOW + timedelta(days=30)).recycled == 1
