"""The payments desk: import bank statements, match their lines to orders, undo wrong matches, attach slips.

A match is the order workflow's `pay` update; the line is claimed in the same transaction that records the
payment, so a line pays one order once whoever races for it. Every call is safe to repeat: lines are stored
by bank reference, and a match is sent under an update id made from the line, so a retry is applied once.

Files arrive through an `Upload`: a context manager the caller opens only after every check that needs no
file has passed, so a refused request never costs the transfer of its body.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from temporalio.client import WorkflowUpdateFailedError

from db.order_repo import order_status
from db.org_repo import scope_for
from db.payment_repo import (
    Stored,
    candidates,
    get_line,
    leave_open,
    line_events,
    match_count,
    note_line,
    other_payer,
    store_lines,
)
from domain.errors import DomainError, TooLarge, Unavailable
from domain.fields import business_date, check_day, parse_amount, parse_day
from domain.order import Action, check_role, check_step
from domain.payments import (
    Decision,
    LineAction,
    LineStatus,
    MatchKind,
    check_line_open,
    check_unmatch,
    decide_match,
    payer_mismatch,
)
from domain.people import Actor
from domain.permissions import Perm, require
from domain.statements import MAX_FILE_BYTES, Statement, parse_statement
from domain.text import TextKind, check_text
from orderflow.contracts import OrderView, PayInput, SlipInput, UnmatchInput
from orderflow.failures import business_cause
from services.context import Services
from services.failures import as_domain_error
from services.order_desk import OrderDesk, actor_ref, desk_for
from services.payment_views import SlipLink, open_refs, order_slips, visible_line, visible_order_number
from workflows.order import OrderWorkflow

# Opens the received file (a temporary copy of a request body, or a local file) and removes it afterwards.
Upload = Callable[[], AbstractAsyncContextManager[Path]]


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
    """Good lines are stored even when others are bad: `errors` names each bad line by its line number."""

    file: str
    encoding: str
    delimiter: str
    imported: int
    already_imported: int
    repeated_in_file: int
    errors: list[LineIssue]
    outcomes: list[LineOutcome]
    stopped: str | None = None  # matching stopped early (a server did not answer); re-run to resume


class Matched(BaseModel):
    order: OrderView
    bank_ref: str
    slips: list[SlipLink]


# --- statements --------------------------------------------------------------------------------------
async def import_statement(services: Services, actor: Actor, upload: Upload) -> ImportReport:
    """Store each line once (by bank reference) in one transaction, then match what fits exactly one order."""
    require(actor, Perm.PAYMENTS, "import bank statements")
    now = datetime.now(UTC)
    async with upload() as path:
        # Reading, parsing and storing a large file would hold up every other request of this process: the
        # database and the disk are reached from worker threads throughout this module, never from the loop.
        statement = await asyncio.to_thread(_parse, path, business_date(now))
        stored = await asyncio.to_thread(_store, services, statement, actor, path.name, now)
        name = path.name
    errors = sorted([LineIssue(line=e.line_no, reason=e.reason) for e in [*statement.errors, *stored.conflicts]],
                    key=lambda e: e.line)
    report = ImportReport(file=name, encoding=statement.encoding, delimiter=statement.delimiter,
                          imported=len(stored.new), already_imported=stored.already,
                          repeated_in_file=statement.repeated, errors=errors, outcomes=[])
    try:
        # Every open line, not just the new ones: an order may have come to wait for an older payment.
        await _auto_match(services, actor, report.outcomes)
    except Exception as err:
        # The lines are stored whatever happens to matching: an unreachable server ends it with the report.
        known = as_domain_error(services.settings, err)
        if not isinstance(known, Unavailable):
            raise
        report.stopped = known.message
    return report


def _parse(path: Path, today: date) -> Statement:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:  # refuse before reading a byte of it into memory
        raise TooLarge(f"the statement file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
    return parse_statement(path.read_bytes(), today)


def _store(services: Services, statement: Statement, actor: Actor, source: str, now: datetime) -> Stored:
    for _ in range(3):  # an overlapping import committing at the same moment: the next pass sees its lines
        try:
            with services.transaction() as session:
                return store_lines(session, statement.lines, actor.username, source, now)
        except IntegrityError:
            continue
    raise Unavailable("another import of the same lines kept colliding with this one; run it again")


async def _auto_match(services: Services, actor: Actor, outcomes: list[LineOutcome]) -> None:
    """Match the open lines in the actor's scope (finance: all) that fit exactly one order; each outcome is
    added as it is known, so a report cut short still says what was done."""
    refs = await asyncio.to_thread(_open_refs, services, actor)
    desk = await desk_for(services)
    for bank_ref in refs:
        decision = await asyncio.to_thread(_decide, services, bank_ref)
        outcomes.append(await _settle(services, desk, actor, bank_ref, decision))


def _open_refs(services: Services, actor: Actor) -> list[str]:
    with services.transaction() as session:
        return open_refs(session, scope_for(session, actor))


def _decide(services: Services, bank_ref: str) -> Decision:
    with services.transaction() as session:
        row = get_line(session, bank_ref)
        return decide_match(row.amount, candidates(session, row.payer_key))


async def _settle(services: Services, desk: OrderDesk, actor: Actor, bank_ref: str,
                  decision: Decision) -> LineOutcome:
    note = None
    if decision.status is LineStatus.MATCHED and decision.order_number is not None:
        try:
            await _pay(services, desk, actor, bank_ref, decision.order_number, MatchKind.AUTO)
            return LineOutcome(bank_ref=bank_ref, status=LineStatus.MATCHED, order=decision.order_number)
        except Unavailable:
            raise
        except (DomainError, WorkflowUpdateFailedError) as err:
            note = f"order {decision.order_number} fits but refused the payment: {_failure(err)}"
            decision = Decision(LineStatus.UNMATCHED, None, decision.candidates)
    await asyncio.to_thread(_leave_open, services, actor, bank_ref, decision, note)
    return LineOutcome(bank_ref=bank_ref, status=decision.status, candidates=list(decision.candidates), note=note)


def _leave_open(services: Services, actor: Actor, bank_ref: str, decision: Decision, note: str | None) -> None:
    with services.transaction() as session:
        leave_open(session, get_line(session, bank_ref), decision, note, actor.username, datetime.now(UTC))


async def _pay(services: Services, desk: OrderDesk, actor: Actor, bank_ref: str, number: str,
               how: MatchKind) -> OrderView:
    amount, value_date, attempt = await asyncio.to_thread(_open_line, services, bank_ref)
    inp = PayInput(actor=actor_ref(actor), amount=amount, paid_on=value_date, line_ref=bank_ref, match=how)
    # The same line to the same order after an unmatch is a new request; a retry of this one is not.
    return await desk.checked_send(number, Action.PAY, actor, OrderWorkflow.pay, inp, f"pay-line-{bank_ref}-{attempt}")


def _open_line(services: Services, bank_ref: str) -> tuple[Decimal, date, int]:
    """The line's amount and value date, and how often it was matched before; refused unless it is open."""
    with services.transaction() as session:
        row = get_line(session, bank_ref)
        check_line_open(bank_ref, row.status, row.order_number)
        return row.amount, row.value_date, match_count(session, row)


