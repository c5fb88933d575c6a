"""Money that goes back to its payer: finance marks a queued bank line to be refunded, with a reason, and records
the refund as sent (or takes the line back to the queue). Nothing here moves money; it keeps finance's list honest,
so a line is never dropped silently: it is matched to an order, waiting in the queue, waiting to be refunded, or
refunded, and each move is on the line's trail with who decided and why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from db.models import Order
from db.org_repo import scope_for
from db.payment_repo import move_line
from db.payment_repo import settle_credit as settle_credit_row
from domain.errors import InvalidInput, NotPermitted, Refused
from domain.payments import (
    QUEUED,
    CreditSettlement,
    LineAction,
    LineStatus,
    check_credit_settlement,
    check_refund,
    check_refund_sent,
)
from domain.people import Actor
from domain.permissions import Perm, Scope, require
from domain.printable import printable
from domain.text import TextKind, check_text
from services.context import Services
from services.payment_views import CreditBalance, LineDetail, line_detail, visible_line, visible_order_number


async def mark_refund(services: Services, actor: Actor, bank_ref: str, reason: str) -> LineDetail:
    """A queued line is to be refunded (paid twice, paid by mistake, for an order that will not be): it leaves
    matching and stays on finance's list until the refund is recorded as sent."""
    require(actor, Perm.PAYMENTS, "refund bank lines")
    why = check_text(reason, TextKind.FREE_TEXT, "reason for the refund")
    return await asyncio.to_thread(_decide, services, actor, bank_ref, why, _REFUND)


async def refund_sent(services: Services, actor: Actor, bank_ref: str, reference: str) -> LineDetail:
    """The refund went out: the line is closed, with the refund's own reference (the transfer back) on its trail."""
    require(actor, Perm.PAYMENTS, "record refunds")
    what = check_text(reference, TextKind.FREE_TEXT, "reference of the refund")
    return await asyncio.to_thread(_decide, services, actor, bank_ref, what, _SENT)


async def reopen(services: Services, actor: Actor, bank_ref: str, reason: str) -> LineDetail:
    """A line marked to be refunded goes back to the queue after all (the customer will pay an order with it)."""
    require(actor, Perm.PAYMENTS, "reopen bank lines")
    why = check_text(reason, TextKind.FREE_TEXT, "reason for reopening")
    return await asyncio.to_thread(_decide, services, actor, bank_ref, why, _REOPEN)


@dataclass(frozen=True)
class _Move:
    allowed: frozenset[LineStatus]  # the statuses the decision is checked against, and the update conditioned on
    to: LineStatus
    action: LineAction  # as the line's trail names it
    label: str
    check: Callable[[str, str, str | None], None]


def _marked(bank_ref: str, status: str, _: str | None) -> None:
    check_refund_sent(bank_ref, status)


_REFUND = _Move(QUEUED, LineStatus.REFUND_DUE, LineAction.REFUND_DUE, "marked to be refunded", check_refund)
_SENT = _Move(frozenset({LineStatus.REFUND_DUE}), LineStatus.REFUNDED, LineAction.REFUNDED, "recorded as refunded",
              _marked)
_REOPEN = _Move(frozenset({LineStatus.REFUND_DUE}), LineStatus.UNMATCHED, LineAction.REOPENED, "reopened", _marked)


def _decide(services: Services, actor: Actor, bank_ref: str, note: str, move: _Move) -> LineDetail:
    with services.transaction() as session:
        scope = _all_partners(session, actor, move.label)
        row = visible_line(session, scope, bank_ref)
        move.check(row.bank_ref, row.status, row.order_number)
        if not move_line(session, row, move.allowed, move.to, move.action, actor.username, note,
                         datetime.now(UTC)):
            raise Refused(f"bank line {row.bank_ref} changed while it was being {move.label}; "
                          f"it is now {row.status}: show it and decide again")
        return line_detail(services, session, scope, row)


def _all_partners(session: Session, actor: Actor, what: str) -> Scope:
    """Sending money back is decided by finance over all partners: a payments grant limited to some partners does not
    see the payer's orders elsewhere, nor a line that waits for no order of theirs."""
    scope = scope_for(session, actor)
    if not scope.everything:
        raise NotPermitted(f"{actor.describe()} may not have a bank line {what}: refunds are decided by finance over "
                           "all partners, and this user's payments grant covers only some")
    return scope


async def settle_credit(services: Services, actor: Actor, number: str, how: str, reason: str) -> CreditBalance:
    """What an effective order was paid beyond its amount is settled once, with a reason: refunded to the customer,
    or carried as its credit toward a later order. It then leaves finance's list; the balance stays on the order as
    the record of the overpayment."""
    require(actor, Perm.PAYMENTS, "settle credit balances")
    try:
        settled = CreditSettlement(how)
    except ValueError:
        raise InvalidInput(f"a credit balance is settled as {' or '.join(s.value for s in CreditSettlement)}, "
                           f"not {printable(how[:40])!r}") from None
    why = check_text(reason, TextKind.FREE_TEXT, "reason for the settlement")
    return await asyncio.to_thread(_settle, services, actor, number, settled, why)


def _settle(services: Services, actor: Actor, number: str, how: CreditSettlement, why: str) -> CreditBalance:
    with services.transaction() as session:
        order = session.get(Order, visible_order_number(session, scope_for(session, actor), number))
        assert order is not None  # visible_order_number answered for a missing one
        check_credit_settlement(order.number, order.status, order.credit_balance, order.credit_settled_as)
        if not settle_credit_row(session, order, how.value, actor.username, why, datetime.now(UTC)):
            raise Refused(f"the credit balance of order {order.number} was settled meanwhile "
                          f"({order.credit_settled_as} by {order.credit_settled_by})")
        return CreditBalance.of(order)
