"""Special follow-ups (其它特殊问题跟进): a case on an order or a customer (opened by services/follow_up_open.py)
is commented, attached to, reassigned, given a new due date and closed. Each case is a `FollowUpWorkflow` (id
`followup-<case>`); its activities write the read model (services/follow_up_reads.py). The rules are
domain/follow_ups.py's; every typed text is checked here first, before any lookup, so a refused text changes
nothing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from temporalio.client import (
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from db.customer_repo import holding
from db.follow_up_repo import manager_of, partner_manager
from db.models import CustomerCorrection, Order, User
from db.org_repo import load_actor, scope_for
from domain.errors import DomainError, InvalidInput, NotFound, Unavailable
from domain.fields import business_date
from domain.follow_ups import (
    FollowUpType,
    check_assignee_role,
    check_close,
    check_due,
    check_may_act,
    check_open,
    check_refund_assignee,
    desk_role,
    due_moment,
    escalation_target,
    oversees,
    parse_outcome,
)
from domain.people import Actor, check_username, desk_address
from domain.permissions import Perm, require
from domain.text import TextKind, check_text
from orderflow.follow_up_contracts import (
    AssignInput,
    AttachInput,
    CloseInput,
    CommentInput,
    DueInput,
    FollowUpView,
)
from services.context import Services
from services.customers import check_customer_visible
from services.follow_up_reads import Case, Subject, load_case, sees_subject, subject_of
from services.order_desk_base import actor_ref
from services.order_files import FileSource, inspect_local_scan
from services.order_reads import visible_number
from workflows.follow_up import FollowUpWorkflow, workflow_id


async def bounded(services: Services, case_id: str, call: Any) -> Any:
    """Never hang: with no worker answering, say so (as the order desk does)."""
    wait = services.settings.cli_wait_seconds
    try:
        return await asyncio.wait_for(call, timeout=wait)
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise Unavailable(f"follow-up {case_id} did not answer within {wait:g}s: is a worker running on task queue "
                          f"'{services.settings.task_queue}'? The step may still be applied when one is; check "
                          "with `orderflow follow-up show`.") from None


@dataclass(frozen=True)
class Assignee:
    address: str  # a username or a desk address
    role: str
    escalate_to: str


def subject_for(session: Any, actor: Actor, order: str | None, customer: int | None) -> Subject:
    """The order or customer the case is about, with the visibility of reading it (out of scope: not found)."""
    if (order is None) == (customer is None):
        raise InvalidInput("a follow-up is opened on an order or on a customer: give exactly one of them")
    if order is not None:
        require(actor, Perm.SEE_ORDERS, "open follow-ups on orders")
        number = visible_number(session, actor, order)
        row = session.get(Order, number)
        return Subject(number, None, row.partner_code, row.rep)
    assert customer is not None
    require(actor, Perm.SEE_CUSTOMERS, "open follow-ups on customers")
    check_customer_visible(session, actor, customer)
    owner, partner = holding(session, customer) or (None, None)
    return Subject(None, customer, partner, owner)


def _may_act(session: Any, username: str | None, subject: Subject, opener: str) -> bool:
    """Whether an escalation target could act on the case: active, and the opener or over its partner."""
    if not username or session.get(User, username) is None:
        return False
    person = load_actor(session, username)
    return person.active and (username == opener or oversees(person, scope_for(session, person).covers(
        subject.partner)))


def _escalation(session: Any, subject: Subject, opener: str, assignee_boss: str | None) -> str:
    candidates = [assignee_boss, partner_manager(session, subject.partner), manager_of(session, opener)]
    return escalation_target(candidates, {c: _may_act(session, c, subject, opener) for c in candidates if c},
                             opener)


def assignee_for(session: Any, kind: FollowUpType, subject: Subject, given: str, opener: str) -> Assignee:
    """A desk, or an active person who may see the case's order or customer; and whom it escalates to."""
    desk = desk_role(given.strip())
    if desk is not None:
        check_refund_assignee(kind, desk)
        return Assignee(desk_address(desk), desk.value, _escalation(session, subject, opener, None))
    username = check_username(given, "assignee")
    if session.get(User, username) is None:
        raise NotFound(f"there is no user '{username}' to assign the case to")
    person = load_actor(session, username)
    check_refund_assignee(kind, person.role)
    check_assignee_role(username, person.role, person.active, sees_subject(session, person, subject))
    return Assignee(username, person.role.value, _escalation(session, subject, opener, person.reports_to))


def _acting(services: Services, actor: Actor, case_id: str, what: str) -> Case:
    with services.transaction() as session:
        case = load_case(session, actor, case_id)
        check_may_act(actor, case.parties, case.covers, what)
        check_open(case.row.status, case_id)
        return case


async def _replayed(services: Services, actor: Actor, case_id: str, key: str | None) -> FollowUpView | None:
    """With an Idempotency-Key, the answer its update already got, if the case has that update: a retry after a
    lost reply answers as the first attempt did, whatever the case has become since (closed, reassigned). Every
    keyed step asks here before its own checks, which a case moved on by the first attempt would fail; only
    whoever may see the case is answered."""
    if key is None:
        return None
    await asyncio.to_thread(_visible, services, actor, case_id)
    client = await services.temporal()
    handle = client.get_workflow_handle_for(FollowUpWorkflow.run, workflow_id(case_id))
    try:
        answered: FollowUpView = await bounded(
            services, case_id, handle.get_update_handle(key, result_type=FollowUpView).result())
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            return None  # not applied yet (or refused, which Temporal keeps no record of): check and send
        raise
    return answered


