"""What a person's daily digest lists: each part of the process adds a source (issue #17).

A source reads, in one session, what waits for one person; the digest activity calls every source in SOURCES."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Customer, Notification, User
from db.order_repo import orders_pending_for_deactivated_reports, waiting_orders
from db.org_repo import load_actor, scope_for
from domain.digest import waiting_zh
from domain.fields import business_date


@dataclass(frozen=True)
class DigestItem:
    section: str  # "waiting" (waits for you), "overdue" (past its deadline) or "recycle" (about to be recycled)
    what: str  # one line in Chinese, e.g. "订单 BJ100001 等待第一次审核"; typed parts are escaped where shown
    due_at: datetime | None
    link: str  # the item's path under the desk's address, e.g. "/orders/BJ100001"


# (session, username, now) -> the items waiting for that person
Source = Callable[[Session, str, datetime], list[DigestItem]]

RECYCLE_WARNING = "recycle-warning"  # the notification kind activities/customers.py recycle writes


def active_people(session: Session) -> list[str]:
    """Everyone the digest may be for: active users, by username."""
    return list(session.scalars(select(User.username).where(User.active.is_(True)).order_by(User.username)))


def _orders(session: Session, username: str, now: datetime) -> list[DigestItem]:
    """The inbox's orders (db.order_repo.waiting_orders, and those of deactivated reports): overdue when their
    deadline has passed, waiting otherwise."""
    actor = load_actor(session, username)
    if not actor.active:
        return []
    items = []
    scope = scope_for(session, actor)
    mine = [(o, "") for o in waiting_orders(session, actor, scope)]
    left = [(o, f"（原由已停用的 {o.pending_user} 处理）") for o in
            orders_pending_for_deactivated_reports(session, username, scope)]
    for order, note in [*mine, *left]:
        customer = f"（{order.customer_name}）" if order.customer_name else " "
        overdue = order.due_at is not None and order.due_at < now
        what = f"订单 {order.number}{customer}{waiting_zh(order.status)}{note}"
        items.append(DigestItem("overdue" if overdue else "waiting", what, order.due_at, f"/orders/{order.number}"))
    return items


def _recycling(session: Session, username: str, now: datetime) -> list[DigestItem]:
    """Customers the daily recycling run warned the person about (its rule: domain.warehouse and
    activities/customers.py recycle) and still held by them with no follow-up since the warning."""
    warned = {ref: at for ref, at in session.execute(
        select(Notification.order_number, func.max(Notification.created_at))
        .where(Notification.recipient == username, Notification.kind == RECYCLE_WARNING)
        .group_by(Notification.order_number))}
    ids = [int(ref.removeprefix("customer:")) for ref in warned if ref.removeprefix("customer:").isdigit()]
    items = []
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for customer in session.scalars(select(Customer).where(Customer.owner == username, Customer.id.in_(chunk))
                                        .order_by(Customer.id)):
            at = warned[f"customer:{customer.id}"]
            if at < customer.last_contact_at:
                continue  # followed up since the warning
            what = (f"客户 {customer.id}（{customer.name}）自 {business_date(customer.last_contact_at):%Y-%m-%d} "
                    "起未跟进，即将回收到公海，请尽快添加跟进记录")
            items.append(DigestItem("recycle", what, None, f"/customers/{customer.id}"))
    return items


SOURCES: list[Source] = [
    _orders,
    _recycling,
    # Imported when called: db.certification_repo imports from db.models, as this module does.
    lambda s, u, n: __import__("db.certification_repo", fromlist=["digest_items"]).digest_items(s, u, n),
    # Imported when called: db.follow_up_repo imports DigestItem from here.
    lambda s, u, n: __import__("db.follow_up_repo", fromlist=["digest_items"]).digest_items(s, u, n),
]
