"""Issuing a numbered blank form, the next free number, and a replacement number for a lost original: a
number is issued once, from its partner's range, by that partner's assistant, to that partner's rep."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy.orm import Session
from temporalio.client import WithStartWorkflowOperation
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)

from db.engine import unit_of_work
from db.order_repo import order_status
from db.org_repo import all_ranges
from domain.errors import NotFound, Refused
from domain.numbers import NumberRange, owning_range, parse_number
from domain.order import Action, OrderStatus, check_issue, check_step
from domain.people import Actor
from orderflow import search_attributes as sa
from orderflow.contracts import IssuedInput, IssueInput, OrderView, ReissueInput
from orderflow.markdown import md_text
from orderflow.temporal import workflow_id
from services.order_desk_base import DeskBase, actor_ref, refuse_kept_money
from workflows.order import OrderWorkflow


class IssueDesk(DeskBase):
    async def issue(self, actor: Actor, number_text: str, rep_name: str) -> OrderView:
        number = str(parse_number(number_text))
        owning, rep = await asyncio.to_thread(self._check_issue, actor, number, rep_name)
        issue_id = uuid.uuid4().hex
        start = WithStartWorkflowOperation(
            OrderWorkflow.run,
            IssueInput(number=number, partner=owning.partner, rep=rep_name, actor=actor_ref(actor),
                       issue_id=issue_id, supervisor=rep.reports_to if rep else None,
                       policy=self._settings.policy),
            id=workflow_id(number),
            task_queue=self._settings.task_queue,
            # A number is never issued twice, not even after its order has closed.
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes([
                SearchAttributePair(sa.ORDER_NUMBER, number), SearchAttributePair(sa.CHANNEL_PARTNER, owning.partner),
                SearchAttributePair(sa.SALES_REP, rep_name),
                SearchAttributePair(sa.ORDER_STATUS, OrderStatus.ISSUED.value),
            ]),
            # The Web UI renders both as Markdown.
            static_summary=f"Order {number} · partner {md_text(owning.partner)} · rep {md_text(rep_name)}",
            static_details=f"Blank form {number} issued by {md_text(actor.username)} to {md_text(rep_name)}.",
        )
        # One call starts the order and returns once its issue is recorded, so the next command sees the order
        # everywhere: no polling of the read model, and no query costing the worker a workflow task.
        return await self._bounded(number, self._client.execute_update_with_start_workflow(
            OrderWorkflow.issued, IssuedInput(issue_id=issue_id), start_workflow_operation=start))

    def _check_issue(self, actor: Actor, number: str, rep_name: str) -> tuple[NumberRange, Actor | None]:
        with unit_of_work(self._sessions) as session:
            owning = owning_range(parse_number(number), all_ranges(session))
            rep = _rep_or_none(session, rep_name)
            return check_issue(number, owning, actor, rep, rep_name, order_status(session, number)), rep

    async def issue_next(self, actor: Actor, rep_name: str) -> OrderView:
        """The lowest never-issued number in the ranges of the rep's partner (one the assistant serves); `issue`
        then checks the rep as for a named number."""
        from db.order_repo import issued_numbers
        from domain.order import check_role, next_number_partners

        check_role(Action.ISSUE, actor, "the next order number")

        def lowest_free() -> tuple[str | None, frozenset[str]]:
            with unit_of_work(self._sessions) as session:
                partners = next_number_partners(actor, _rep_or_none(session, rep_name))
                ranges = sorted((r for r in all_ranges(session) if r.partner in partners),
                                key=lambda r: (r.partner, r.prefix, r.first))
                for rng in ranges:
                    used = issued_numbers(session, rng.prefix)
                    free = next((n for n in range(rng.first, rng.last + 1) if n not in used), None)
                    if free is not None:
                        return f"{rng.prefix}{free:0{max(len(str(rng.last)), 3)}d}", partners
            return None, partners

        number, partners = await asyncio.to_thread(lowest_free)
        if number is None:
            raise Refused(f"{actor.describe()} has no free number left in the ranges of partners "
                          f"{', '.join(sorted(partners)) or '(none)'}")
        return await self.issue(actor, number, rep_name)

    async def reissue(self, actor: Actor, number: str, new_number: str) -> OrderView:
        if (answered := await self.replayed(number)) is not None:
            return answered
        view = await self.view(number)
        check_step(Action.REISSUE, view.status, actor, view.parties())
        # Money kept on the lost original leaves it first: a REISSUED order counts no money (issue #16).
        refuse_kept_money(view, "reissued")
        new = str(parse_number(new_number))
        await asyncio.to_thread(self._check_reissue, actor, view.partner, view.rep, new)
        inp = ReissueInput(actor=actor_ref(actor), new_number=new)
        return await self._send(self._handle(view.number), OrderWorkflow.reissue, inp)

    def _check_reissue(self, actor: Actor, partner: str, rep: str, new: str) -> None:
        """The replacement number is issued to the same rep, from the same partner's range."""
        from db.org_repo import load_actor

        with unit_of_work(self._sessions) as session:
            owning = owning_range(parse_number(new), all_ranges(session))
            if owning is not None and owning.partner != partner:
                owning = None
            check_issue(new, owning, actor, load_actor(session, rep), rep, order_status(session, new))


def _rep_or_none(session: Session, rep_name: str) -> Actor | None:
    """A missing rep is refused like any other the form cannot go to, never as a missing user."""
    from db.org_repo import load_actor

    try:
        return load_actor(session, rep_name)
    except NotFound:
        return None