def _failure(err: BaseException) -> str:
    cause = business_cause(err)
    if cause is not None:
        return cause.message
    return err.message if isinstance(err, DomainError) else str(err)


# --- by hand -----------------------------------------------------------------------------------------
async def match_line(services: Services, actor: Actor, bank_ref: str, number: str,
                     reason: str | None = None) -> Matched:
    """Match a line to an order by hand: partial payments add up, an overpayment is flagged (audited). A line from
    another payer than the order's customer needs a reason (domain.payments.payer_mismatch)."""
    require(actor, Perm.PAYMENTS, "match bank lines")
    if reason is not None:
        reason = check_text(reason, TextKind.FREE_TEXT, "reason for matching another payer's line")
    bank_ref, number = await asyncio.to_thread(_visible_pair, services, actor, bank_ref, number, reason)
    view = await _pay(services, await desk_for(services), actor, bank_ref, number, MatchKind.MANUAL)
    slips = await asyncio.to_thread(_order_slips, services, view.number)
    return Matched(order=view, bank_ref=bank_ref, slips=slips)


def _visible_pair(services: Services, actor: Actor, bank_ref: str, number: str,
                  reason: str | None) -> tuple[str, str]:
    """The line and the order in scope; a payer mismatch is refused without a reason, else audited on the line
    before the match is sent (finance's decision stands on the trail even if the order then refuses the money)."""
    with services.transaction() as session:
        scope = scope_for(session, actor)
        row, number = visible_line(session, scope, bank_ref), visible_order_number(session, scope, number)
        note = payer_mismatch(row.bank_ref, row.payer_name, number, other_payer(session, row, number), reason)
        if note is not None:
            check_line_open(row.bank_ref, row.status, row.order_number)
            note_line(session, row, LineAction.PAYER_MISMATCH, number, actor.username, note, datetime.now(UTC))
        return row.bank_ref, number