def _visible(services: Services, actor: Actor, case_id: str) -> None:
    with services.transaction() as session:
        load_case(session, actor, case_id)


async def _update(services: Services, case_id: str, update: Any, inp: Any, key: str | None = None) -> FollowUpView:
    """One step on the case; with an Idempotency-Key (the update's id) it is applied once."""
    client = await services.temporal()
    handle = client.get_workflow_handle_for(FollowUpWorkflow.run, workflow_id(case_id))
    view: FollowUpView = await bounded(services, case_id, handle.execute_update(update, inp, id=key))
    return view


async def comment(services: Services, actor: Actor, case_id: str, *, text: str,
                  key: str | None = None) -> FollowUpView:
    said = check_text(text, TextKind.FREE_TEXT, "comment", max_len=4000)
    if (answered := await _replayed(services, actor, case_id, key)) is not None:
        return answered
    case = await asyncio.to_thread(_acting, services, actor, case_id, "comment on it")
    return await _update(services, case_id, FollowUpWorkflow.comment,
                         CommentInput(actor=actor_ref(actor), covers=case.covers, text=said), key)


async def assign(services: Services, actor: Actor, case_id: str, *, assignee: str, reason: str,
                 key: str | None = None) -> FollowUpView:
    why = check_text(reason, TextKind.FREE_TEXT, "reason")
    if (answered := await _replayed(services, actor, case_id, key)) is not None:
        return answered

    def prepare() -> tuple[Case, Assignee]:
        case = _acting(services, actor, case_id, "reassign it")
        with services.transaction() as session:
            row = case.row
            return case, assignee_for(session, FollowUpType(row.type), subject_of(session, row), assignee, row.opener)

    case, target = await asyncio.to_thread(prepare)
    return await _update(services, case_id, FollowUpWorkflow.assign, AssignInput(
        actor=actor_ref(actor), covers=case.covers, assignee=target.address, assignee_role=target.role,
        escalate_to=target.escalate_to, reason=why), key)


async def set_due(services: Services, actor: Actor, case_id: str, *, due_on: date,
                  key: str | None = None) -> FollowUpView:
    due = check_due(due_on, business_date(datetime.now(UTC)))
    if (answered := await _replayed(services, actor, case_id, key)) is not None:
        return answered
    case = await asyncio.to_thread(_acting, services, actor, case_id, "change its due date")
    return await _update(services, case_id, FollowUpWorkflow.set_due,
                         DueInput(actor=actor_ref(actor), covers=case.covers, due_on=due, due_at=due_moment(due)),
                         key)


async def close(services: Services, actor: Actor, case_id: str, *, outcome: str, resolution: str,
                reference: str | None = None, key: str | None = None) -> FollowUpView:
    """Close with an outcome and its text; a refund resolved records its payment's reference; a name change
    closes once the order group has decided its correction."""
    result = parse_outcome(outcome)
    text = check_text(resolution, TextKind.FREE_TEXT, "resolution", max_len=4000)
    ref = check_text(reference, TextKind.BANK_REF, "reference") if reference else None
    if (answered := await _replayed(services, actor, case_id, key)) is not None:
        return answered

    def prepare() -> tuple[Case, str | None]:
        case = _acting(services, actor, case_id, "close it")
        with services.transaction() as session:
            fix = session.get(CustomerCorrection, case.row.correction_id) if case.row.correction_id else None
            status = fix.status if fix is not None else None
        check_close(FollowUpType(case.row.type), result, ref, status)
        return case, status

    case, status = await asyncio.to_thread(prepare)
    return await _update(services, case_id, FollowUpWorkflow.close, CloseInput(
        actor=actor_ref(actor), covers=case.covers, outcome=result.value, resolution=text, reference=ref,
        correction_status=status), key)


async def attach(services: Services, actor: Actor, case_id: str, receive: FileSource) -> FollowUpView:
    """Attach a file (PDF, JPEG, PNG, TIFF; checked like scans): received only once the actor may, staged in S3
    under follow-ups/, and filed by the workflow's activity; a refused file leaves nothing staged."""
    from orderflow.s3 import sse_args, upload_staging

    case = await asyncio.to_thread(_acting, services, actor, case_id, "attach files to it")
    settings, s3 = services.settings, services.s3()
    async with receive() as path:
        inspect_local_scan(path, settings.scan_max_bytes, "attachment")
        staged = await asyncio.to_thread(upload_staging, s3, settings.s3_bucket, path, f"follow-ups/{case_id}",
                                         sse_args(settings))
        try:
            return await _update(services, case_id, FollowUpWorkflow.attach, AttachInput(
                actor=actor_ref(actor), covers=case.covers, staging_key=staged.key, size=staged.size,
                sha256=staged.sha256, filename=path.name))
        except (WorkflowUpdateFailedError, DomainError, RPCError) as err:
            # Refused (or never reached the case): nothing will file the staged copy. A timeout (Unavailable)
            # may still be filed by a worker, which removes the staged copy itself.
            if isinstance(err, Unavailable):
                raise
            await asyncio.to_thread(s3.delete_object, Bucket=settings.s3_bucket, Key=staged.key)
            raise

