"""How long orders have waited in their status, as an ops report groups it."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.order import TERMINAL, OrderStatus

BUCKETS: list[tuple[str, timedelta]] = [
    ("<1d", timedelta(days=1)),
    ("1-3d", timedelta(days=3)),
    ("3-7d", timedelta(days=7)),
    ("7-30d", timedelta(days=30)),
]
OVER = ">30d"
LABELS = [label for label, _ in BUCKETS] + [OVER]


def bucket(age: timedelta) -> str:
    return next((label for label, limit in BUCKETS if age < limit), OVER)


@dataclass(frozen=True)
class OrderAge:
    number: str
    partner: str
    rep: str
    status: OrderStatus
    since: datetime
    due_at: datetime | None


@dataclass
class Report:
    as_of: datetime
    counts: Counter[tuple[OrderStatus, str]] = field(default_factory=Counter)
    ageing: dict[OrderStatus, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    oldest: dict[OrderStatus, list[OrderAge]] = field(default_factory=dict)
    breaches: list[OrderAge] = field(default_factory=list)


def build_report(orders: list[OrderAge], as_of: datetime, oldest_per_status: int = 10) -> Report:
    """Counts by status and partner; ageing, the oldest and the SLA breaches of every open status."""
    report = Report(as_of=as_of)
    by_status: dict[OrderStatus, list[OrderAge]] = defaultdict(list)
    for order in orders:
        if order.since > as_of:
            continue  # not yet in this status on the report's date
        report.counts[(order.status, order.partner)] += 1
        if order.status in TERMINAL:
            continue
        report.ageing[order.status][bucket(as_of - order.since)] += 1
        by_status[order.status].append(order)
        if order.due_at is not None and order.due_at < as_of:
            report.breaches.append(order)
    for status, waiting in by_status.items():
        report.oldest[status] = sorted(waiting, key=lambda o: o.since)[:oldest_per_status]
    report.breaches.sort(key=lambda o: o.due_at or as_of)
    return report
