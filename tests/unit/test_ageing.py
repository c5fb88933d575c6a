"""The ageing report's rules, on hand-made orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.ageing import OrderAge, bucket, build_report
from domain.order import OrderStatus
from domain.timers import Policy, due_at

AS_OF = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("age", "label"), [
    (timedelta(hours=23), "<1d"), (timedelta(days=1), "1-3d"), (timedelta(days=2, hours=23), "1-3d"),
    (timedelta(days=3), "3-7d"), (timedelta(days=7), "7-30d"), (timedelta(days=29), "7-30d"),
    (timedelta(days=30), ">30d"), (timedelta(days=400), ">30d"),
])
def test_buckets(age: timedelta, label: str):
    assert bucket(age) == label


def _order(number: str, status: OrderStatus, days: float, partner: str = "BJ") -> OrderAge:
    since = AS_OF - timedelta(days=days)
    return OrderAge(number, partner, "alice", status, since, due_at(status, since, Policy()))


def test_report_counts_ages_oldest_and_breaches():
    orders = [
        _order("BJ1", OrderStatus.AWAITING_ORIGINAL, 0.5),
        _order("BJ2", OrderStatus.AWAITING_ORIGINAL, 4),  # past its 3-day due: a breach
        _order("SH1", OrderStatus.AWAITING_ORIGINAL, 10, partner="SH"),
        _order("BJ3", OrderStatus.EFFECTIVE, 40),  # closed: counted, not aged
        _order("BJ4", OrderStatus.RETURNED, 6),  # past its 5-day due
        _order("BJ5", OrderStatus.ISSUED, -1),  # after the report's date: left out
    ]
    report = build_report(orders, AS_OF)
    assert report.counts[(OrderStatus.AWAITING_ORIGINAL, "BJ")] == 2
    assert report.counts[(OrderStatus.EFFECTIVE, "BJ")] == 1
    assert (OrderStatus.ISSUED, "BJ") not in report.counts
    assert dict(report.ageing[OrderStatus.AWAITING_ORIGINAL]) == {"<1d": 1, "3-7d": 1, "7-30d": 1}
    assert OrderStatus.EFFECTIVE not in report.ageing
    assert [o.number for o in report.oldest[OrderStatus.AWAITING_ORIGINAL]] == ["SH1", "BJ2", "BJ1"]
    assert [o.number for o in report.breaches] == ["SH1", "BJ2", "BJ4"]
