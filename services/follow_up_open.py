"""Opening a special follow-up (其它特殊问题跟进): the case id, the subject's scope, the assignee, a name change's
correction, and the workflow started by update-with-start, answering once the opening is recorded. The other steps
are services/follow_ups.py's."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import UTC, date, datetime

from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from db.follow_up_models import FollowUp
from db.models import CustomerCorrection
from domain.corrections import PENDING, REJECTED
from domain.errors import InvalidInput, Unavailable
from domain.fields import business_date
from domain.follow_ups import DESK_OF, FollowUpType, check_due, due_moment, parse_type
from domain.people import Actor, desk_address
from domain.text import TextKind, check_text
from orderflow.follow_up_contracts import FollowUpInput, FollowUpView, OpenedInput
from services.context import Services
from services.follow_ups import assignee_for, bounded, subject_for
from services.order_desk_base import actor_ref
from workflows.follow_up import FollowUpWorkflow, workflow_id


def new_case_id(now: datetime, username: str, key: str | None = None) -> str:
    """261130-3fa2b1: the Beijing day it was opened, and a random part; with an Idempotency-Key, a part derived
    from the actor and the key, so a retry names the same case."""
    tail = hashlib.sha256(f"{username}\n{key}".encode()).hexdigest()[:6] if key else secrets.token_hex(3)
    return f"{business_date(now):%y%m%d}-{tail}"


async def open_case(services: Services, actor: Actor, *, type: str, description: str, due_on: date,
                    assignee: str | None = None, order: str | None = None, customer: int | None = None,
                    new_name: str | None = None, confirm_distinct: bool = False,
                    key: str | None = None) -> FollowUpView:
    """Open a case. A refund goes to finance's desk; a name change files the corrected licensed name through the
    customer-correction rules (services/name_corrections.py: collision check, the order group decides) first.
    With an Idempotency-Key the case id comes from the actor and the key: a retry answers with that case."""
    kind = parse_type(type)
    text = check_text(description, TextKind.FREE_TEXT, "description", max_len=4000)
    name = check_text(new_name, TextKind.LICENSED_NAME, "new name") if new_name is not None else None
    if (kind is FollowUpType.NAME_CHANGE) != (name is not None):
        raise InvalidInput("a name change (and only a name change) carries the new licensed name")
    now = datetime.now(UTC)
    due = check_due(due_on, business_date(now))
    chosen = assignee or (desk_address(DESK_OF[kind]) if kind in DESK_OF else None)
    if chosen is None:
        raise InvalidInput("name the assignee: a username or a desk such as desk:finance")
    case_id = new_case_id(now, actor.username, key)
    client = await services.temporal()
    handle = client.get_workflow_handle_for(FollowUpWorkflow.run, workflow_id(case_id))
    with services.transaction() as session:
        # A retry of an opening that was recorded answers with its case before any check (which what has
        # changed since, an assignee deactivated say, might now fail).
        existing = session.get(FollowUp, case_id) if key else None
        if existing is None or existing.opener != actor.username:
            if existing is not None:  # another's key hashed alike: a new id
                case_id = new_case_id(now, actor.username)
                handle = client.get_workflow_handle_for(FollowUpWorkflow.run, workflow_id(case_id))
            existing = None
            subject = subject_for(session, actor, order, customer)
            target = assignee_for(session, kind, subject, chosen, actor.username)
    if existing is not None:
        view: FollowUpView = await bounded(services, case_id, handle.query(FollowUpWorkflow.view))
        return view
    correction = None
    if name is not None:
        if subject.customer_id is None:
            raise InvalidInput("a name change is opened on the customer, not on an order")
        from services.name_corrections import request_name

        filed = await asyncio.to_thread(request_name, services, actor, subject.customer_id, name=name,
                                        reason=f"follow-up {case_id}: {text[:900]}",
                                        confirm_distinct=confirm_distinct)
        correction = int(filed["correction"])
    inp = FollowUpInput(case_id=case_id, type=kind.value, order_number=subject.order_number,
                        customer_id=subject.customer_id, partner=subject.partner, opener=actor_ref(actor),
                        description=text, assignee=target.address, assignee_role=target.role,
                        escalate_to=target.escalate_to, due_on=due, due_at=due_moment(due), correction_id=correction)
    start = WithStartWorkflowOperation(
        FollowUpWorkflow.run, inp, id=workflow_id(case_id), task_queue=services.settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
        static_summary=f"Follow-up {case_id}: {kind.value}")  # no personal data in the summary
    try:
        # Answers once the opening is recorded: the next command finds the case, without polling.
        opened: FollowUpView = await bounded(services, case_id, client.execute_update_with_start_workflow(
            FollowUpWorkflow.opened, OpenedInput(case_id=case_id), start_workflow_operation=start))
        return opened
    except WorkflowAlreadyStartedError:
        if key:  # a retry racing its first attempt: the same case, once its opening is recorded
            again: FollowUpView = await bounded(services, case_id, handle.execute_update(
                FollowUpWorkflow.opened, OpenedInput(case_id=case_id)))
            return again
        await asyncio.to_thread(_withdraw, services, correction, case_id)
        raise Unavailable("that case id was just taken; open the case again") from None
    except Unavailable:
        raise  # no worker answered: the workflow may well be started, and its correction with it
    except Exception:
        await asyncio.to_thread(_withdraw, services, correction, case_id)
        raise


def _withdraw(services: Services, correction: int | None, case_id: str) -> None:
    """A name correction filed for a case that did not start is withdrawn, so the customer's one pending
    correction does not block opening the case again."""
    if correction is None:
        return
    with services.transaction() as session:
        row = session.get(CustomerCorrection, correction)
        if row is not None and row.status == PENDING:
            row.status, row.decided_by, row.decided_at = REJECTED, row.requested_by, datetime.now(UTC)
            row.decision = f"withdrawn: follow-up {case_id} could not be opened"
