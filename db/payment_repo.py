"""Bank statement lines: stored once by bank reference, matched to one order at most, audited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, and_, exists, literal, or_, select, update
from sqlalchemy.orm import Session

from db.customer_repo import NAME
from db.models import CustomerKey, LineEvent, Order, Payment, Slip, StatementLine
from domain.errors import NotFound, Refused
from domain.order import HOLDS_MONEY, OrderStatus
from domain.payments import ON_THE_LIST, QUEUED, Candidate, Decision, LineAction, LineStatus, check_line_open
from domain.permissions import Scope
from domain.statements import LineError
from domain.statements import StatementLine as ParsedLine

BATCH = 500


@dataclass
class Stored:
    new: list[str] = field(default_factory=list)  # bank references added by this import
    already: int = 0  # lines an earlier import stored, identical
    conflicts: list[LineError] = field(default_factory=list)


def _same(row: StatementLine, line: ParsedLine) -> bool:
    return (row.value_date, row.amount, row.payer_name, row.payer_account) == (
        line.value_date, line.amount, line.payer_name, line.payer_account)


def store_lines(session: Session, lines: list[ParsedLine], actor: str, source_file: str, now: datetime) -> Stored:
    """Add the lines not seen before; a known reference with other content is a conflict, not an overwrite."""
    stored = Stored()
    for start in range(0, len(lines), BATCH):
        batch = lines[start:start + BATCH]
        known = {row.bank_ref: row for row in session.scalars(
            select(StatementLine).where(StatementLine.bank_ref.in_([line.bank_ref for line in batch])))}
        for line in batch:
            row = known.get(line.bank_ref)
            if row is None:
                row = StatementLine(
                    bank_ref=line.bank_ref, value_date=line.value_date, amount=line.amount,
                    payer_name=line.payer_name, payer_key=line.payer_key, payer_account=line.payer_account,
                    memo=line.memo, source_file=source_file, imported_by=actor, imported_at=now,
                    status=LineStatus.UNMATCHED.value, candidates=[],
                )
                session.add(row)
                session.flush()
                _audit(session, row, LineAction.IMPORTED, None, actor, f"from {source_file}, line {line.line_no}", now)
                stored.new.append(line.bank_ref)
            elif _same(row, line):
                stored.already += 1
            else:
                stored.conflicts.append(LineError(
                    line.line_no, f"bank reference {line.bank_ref} was imported before from {row.source_file} "
                                  f"as {row.amount} from {row.payer_name} on {row.value_date}; this line says "
                                  f"{line.amount} from {line.payer_name} on {line.value_date}"))
    return stored


def get_line(session: Session, bank_ref: str) -> StatementLine:
    row = session.scalar(select(StatementLine).where(StatementLine.bank_ref == bank_ref))
    if row is None:
        raise NotFound(f"there is no bank line with reference {bank_ref}; import its statement first")
    return row


def open_lines(session: Session, scope: Scope, limit: int | None = None, offset: int = 0) -> list[StatementLine]:
    """Finance's list in the scope, oldest first: lines no order has taken, and those waiting to be refunded."""
    query = _lines_in_scope(select(StatementLine).where(_status_in(ON_THE_LIST)), scope)
    return list(session.scalars(query.order_by(StatementLine.value_date, StatementLine.id).limit(limit)
                                .offset(offset)))


def line_in_scope(session: Session, scope: Scope, bank_ref: str) -> StatementLine | None:
    """The line by its bank reference, if the scope covers it."""
    return session.scalar(_lines_in_scope(select(StatementLine).where(StatementLine.bank_ref == bank_ref), scope))


def orders_in_scope(session: Session, scope: Scope, numbers: Iterable[str | None]) -> dict[str, Order]:
    """Those of the orders that exist and that the scope covers, by number."""
    wanted = {n for n in numbers if n is not None}
    if not wanted:
        return {}
    query = select(Order).where(Order.number.in_(wanted))
    covered = _order_numbers(scope)
    if covered is not None:
        query = query.where(Order.number.in_(covered))
    return {o.number: o for o in session.scalars(query)}


def credit_balances(session: Session, scope: Scope, limit: int | None = None, offset: int = 0) -> list[Order]:
    """Overpaid orders in the scope, flagged until finance settles the balance."""
    query = select(Order).where(Order.credit_balance > Decimal("0.00"), Order.credit_settled_as.is_(None))
    covered = _order_numbers(scope)
    if covered is not None:
        query = query.where(Order.number.in_(covered))
    return list(session.scalars(query.order_by(Order.number).limit(limit).offset(offset)))


