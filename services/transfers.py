"""Transfer-in applications (调入申请): a rep files one for a pool customer of another region, the approval group
decides. Each application is a `TransferInWorkflow` with id `transfer-in-<customer>`; its row in `applications`
(written by the workflow's activity) serves the list."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from db.models import User
from db.org_repo import scope_for
from db.warehouse_repo import lock_customer, pool_view, transfer_applications
from domain.collisions import Entry, check_entry
from domain.errors import InvalidInput, NotFound, Refused
from domain.names import name_key
from domain.people import Actor, Role
from domain.permissions import Perm, require
from domain.text import TextKind, check_text
from domain.warehouse import StoredFacts, check_confirmed_facts, check_transfer_in
from orderflow.customer_contracts import ApplicationView, DecideInput, TransferInput
from orderflow.markdown import md_text
from services.context import Services
from services.customers import missing, visible
from services.order_desk_base import actor_ref
from workflows.customers import TransferInWorkflow

STATUSES = ("FILED", "APPROVED", "REJECTED")


def application_id(customer_id: int) -> str:
    return f"transfer-in-{customer_id}"


def _prepare(services: Services, actor: Actor, customer_id: int, reason: str, region: str,
             facts: Entry) -> TransferInput:
    """The application as the workflow takes it, checked against the store (runs in a worker thread)."""
    with services.transaction() as session:
        found = lock_customer(session, customer_id, lock=False)  # missing: "there is no customer N"
        if found.owner is not None and not visible(scope_for(session, actor), found.owner, found.partner_code):
            raise missing(customer_id)
        region = check_transfer_in(pool_view(session, found), actor, region)
        # A customer the name-key migration kept on an older key (flagged folds_to_customer) is compared by its name
        # keyed today, so the name the rep confirms still matches; every other by its stored key.
        kept_apart = any(flag.startswith("folds_to_customer:") for flag in found.risk_flags or [])
        stored_key = name_key(found.name) if kept_apart else found.name_key
        check_confirmed_facts(customer_id, facts,
                              StoredFacts(stored_key, found.phone_key, found.fax_key, found.address))
        approvers = list(session.scalars(select(User.username).where(User.role == Role.APPROVAL_GROUP.value,
                                                                     User.active.is_(True))))
        return TransferInput(application_id=application_id(customer_id), customer_id=customer_id,
                             customer_name=found.name, rep=actor_ref(actor), region=region, reason=reason,
                             approvers=approvers)


async def file(services: Services, actor: Actor, customer_id: int, reason: str, *, region: str, name: str,
               phone: str, fax: str, address: str) -> ApplicationView:
    """调入申请: apply for a pool customer of a region that is not the caller's, into one of the caller's regions,
    with the four facts confirmed with the customer (each must match the record). A customer held by anyone else
    outside the caller's scope is not found; one of the caller's own region is refused (claim it instead)."""
    require(actor, Perm.TRANSFER_IN, "apply to transfer customers in")
    why = check_text(reason, TextKind.FREE_TEXT, "reason")
    # Parsed as at entry; one number as phone and fax is allowed here, as the record may hold it (it must match).
    facts = check_entry(name, phone, fax, address, region, same_phone_fax=True)
    inp = await asyncio.to_thread(_prepare, services, actor, customer_id, why, facts.region, facts)
    client = await services.temporal()
    try:
        handle = await client.start_workflow(
            TransferInWorkflow.run, inp, id=inp.application_id, task_queue=services.settings.task_queue,
            # A closed application may be filed again; an open one only once.
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            static_summary=f"Transfer-in of customer {customer_id} to {md_text(actor.username)}",  # Markdown in the UI
        )
    except WorkflowAlreadyStartedError:
        raise Refused(f"customer {customer_id} already has an open transfer-in application") from None
    return await handle.query(TransferInWorkflow.view)


async def decide(services: Services, actor: Actor, customer_id: int, *, approve: bool,
                 reason: str) -> ApplicationView:
    """The approval group approves or rejects the open application for a customer; the workflow's validator
    checks the role and the status again, and on approval moves the customer if it is still in the pool."""
    require(actor, Perm.DECIDE_APPLICATION, "decide transfer-in applications")
    inp = DecideInput(actor=actor_ref(actor), approve=approve, reason=check_text(reason, TextKind.FREE_TEXT, "reason"))
    client = await services.temporal()
    handle = client.get_workflow_handle_for(TransferInWorkflow.run, application_id(customer_id))
    try:
        view = await handle.query(TransferInWorkflow.view)
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            raise NotFound(f"there is no transfer-in application for customer {customer_id}") from err
        raise
    if view.status != "FILED":
        raise Refused(f"application {view.application_id} is already {view.status.lower()}")
    return await handle.execute_update(TransferInWorkflow.decide, inp)


def applications(services: Services, actor: Actor, *, status: str = "FILED", limit: int,
                 offset: int = 0) -> list[dict[str, Any]]:
    """Transfer-in applications by status, oldest first, within the caller's scope: the approval group (and the
    other central groups) every one, a rep their own, the other roles those of the reps of the partners in
    their scope. Needs the 'see_customers' permission."""
    require(actor, Perm.SEE_CUSTOMERS, "see transfer-in applications")
    wanted = status.strip().upper()
    if wanted not in STATUSES:
        raise InvalidInput(f"status '{status}' is not one of: {', '.join(STATUSES)}")
    with services.transaction() as session:
        return [{"application": a.id, "customer": a.customer_id, "rep": a.rep, "reason": a.reason,
                 "status": a.status, "decision": a.decision}
                for a in transfer_applications(session, scope_for(session, actor), wanted, limit, offset)]
