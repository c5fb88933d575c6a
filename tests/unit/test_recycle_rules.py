"""What protects a customer from recycling, and the day a warned customer goes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.order import OrderStatus
from domain.warehouse import order_in_flight, protected_since, recycle_date

RUN = datetime(2026, 12, 18, 18, 0, tzinfo=UTC)  # the daily run: 02:00 in Beijing on 19 Dec


@pytest.mark.parametrize("status", list(OrderStatus))
def test_every_status_but_the_final_ones_is_in_flight(status: OrderStatus):
    final = {OrderStatus.EFFECTIVE, OrderStatus.VOID, OrderStatus.REISSUED, OrderStatus.EXPIRED}
    assert order_in_flight(status.value) is (status not in final)


def test_the_protected_period_counts_business_days():
    assert protected_since(RUN, 90) == date(2026, 9, 20)  # 19 Dec in Beijing, less 90 days
    assert protected_since(RUN, 0) == date(2026, 12, 19)


@pytest.mark.parametrize(("last_contact", "day"), [
    (RUN - timedelta(days=28), date(2026, 12, 22)),  # due at the run's own time: the next run, which is later
    (RUN - timedelta(days=28, minutes=1), date(2026, 12, 21)),
    (RUN - timedelta(days=27, hours=23), date(2026, 12, 22)),
    (RUN - timedelta(days=31), date(2026, 12, 20)),  # overdue: the next run takes it
])
def test_the_warning_names_the_run_that_takes_the_customer(last_contact: datetime, day: date):
    assert recycle_date(last_contact, 30, RUN) == day


def test_the_protected_period_reaches_the_daily_run_from_the_settings():
    from orderflow.settings import Settings
    from services.schedules import recycle_schedule

    action = recycle_schedule(Settings(recycle_protect_days=60)).action
    assert action.args[0].protect_days == 60  # type: ignore[attr-defined]