def _order_numbers(scope: Scope) -> Select[str] | None:
    """The numbers of the orders the scope covers, as a subquery; None when it covers everything."""
    if scope.everything:
        return None
    query = select(Order.number)
    if scope.own_only:
        return query.where(Order.rep == scope.own_only)
    return query.where(Order.partner_code.in_(scope.partners))


def _lines_in_scope(query: Select[StatementLine], scope: Scope) -> Select[StatementLine]:
    """A line is in scope when it is matched to an order in scope, or still open with an order in scope waiting
    for its payer's money (the same join as `candidates`)."""
    covered = _order_numbers(scope)
    if covered is None:
        return query
    waiting = exists(select(Order.number).join(CustomerKey, CustomerKey.customer_id == Order.customer_id).where(
        CustomerKey.key == literal(NAME) + StatementLine.payer_key, Order.status == "AWAITING_PAYMENT",
        Order.number.in_(covered)))
    return query.where(or_(StatementLine.order_number.in_(covered),
                           and_(_status_in(ON_THE_LIST), waiting)))


def candidates(session: Session, payer_key: str) -> list[Candidate]:
    """Orders of the customer whose name key is the payer's that may take money (waiting for it, or keeping it
    until approved or revived: domain.order.HOLDS_MONEY), with what they still owe; decide_match ranks them."""
    rows = session.execute(
        select(Order.number, Order.amount, Order.paid_total, Order.status)
        .join(CustomerKey, CustomerKey.customer_id == Order.customer_id)
        .where(CustomerKey.key == NAME + payer_key, Order.status.in_([s.value for s in HOLDS_MONEY]))
    ).all()
    return [Candidate(number, (amount or Decimal(0)) - paid, status == OrderStatus.AWAITING_PAYMENT.value)
            for number, amount, paid, status in rows]


def other_payer(session: Session, row: StatementLine, number: str) -> str | None:
    """The name of the order's customer when the line's payer is not that customer (no name key of the customer is
    the payer's, as in `candidates`); None when it is, or when the order has no customer yet."""
    order = session.scalar(select(Order).where(Order.number == number))
    if order is None or order.customer_id is None:
        return None
    same = session.scalar(select(CustomerKey.customer_id).where(CustomerKey.customer_id == order.customer_id,
                                                                CustomerKey.key == NAME + row.payer_key))
    return None if same is not None else (order.customer_name or f"customer {order.customer_id}")


def note_line(session: Session, row: StatementLine, action: LineAction, order_number: str, actor: str, note: str,
              now: datetime) -> None:
    """A decision about the line that is not itself a match (finance's reason for a payer mismatch), audited."""
    _audit(session, row, action, order_number, actor, note, now)


def open_lines_of(session: Session, customer_id: int) -> list[StatementLine]:
    """The lines in the queue (unmatched or ambiguous) whose payer is this customer, oldest money first."""
    return list(session.scalars(
        select(StatementLine)
        .join(CustomerKey, CustomerKey.key == literal(NAME) + StatementLine.payer_key)
        .where(CustomerKey.customer_id == customer_id, _status_in(QUEUED))
        .order_by(StatementLine.value_date, StatementLine.id)
    ))


