"""The payments desk: import bank statements, match their lines to orders, undo wrong matches, attach slips.

A match is the order workflow's `pay` update; the line is claimed in the same transaction that records the
payment, so a line pays one order once whoever races for it. Every call is safe to repeat: lines are stored
by bank reference, and a match is sent under an update id made from the line, so a retry is applied once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowUpdateFailedError

from db.engine import unit_of_work
from db.order_repo import order_status
from db.payment_repo import (
    candidates,
    credit_balances,
    get_line,
    leave_open,
    line_events,
    match_count,
    open_lines,
    slips_for,
    store_lines,
)
from domain.errors import DomainError, InvalidInput, Unavailable
from domain.fields import business_date, check_day, clean_text, parse_amount
from domain.order import Action
from domain.payments import Decision, LineStatus, MatchKind, check_line_open, check_unmatch, decide_match
from domain.people import Actor
from domain.permissions import Perm, require
from domain.statements import MAX_FILE_BYTES, parse_statement
from orderflow.contracts import OrderView, PayInput, SlipInput, UnmatchInput
from orderflow.desk import OrderDesk, actor_ref
from orderflow.failures import business_cause
from orderflow.settings import Settings
from workflows.order import OrderWorkflow


class LineIssue(BaseModel):
    line: int
    reason: str


class LineOutcome(BaseModel):
    bank_ref: str
    status: LineStatus
    order: str | None = None
    candidates: list[str] = []
    note: str | None = None


class ImportReport(BaseModel):
    file: str
    encoding: str
    delimiter: str
    imported: int
    already_imported: int
    repeated_in_file: int
    errors: list[LineIssue]
    outcomes: list[LineOutcome]
    stopped: str | None = None  # matching stopped early (a server did not answer); re-run to resume


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


class Queue(BaseModel):
    lines: list[OpenLine]
    credit_balances: list[CreditBalance]


class LineDetail(BaseModel):
    line: OpenLine
    matched_to: str | None
    history: list[dict[str, Any]]


class Matched(BaseModel):
    order: OrderView
    bank_ref: str
    slips: list[SlipLink]


def _failure(err: BaseException) -> str:
    cause = business_cause(err)
    if cause is not None:
        return cause.message
    return err.message if isinstance(err, DomainError) else str(err)


class PaymentDesk:
    def __init__(self, orders: OrderDesk, sessions: sessionmaker[Session], settings: Settings, s3: Any = None) -> None:
        self._orders, self._sessions, self._settings, self._s3 = orders, sessions, settings, s3

    # --- statements ------------------------------------------------------------------------------
    async def import_statement(self, actor: Actor, path: Path) -> ImportReport:
        require(actor, Perm.PAYMENTS, "import bank statements")
        if not path.is_file():
            raise InvalidInput(f"statement file {path} does not exist or is not a file")
        now = datetime.now(UTC)
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:  # refuse before reading a byte of it into memory
            raise InvalidInput(f"the statement file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        statement = parse_statement(path.read_bytes(), business_date(now))
        stored = None
        for _ in range(3):  # an overlapping import committing at the same moment: the next pass sees its lines
            try:
                with unit_of_work(self._sessions) as session:
                    stored = store_lines(session, statement.lines, actor.username, path.name, now)
                break
            except IntegrityError:
                continue
        if stored is None:
            raise Unavailable("another import of the same lines kept colliding with this one; run it again")
        errors = sorted([LineIssue(line=e.line_no, reason=e.reason) for e in [*statement.errors, *stored.conflicts]],
                        key=lambda e: e.line)
        report = ImportReport(file=path.name, encoding=statement.encoding, delimiter=statement.delimiter,
                              imported=len(stored.new), already_imported=stored.already,
                              repeated_in_file=statement.repeated, errors=errors, outcomes=[])
        try:
            # Every open line, not just the new ones: an order may have come to wait for an older payment.
            report.outcomes = await self.auto_match(actor)
        except Unavailable as err:
            report.stopped = err.message
        return report

    async def auto_match(self, actor: Actor) -> list[LineOutcome]:
        require(actor, Perm.PAYMENTS, "match bank lines")
        with unit_of_work(self._sessions) as session:
            lines = [(row.bank_ref, row.payer_key, row.amount) for row in open_lines(session)]
        outcomes = []
        for bank_ref, payer_key, amount in lines:
            with unit_of_work(self._sessions) as session:
                decision = decide_match(amount, candidates(session, payer_key))
            outcomes.append(await self._settle(actor, bank_ref, decision))
        return outcomes

    async def _settle(self, actor: Actor, bank_ref: str, decision: Decision) -> LineOutcome:
        note = None
        if decision.status is LineStatus.MATCHED and decision.order_number is not None:
            try:
                await self._pay(actor, bank_ref, decision.order_number, MatchKind.AUTO)
                return LineOutcome(bank_ref=bank_ref, status=LineStatus.MATCHED, order=decision.order_number)
            except Unavailable:
                raise
            except (DomainError, WorkflowUpdateFailedError) as err:
                note = f"order {decision.order_number} fits but refused the payment: {_failure(err)}"
                decision = Decision(LineStatus.UNMATCHED, None, decision.candidates)
        with unit_of_work(self._sessions) as session:
            leave_open(session, get_line(session, bank_ref), decision, note, actor.username, datetime.now(UTC))
        return LineOutcome(bank_ref=bank_ref, status=decision.status, candidates=list(decision.candidates), note=note)

    async def _pay(self, actor: Actor, bank_ref: str, number: str, how: MatchKind) -> OrderView:
        with unit_of_work(self._sessions) as session:
            row = get_line(session, bank_ref)
            check_line_open(bank_ref, row.status, row.order_number)
            attempt = match_count(session, row)
            amount, value_date = row.amount, row.value_date
        inp = PayInput(actor=actor_ref(actor), amount=amount, paid_on=value_date, line_ref=bank_ref, match=how)
        # The same line to the same order after an unmatch is a new request; a retry of this one is not.
        return await self._orders.checked_send(number, Action.PAY, actor, OrderWorkflow.pay, inp,
                                               f"pay-line-{bank_ref}-{attempt}")

    # --- by hand -----------------------------------------------------------------------------------
    async def match(self, actor: Actor, bank_ref: str, number: str) -> Matched:
        require(actor, Perm.PAYMENTS, "match bank lines")
        bank_ref = clean_text(bank_ref, "bank reference", max_len=64)
        view = await self._pay(actor, bank_ref, number, MatchKind.MANUAL)
        return Matched(order=view, bank_ref=bank_ref, slips=self._slips([view.number])[view.number])

    async def unmatch(self, actor: Actor, bank_ref: str, reason: str) -> OrderView:
        require(actor, Perm.PAYMENTS, "unmatch bank lines")
        bank_ref = clean_text(bank_ref, "bank reference", max_len=64)
        reason = clean_text(reason, "reason for unmatching", max_len=1000)
        with unit_of_work(self._sessions) as session:
            row = get_line(session, bank_ref)
            number = row.order_number
            check_unmatch(bank_ref, row.status, number, order_status(session, number) if number else None)
            undone = len([e for e in line_events(session, row) if e.action == "unmatch"])
        assert number is not None
        inp = UnmatchInput(actor=actor_ref(actor), line_ref=bank_ref, reason=reason)
        return await self._orders.checked_send(number, Action.UNMATCH, actor, OrderWorkflow.unmatch, inp,
                                               f"unmatch-line-{bank_ref}-{undone}")

    async def slip(self, actor: Actor, number: str, path: Path, amount: str, paid_on: date) -> OrderView:
        """底单: the rep files the customer's remittance slip against the order, with what it claims."""
        from domain.order import check_step

        claimed = parse_amount(amount, "amount on the slip")
        now = self._orders.standing(number)
        check_step(Action.SLIP, now.status, actor, now.parties)
        check_day(paid_on, "date on the slip", not_before=now.signed_on, today=business_date(datetime.now(UTC)))
        return await self._orders.send_file(
            now.parties.number, path, "slip", OrderWorkflow.attach_slip,
            lambda staged: SlipInput(actor=actor_ref(actor), staging_key=staged.key, size=staged.size,
                                     sha256=staged.sha256, filename=path.name, claimed_amount=claimed,
                                     claimed_on=paid_on))

    # --- what finance looks at ---------------------------------------------------------------------
    def queue(self, actor: Actor) -> Queue:
        require(actor, Perm.PAYMENTS, "see the payments queue")
        with unit_of_work(self._sessions) as session:
            rows = open_lines(session)
            lines = [self._open_line(session, row) for row in rows]
            balances = [CreditBalance(number=o.number, customer=o.customer_name, amount=o.amount, paid=o.paid_total,
                                      credit_balance=o.credit_balance) for o in credit_balances(session)]
        return Queue(lines=lines, credit_balances=balances)

    def show(self, actor: Actor, bank_ref: str) -> LineDetail:
        require(actor, Perm.PAYMENTS, "see bank lines")
        with unit_of_work(self._sessions) as session:
            row = get_line(session, clean_text(bank_ref, "bank reference", max_len=64))
            history = [{"at": e.at, "action": e.action, "order": e.order_number, "actor": e.actor, "note": e.note}
                       for e in line_events(session, row)]
            return LineDetail(line=self._open_line(session, row), matched_to=row.order_number, history=history)

    def _open_line(self, session: Session, row: Any) -> OpenLine:
        from db.models import Order

        numbers = list(row.candidates or [])
        slips = self._slips(numbers, session)
        found = []
        for number in numbers:
            order = session.get(Order, number)
            if order is None:
                continue
            found.append(CandidateOrder(number=number, customer=order.customer_name, amount=order.amount,
                                        paid=order.paid_total,
                                        outstanding=(order.amount or Decimal(0)) - order.paid_total,
                                        slips=slips[number]))
        return OpenLine(bank_ref=row.bank_ref, value_date=row.value_date, amount=row.amount,
                        payer_name=row.payer_name, payer_account=row.payer_account, memo=row.memo,
                        status=LineStatus(row.status), note=row.note, candidates=found)

    def _slips(self, numbers: list[str], session: Session | None = None) -> dict[str, list[SlipLink]]:
        if session is None:
            with unit_of_work(self._sessions) as own:
                return self._slips(numbers, own)
        return {number: [SlipLink(version=s.version, claimed_amount=s.claimed_amount, claimed_on=s.claimed_on,
                                  uploaded_by=s.uploaded_by, url=self._link(s.key)) for s in slips]
                for number, slips in slips_for(session, numbers).items()}

    def _link(self, key: str) -> str | None:
        from orderflow.s3 import presigned_get

        if self._s3 is None:
            return None
        return presigned_get(self._s3, self._settings.s3_bucket, key, self._settings.presign_seconds)
