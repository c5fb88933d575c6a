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
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from temporalio.client import WorkflowUpdateFailedError

from db.order_repo import order_status
from db.org_repo import scope_for
from db.payment_repo import Stored, candidates, get_line, leave_open, line_events, match_count, store_lines
from domain.errors import DomainError, TooLarge, Unavailable
from domain.fields import business_date, check_day, clean_text, parse_amount, parse_day
from domain.order import Action, check_step
from domain.payments import Decision, LineStatus, MatchKind, check_line_open, check_unmatch, decide_match
from domain.people import Actor
from domain.permissions import Perm, require
from domain.statements import MAX_FILE_BYTES, Statement, parse_statement
from orderflow.contracts import OrderView, PayInput, SlipInput, UnmatchInput
from orderflow.failures import business_cause
from services.context import Services
from services.failures import as_domain_error
from services.orders import OrderDesk, actor_ref
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


async def _desk(services: Services, request_id: str | None = None, s3: bool = False) -> OrderDesk:
    return OrderDesk(await services.temporal(), services.sessions, services.settings,
                     services.s3() if s3 else None, request_id=request_id)


# --- statements --------------------------------------------------------------------------------------
async def import_statement(services: Services, actor: Actor, upload: Upload) -> ImportReport:
    """Store each line once (by bank reference) in one transaction, then match what fits exactly one order."""
    require(actor, Perm.PAYMENTS, "import bank statements")
    now = datetime.now(UTC)
    async with upload() as path:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:  # refuse before reading a byte of it into memory
            raise TooLarge(f"the statement file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
        # Parsing and storing a large file would hold up every other request of this process: off the loop.
        statement = await asyncio.to_thread(parse_statement, path.read_bytes(), business_date(now))
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
    with services.transaction() as session:
        refs = open_refs(session, scope_for(session, actor))
    desk = await _desk(services)
    for bank_ref in refs:
        with services.transaction() as session:
            row = get_line(session, bank_ref)
            decision = decide_match(row.amount, candidates(session, row.payer_key))
        outcomes.append(await _settle(services, desk, actor, bank_ref, decision))


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
    with services.transaction() as session:
        leave_open(session, get_line(session, bank_ref), decision, note, actor.username, datetime.now(UTC))
    return LineOutcome(bank_ref=bank_ref, status=decision.status, candidates=list(decision.candidates), note=note)


async def _pay(services: Services, desk: OrderDesk, actor: Actor, bank_ref: str, number: str,
               how: MatchKind) -> OrderView:
    with services.transaction() as session:
        row = get_line(session, bank_ref)
        check_line_open(bank_ref, row.status, row.order_number)
        attempt = match_count(session, row)
        amount, value_date = row.amount, row.value_date
    inp = PayInput(actor=actor_ref(actor), amount=amount, paid_on=value_date, line_ref=bank_ref, match=how)
    # The same line to the same order after an unmatch is a new request; a retry of this one is not.
    return await desk.checked_send(number, Action.PAY, actor, OrderWorkflow.pay, inp, f"pay-line-{bank_ref}-{attempt}")


def _failure(err: BaseException) -> str:
    cause = business_cause(err)
    if cause is not None:
        return cause.message
    return err.message if isinstance(err, DomainError) else str(err)


# --- by hand -----------------------------------------------------------------------------------------
async def match_line(services: Services, actor: Actor, bank_ref: str, number: str) -> Matched:
    """Match a line to an order by hand: partial payments add up, an overpayment is flagged (audited)."""
    require(actor, Perm.PAYMENTS, "match bank lines")
    with services.transaction() as session:
        scope = scope_for(session, actor)
        bank_ref = visible_line(session, scope, bank_ref).bank_ref
        number = visible_order_number(session, scope, number)
    view = await _pay(services, await _desk(services), actor, bank_ref, number, MatchKind.MANUAL)
    with services.transaction() as session:
        slips = order_slips(services, session, view.number)
    return Matched(order=view, bank_ref=bank_ref, slips=slips)


async def unmatch_line(services: Services, actor: Actor, bank_ref: str, reason: str) -> OrderView:
    """Undo a wrong match before its order takes effect; the line goes back to the queue."""
    require(actor, Perm.PAYMENTS, "unmatch bank lines")
    reason = clean_text(reason, "reason for unmatching", max_len=1000)
    with services.transaction() as session:
        row = visible_line(session, scope_for(session, actor), bank_ref)
        bank_ref, number = row.bank_ref, row.order_number
        check_unmatch(bank_ref, row.status, number, order_status(session, number) if number else None)
        undone = len([e for e in line_events(session, row) if e.action == "unmatch"])
    assert number is not None  # check_unmatch refused a line matched to nothing
    inp = UnmatchInput(actor=actor_ref(actor), line_ref=bank_ref, reason=reason)
    desk = await _desk(services)
    return await desk.checked_send(number, Action.UNMATCH, actor, OrderWorkflow.unmatch, inp,
                                   f"unmatch-line-{bank_ref}-{undone}")


async def attach_slip(services: Services, actor: Actor, number: str, upload: Upload, amount: str, paid_on: str,
                      request_id: str | None = None) -> OrderView:
    """底单: the rep files the customer's remittance slip against the order, with what it claims.
    Everything that needs no file is checked before the file is received."""
    claimed = parse_amount(amount, "amount on the slip")
    day = parse_day(paid_on, "date on the slip")
    with services.transaction() as session:
        number = visible_order_number(session, scope_for(session, actor), number)
    desk = await _desk(services, request_id, s3=True)
    now = desk.standing(number)
    check_step(Action.SLIP, now.status, actor, now.parties)
    check_day(day, "date on the slip", not_before=now.signed_on, today=business_date(datetime.now(UTC)))
    async with upload() as path:
        return await desk.send_file(
            number, path, "slip", OrderWorkflow.attach_slip,
            lambda staged: SlipInput(actor=actor_ref(actor), staging_key=staged.key, size=staged.size,
                                     sha256=staged.sha256, filename=path.name, claimed_amount=claimed,
                                     claimed_on=day))