def _order_slips(services: Services, number: str) -> list[SlipLink]:
    with services.transaction() as session:
        return order_slips(services, session, number)


async def unmatch_line(services: Services, actor: Actor, bank_ref: str, reason: str) -> OrderView:
    """Undo a wrong match before its order takes effect; the line goes back to the queue."""
    require(actor, Perm.PAYMENTS, "unmatch bank lines")
    reason = check_text(reason, TextKind.FREE_TEXT, "reason for unmatching")
    bank_ref, number, undone = await asyncio.to_thread(_matched_line, services, actor, bank_ref)
    inp = UnmatchInput(actor=actor_ref(actor), line_ref=bank_ref, reason=reason)
    desk = await desk_for(services)
    return await desk.checked_send(number, Action.UNMATCH, actor, OrderWorkflow.unmatch, inp,
                                   f"unmatch-line-{bank_ref}-{undone}")


def _matched_line(services: Services, actor: Actor, bank_ref: str) -> tuple[str, str, int]:
    """The line in scope, the order it may be unmatched from, and how often it was unmatched before."""
    with services.transaction() as session:
        row = visible_line(session, scope_for(session, actor), bank_ref)
        number = row.order_number
        check_unmatch(row.bank_ref, row.status, number, order_status(session, number) if number else None)
        assert number is not None  # check_unmatch refused a line matched to nothing
        return row.bank_ref, number, len([e for e in line_events(session, row) if e.action == "unmatch"])


async def attach_slip(services: Services, actor: Actor, number: str, upload: Upload, amount: str, paid_on: str,
                      request_id: str | None = None) -> OrderView:
    """底单: the rep files the customer's remittance slip against the order, with what it claims.
    Everything that needs no file is checked before the file is received; the role before anything else."""
    check_role(Action.SLIP, actor, f"order {number}")
    claimed = parse_amount(amount, "amount on the slip")
    day = parse_day(paid_on, "date on the slip")
    number = await asyncio.to_thread(_visible_number, services, actor, number)
    desk = await desk_for(services, request_id, s3=True)
    now = await asyncio.to_thread(desk.standing, number)
    check_step(Action.SLIP, now.status, actor, now.parties)
    check_day(day, "date on the slip", not_before=now.signed_on, today=business_date(datetime.now(UTC)))
    async with upload() as path:
        return await desk.send_file(
            number, path, "slip", OrderWorkflow.attach_slip,
            lambda staged: SlipInput(actor=actor_ref(actor), staging_key=staged.key, size=staged.size,
                                     sha256=staged.sha256, filename=path.name, claimed_amount=claimed,
                                     claimed_on=day))


async def reverse_payment(services: Services, actor: Actor, number: str, payment: int, amount: str, paid_on: str,
                          reason: str, request_id: str | None = None) -> OrderView:
    """Take back a payment recorded by hand (no bank line), named by its number in the order's list of payments, its
    amount and its date as listed: it stops counting and stays on the record with the reason (finance)."""
    check_role(Action.REVERSE, actor, f"order {number}")
    number = await asyncio.to_thread(_visible_number, services, actor, number)
    desk = await desk_for(services, request_id)
    return await desk.reverse_payment(actor, number, payment, amount, paid_on, reason)


def _visible_number(services: Services, actor: Actor, number: str) -> str:
    with services.transaction() as session:
        return visible_order_number(session, scope_for(session, actor), number)
