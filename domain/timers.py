"""Deadlines: when a waiting order is chased, escalated, presumed lost or expired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from domain.fields import BUSINESS_TZ
from domain.order import OrderStatus


class Chase(StrEnum):
    REMINDER = "reminder"
    ESCALATION = "escalation"
    LOST = "lost"
    EXPIRY = "expiry"


@dataclass(frozen=True)
class Policy:
    """Every duration an order's timers use. Passed in at start, so a running order stays deterministic."""

    sign_reminder: timedelta = timedelta(days=30)
    sign_escalation: timedelta = timedelta(days=7)  # after the reminder
    sign_lost: timedelta = timedelta(days=14)  # after the escalation
    original_reminder: timedelta = timedelta(days=3)
    original_escalation: timedelta = timedelta(days=4)
    original_lost: timedelta = timedelta(days=14)
    returned_reminder: timedelta = timedelta(days=5)
    returned_escalation: timedelta = timedelta(days=5)
    payment_reminder: timedelta = timedelta(days=7)
    payment_expiry: timedelta = timedelta(days=30)  # from the start of the wait, not after the reminder
    max_rounds: int = 3


@dataclass(frozen=True)
class Deadline:
    at: datetime
    chase: Chase


def deadlines(status: OrderStatus, since: datetime, policy: Policy) -> list[Deadline]:
    """The deadlines of one wait, in order; each fires at most once per wait."""
    p = policy
    if status is OrderStatus.ISSUED:
        return _chain(since, (p.sign_reminder, Chase.REMINDER), (p.sign_escalation, Chase.ESCALATION),
                      (p.sign_lost, Chase.LOST))
    if status is OrderStatus.AWAITING_ORIGINAL:
        return _chain(since, (p.original_reminder, Chase.REMINDER), (p.original_escalation, Chase.ESCALATION),
                      (p.original_lost, Chase.LOST))
    if status is OrderStatus.RETURNED:
        return _chain(since, (p.returned_reminder, Chase.REMINDER), (p.returned_escalation, Chase.ESCALATION))
    if status is OrderStatus.AWAITING_PAYMENT:
        return [Deadline(since + p.payment_reminder, Chase.REMINDER), Deadline(since + p.payment_expiry, Chase.EXPIRY)]
    return []


def _chain(start: datetime, *steps: tuple[timedelta, Chase]) -> list[Deadline]:
    out, at = [], start
    for gap, chase in steps:
        at = at + gap
        out.append(Deadline(at, chase))
    return out


def due_at(status: OrderStatus, since: datetime, policy: Policy) -> datetime | None:
    """The deadline of the current step as people see it: its first chase. Past it, the step is overdue."""
    found = deadlines(status, since, policy)
    return found[0].at if found else None


def payment_window_from(paid_on: date) -> datetime:
    """A payment restarts the wait for the rest of the money: the payment window (its reminder and its expiry)
    counts again from the start of the business day the payment arrived (its value date), because the customer's
    paying is what shows the order is alive, not the day finance got round to recording it."""
    return datetime.combine(paid_on, time(0), BUSINESS_TZ)


def wait_start(since: datetime, window_from: datetime | None) -> datetime:
    """Where the current wait's deadlines count from: a payment moves it later, never earlier."""
    return max(since, window_from) if window_from is not None else since