def leave_open(session: Session, row: StatementLine, decision: Decision, note: str | None, actor: str,
               now: datetime) -> None:
    """Record why the automatic match did not happen; audited only when that changes."""
    status, listed = decision.status.value, list(decision.candidates)
    if (row.status, row.candidates, row.note) == (status, listed, note):
        return
    # One conditional update, as in claim_line: a line that an order's queue retry or finance matched meanwhile
    # stays matched (else its money would be both counted on the order and back in the queue).
    changed = session.execute(
        update(StatementLine)
        .where(StatementLine.id == row.id, _status_in(QUEUED))
        .values(status=status, candidates=listed, note=note)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    session.refresh(row)
    if changed != 1:
        return
    detail = note or (f"candidates: {', '.join(listed)}" if listed else "no order of this payer owes this amount")
    _audit(session, row, LineAction(status), None, actor, detail, now)


def claim_line(session: Session, bank_ref: str, order_number: str, actor: str, how: str, now: datetime) -> None:
    """Match a line to an order: one conditional update, so two orders racing for a line cannot both win."""
    row = get_line(session, bank_ref)
    check_line_open(bank_ref, row.status, row.order_number)
    taken = session.execute(
        update(StatementLine)
        .where(StatementLine.id == row.id, _status_in(QUEUED))
        .values(status=LineStatus.MATCHED.value, order_number=order_number, note=None)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    if taken != 1:
        session.refresh(row)
        check_line_open(bank_ref, row.status, row.order_number)
        raise Refused(f"bank line {bank_ref} changed while it was being matched; try again")
    _audit(session, row, LineAction.MATCHED, order_number, actor, f"{how} match", now)


def release_line(session: Session, bank_ref: str, order_number: str, actor: str, reason: str, now: datetime) -> None:
    """Undo a match: the line goes back to the queue and its payment stops counting, both kept for audit."""
    row = get_line(session, bank_ref)
    if row.order_number != order_number or row.status != LineStatus.MATCHED.value:
        raise Refused(f"bank line {bank_ref} is not matched to order {order_number}")
    row.status, row.order_number, row.note = LineStatus.UNMATCHED.value, None, f"unmatched from {order_number}"
    payment = session.scalar(select(Payment).where(Payment.order_number == order_number,
                                                   Payment.line_ref == bank_ref, Payment.reversed_at.is_(None)))
    if payment is not None:
        payment.reversed_at, payment.reversed_by, payment.reverse_reason = now, actor, reason
    _audit(session, row, LineAction.UNMATCH, order_number, actor, reason, now)


def reverse_hand_payment(session: Session, order_number: str, amount: Decimal, paid_on: date, actor: str,
                         reason: str, now: datetime) -> None:
    """A payment recorded by hand stops counting, kept for audit. Hand payments of one amount and day are the same
    money, so the earliest live one is taken. The step is recorded once (by its sequence number), so finding none
    means the read model and the order disagree: refused, and the step with it, rather than dropped."""
    payment = session.scalar(select(Payment).where(
        Payment.order_number == order_number, Payment.line_ref.is_(None), Payment.reversed_at.is_(None),
        Payment.amount == amount, Payment.paid_on == paid_on).order_by(Payment.seq).limit(1))
    if payment is None:
        raise Refused(f"order {order_number} has no live payment of {amount} recorded by hand on {paid_on}")
    payment.reversed_at, payment.reversed_by, payment.reverse_reason = now, actor, reason


def move_line(session: Session, row: StatementLine, allowed: frozenset[LineStatus], to: LineStatus,
              action: LineAction, actor: str, note: str, now: datetime) -> bool:
    """Finance's decision about a line that is not a match (to be refunded, refunded, back to the queue): one
    conditional update from the statuses the decision was checked against, so a match racing it wins or loses
    whole; audited when it took. False: the line had moved on meanwhile."""
    changed: int = session.execute(
        update(StatementLine).where(StatementLine.id == row.id, _status_in(allowed))
        .values(status=to.value, candidates=[], note=note).execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    session.refresh(row)
    if changed == 1:
        _audit(session, row, action, None, actor, note, now)
    return changed == 1


def settle_credit(session: Session, order: Order, how: str, actor: str, note: str, now: datetime) -> bool:
    """Record how finance settled the order's credit balance: one conditional update, so two settlements racing
    cannot both be recorded. False: it was settled meanwhile."""
    settled: int = session.execute(
        update(Order).where(Order.number == order.number, Order.credit_settled_as.is_(None),
                            Order.credit_balance > Decimal("0.00"))
        .values(credit_settled_as=how, credit_settled_by=actor, credit_settled_at=now, credit_settled_note=note)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    session.refresh(order)
    return settled == 1


def _status_in(statuses: frozenset[LineStatus]) -> ColumnElement[bool]:
    return StatementLine.status.in_(sorted(s.value for s in statuses))


def _audit(session: Session, row: StatementLine, action: LineAction, order_number: str | None, actor: str,
           note: str | None, now: datetime) -> None:
    session.add(LineEvent(line_id=row.id, action=action, order_number=order_number, actor=actor, note=note, at=now))


def line_events(session: Session, row: StatementLine) -> list[LineEvent]:
    return list(session.scalars(select(LineEvent).where(LineEvent.line_id == row.id).order_by(LineEvent.id)))


def match_count(session: Session, row: StatementLine) -> int:
    """How often the line was matched before: a new match after an unmatch is a new request."""
    return len([e for e in line_events(session, row) if e.action == "matched"])


def slips_for(session: Session, order_numbers: list[str]) -> dict[str, list[Slip]]:
    found: dict[str, list[Slip]] = {n: [] for n in order_numbers}
    for slip in session.scalars(select(Slip).where(Slip.order_number.in_(order_numbers))
                                .order_by(Slip.order_number, Slip.version)):
        found[slip.order_number].append(slip)
    return found
