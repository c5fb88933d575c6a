"""The daily digest's sources and activities on SQLite and PostgreSQL: what waits for whom (the inbox's rule),
what is overdue, which customers the recycling run warned about and nobody followed up since."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.customers import CustomerActivities
from activities.digest import DigestActivities
from activities.notifications import NotificationActivities
from activities.orders import OrderActivities
from db.digest_sources import SOURCES, DigestItem
from db.engine import unit_of_work
from db.models import Order, User
from db.org_repo import load_actor
from db.warehouse_repo import add_note
from domain.fields import business_date
from domain.order import Action, OrderStatus
from domain.people import Role
from orderflow.customer_contracts import RecycleRun
from orderflow.digest_contracts import DigestFor, DigestRun
from orderflow.notify import LogSender
from tests.helpers import ASSISTANT, record
from tests.invariants import _digests

# seed_demo enters alice's customer 1 at the real time: 40 days later it is stale (the recycling rule is 30 days).
AS_OF = datetime.now(UTC).replace(microsecond=0) + timedelta(days=40)
DESK = "http://desk.example"


def _order(sessions: sessionmaker[Session], number: str, status: OrderStatus, pending_role: Role | None,
           pending_user: str | None, due_in: timedelta | None, rep: str = "alice") -> None:
    rec = record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED).model_copy(
        update={"order_number": number, "rep": rep})
    ActivityEnvironment().run(OrderActivities(sessions).record_step, rec)
    with unit_of_work(sessions) as session:
        order = session.get(Order, number)
        assert order is not None
        order.status, order.pending_user = status.value, pending_user
        order.pending_role = pending_role.value if pending_role else None
        order.due_at = AS_OF + due_in if due_in is not None else None
        order.customer_name = "美来尔工程技术有限公司" if number.endswith("1") else None


def _items(sessions: sessionmaker[Session], username: str) -> list[DigestItem]:
    with unit_of_work(sessions) as session:
        return [item for source in SOURCES for item in source(session, username, AS_OF)]


def _sections(sessions: sessionmaker[Session], username: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in _items(sessions, username):
        found.setdefault(item.section, []).append(item.link)
    return found


def test_orders_wait_for_the_named_person_or_the_role_in_scope_and_overdue_ones_are_said_so(
        sessions: sessionmaker[Session]):
    _order(sessions, "BJ100001", OrderStatus.ISSUED, Role.SALES, "alice", timedelta(days=2))
    _order(sessions, "BJ100002", OrderStatus.FIRST_REVIEW, Role.ASSISTANT, None, -timedelta(hours=1))
    _order(sessions, "BJ100003", OrderStatus.RETURNED, Role.SALES, "bob", None, rep="bob")
    _order(sessions, "BJ100004", OrderStatus.EFFECTIVE, None, None, None)
    assert _sections(sessions, "alice") == {"waiting": ["/orders/BJ100001"]}
    assert _sections(sessions, "amy") == {"overdue": ["/orders/BJ100002"]}  # BJ's assistant, by role
    assert _sections(sessions, "sue") == {}  # SH's assistant: BJ is outside her scope
    assert _sections(sessions, "bob") == {"waiting": ["/orders/BJ100003"]}
    assert _sections(sessions, "olga") == {}
    waiting = _items(sessions, "alice")[0]
    assert waiting.what == "订单 BJ100001（美来尔工程技术有限公司）等待与客户签单" and waiting.due_at is not None


def test_a_deactivated_reps_open_orders_reach_their_manager_and_the_rep_gets_no_digest(
        sessions: sessionmaker[Session]):
    _order(sessions, "BJ100003", OrderStatus.RETURNED, Role.SALES, "bob", None, rep="bob")
    with unit_of_work(sessions) as session:
        bob = session.get(User, "bob")
        assert bob is not None
        bob.active = False
    assert _sections(sessions, "bob") == {}
    (item,) = _items(sessions, "sam")
    assert item.link == "/orders/BJ100003" and "已停用的 bob" in item.what


def test_a_warned_customer_is_about_to_be_recycled_until_followed_up(sessions: sessionmaker[Session]):
    recycle = CustomerActivities(sessions, {Role.SALES: 400}, LogSender()).recycle
    assert _sections(sessions, "alice") == {}  # not warned yet: not listed, however stale
    run = RecycleRun(as_of=AS_OF, warn_only=True, after_days=30, protect_days=90,
                     contact_before=AS_OF - timedelta(days=27))
    assert ActivityEnvironment().run(recycle, run).warned == 1
    assert _sections(sessions, "alice") == {"recycle": ["/customers/1"]}
    (item,) = _items(sessions, "alice")
    assert item.what.startswith("客户 1（美来尔工程技术有限公司）自 ") and "即将回收到公海" in item.what
    assert _sections(sessions, "bob") == {}
    with unit_of_work(sessions) as session:  # alice calls the customer: no longer about to go
        add_note(session, 1, load_actor(session, "alice"), "called", AS_OF + timedelta(hours=1))
    assert _sections(sessions, "alice") == {}


def test_the_activities_list_only_people_with_items_and_write_one_keyed_digest_each(
        sessions: sessionmaker[Session]):
    _order(sessions, "BJ100001", OrderStatus.ISSUED, Role.SALES, "alice", timedelta(days=2))
    _order(sessions, "BJ100002", OrderStatus.FIRST_REVIEW, Role.ASSISTANT, None, -timedelta(hours=1))
    digest = DigestActivities(sessions, DESK)
    env = ActivityEnvironment()
    assert env.run(digest.digest_people, DigestRun(as_of=AS_OF)).usernames == ["alice", "amy"]
    day = business_date(AS_OF)
    note = env.run(digest.digest_note, DigestFor(username="amy", as_of=AS_OF, day=day))
    assert note is not None
    assert (note.key, note.recipient, note.kind) == (f"digest:{day.isoformat()}:amy", "amy", "digest")
    assert "已逾期 1 项" in note.text and f"{DESK}/orders/BJ100002" in note.text and "第一次审核" in note.text
    assert env.run(digest.digest_note, DigestFor(username="sue", as_of=AS_OF, day=day)) is None
    notify = NotificationActivities(sessions, LogSender()).notify
    assert env.run(notify, note) is True and env.run(notify, note) is False  # the same day again: written once
    with unit_of_work(sessions) as session:
        assert _digests(session) == []
