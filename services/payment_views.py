"""What finance looks at: the queue of unmatched bank lines, one line with its history, overpaid orders.

Every read applies the actor's scope in its query, so there is no other path to a line: a line is in scope
when it is matched to an order in scope, or still open with an order in scope waiting for its payer's money.
A line or order outside the scope answers exactly as a missing one. Slip links are made only for candidate
orders that passed that check.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from db.models import Order, StatementLine
from db.org_repo import scope_for
from db.payment_repo import credit_balances as repo_credit_balances
from db.payment_repo import line_events, line_in_scope, open_lines, orders_in_scope, slips_for
from domain.errors import NotFound, no_order
from domain.numbers import parse_number
from domain.payments import QUEUED, CreditSettlement, LineStatus
from domain.people import Actor
from domain.permissions import Perm, Scope, require
from domain.text import TextKind, check_text
from services.context import Services


class SlipLink(BaseModel):
    version: int
    claimed_amount: Decimal
    claimed_on: date
    uploaded_by: str
    url: str | None


class CandidateOrder(BaseModel):
    number: str
    customer: str | None
    amount: Decimal | None
    paid: Decimal
    outstanding: Decimal
    slips: list[SlipLink]


class OpenLine(BaseModel):
    bank_ref: str
    value_date: date
    amount: Decimal
    payer_name: str
    payer_account: str
    memo: str
    status: LineStatus
    note: str | None
    candidates: list[CandidateOrder]


class CreditBalance(BaseModel):
    number: str
    customer: str | None
    amount: Decimal | None
    paid: Decimal
    credit_balance: Decimal
    settled_as: CreditSettlement | None = None
    settled_by: str | None = None
    settled_at: datetime | None = None
    settled_note: str | None = None

    @classmethod
    def of(cls, o: Order) -> CreditBalance:
        return cls(number=o.number, customer=o.customer_name, amount=o.amount, paid=o.paid_total,
                   credit_balance=o.credit_balance, settled_as=o.credit_settled_as, settled_by=o.credit_settled_by,
                   settled_at=o.credit_settled_at, settled_note=o.credit_settled_note)


class LineDetail(BaseModel):
    line: OpenLine
    matched_to: str | None
    history: list[dict[str, Any]]


def unmatched_lines(services: Services, actor: Actor, limit: int, offset: int = 0) -> list[OpenLine]:
    """Finance's list, oldest first: ambiguous lines with their candidates, unmatched ones, and those waiting to be
    refunded (with the reason, as `note`)."""
    require(actor, Perm.PAYMENTS, "see the payments queue")
    with services.transaction() as session:
        scope = scope_for(session, actor)
        return [open_line(services, session, scope, row) for row in open_lines(session, scope, limit, offset)]


def credit_balances(services: Services, actor: Actor, limit: int, offset: int = 0) -> list[CreditBalance]:
    """Overpaid orders in scope, flagged until finance settles the balance."""
    require(actor, Perm.PAYMENTS, "see the payments queue")
    with services.transaction() as session:
        return [CreditBalance.of(o) for o in repo_credit_balances(session, scope_for(session, actor), limit, offset)]


def show_line(services: Services, actor: Actor, bank_ref: str) -> LineDetail:
    """One bank line, its candidates and their slips, and its history of matches."""
    require(actor, Perm.PAYMENTS, "see bank lines")
    with services.transaction() as session:
        scope = scope_for(session, actor)
        return line_detail(services, session, scope, visible_line(session, scope, bank_ref))


def line_detail(services: Services, session: Session, scope: Scope, row: StatementLine) -> LineDetail:
    """A line the caller has already been shown (its scope was checked), with its history."""
    events = line_events(session, row)
    seen = orders_in_scope(session, scope, [e.order_number for e in events])
    # An event about an order outside the scope is left out rather than shown with its number.
    history = [{"at": e.at, "action": e.action, "order": e.order_number, "actor": e.actor, "note": e.note}
               for e in events if e.order_number is None or e.order_number in seen]
    return LineDetail(line=open_line(services, session, scope, row), matched_to=row.order_number, history=history)


def open_refs(session: Session, scope: Scope) -> list[str]:
    """The bank references of the queued lines in scope, oldest first: what an import tries to match (a line to be
    refunded is finance's decision, and stays out of matching)."""
    return [row.bank_ref for row in open_lines(session, scope) if row.status in QUEUED]


def visible_line(session: Session, scope: Scope, bank_ref: str) -> StatementLine:
    """The line by its bank reference, if the scope covers it; otherwise the answer for a missing line."""
    bank_ref = check_text(bank_ref, TextKind.BANK_REF)
    row = line_in_scope(session, scope, bank_ref)
    if row is None:
        raise NotFound(f"there is no bank line with reference {bank_ref}; import its statement first")
    return row


def visible_order_number(session: Session, scope: Scope, number_text: str) -> str:
    """The order's number, if the scope covers it; otherwise the answer for a missing order."""
    number = str(parse_number(number_text))
    if not orders_in_scope(session, scope, [number]):
        raise no_order(number)
    return number


def open_line(services: Services, session: Session, scope: Scope, row: StatementLine) -> OpenLine:
    numbers = list(row.candidates or [])
    orders = orders_in_scope(session, scope, numbers)
    slips = _slips(services, session, list(orders))
    found = [CandidateOrder(number=n, customer=orders[n].customer_name, amount=orders[n].amount,
                            paid=orders[n].paid_total,
                            outstanding=(orders[n].amount or Decimal(0)) - orders[n].paid_total, slips=slips[n])
             for n in numbers if n in orders]
    return OpenLine(bank_ref=row.bank_ref, value_date=row.value_date, amount=row.amount,
                    payer_name=row.payer_name, payer_account=row.payer_account, memo=row.memo,
                    status=LineStatus(row.status), note=row.note, candidates=found)


def order_slips(services: Services, session: Session, number: str) -> list[SlipLink]:
    """The slips of one order the caller has already been shown (its scope was checked)."""
    return _slips(services, session, [number])[number]


def _slips(services: Services, session: Session, numbers: list[str]) -> dict[str, list[SlipLink]]:
    from orderflow.s3 import presigned_get

    found = slips_for(session, numbers)
    if not any(found.values()):
        return {number: [] for number in numbers}  # no S3 client needed when there is nothing to link
    settings, s3 = services.settings, services.s3()
    return {number: [SlipLink(version=s.version, claimed_amount=s.claimed_amount, claimed_on=s.claimed_on,
                              uploaded_by=s.uploaded_by,
                              url=presigned_get(s3, settings.s3_bucket, s.key, settings.presign_seconds))
                     for s in slips]
            for number, slips in found.items()}
