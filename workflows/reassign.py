"""A rep who leaves strands no order: the partner account or the manager moves it to another of the partner's reps.

A new update handler only: no recorded history holds it, so no patch (README: changing a workflow safely)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.errors import Refused
    from domain.fields import clean_text
    from domain.order import Action, OrderStatus
    from orderflow.contracts import OrderFields, OrderView, ReassignInput
    from workflows.machine import OrderMachine, Plan


class OrderReassign(OrderMachine):
    """The update handler for reassigning; OrderWorkflow inherits it, and Temporal registers it there."""

    def _plan_reassign(self, inp: ReassignInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            # Whether `to` is an active rep of the partner needs the org: services check it, and the activity
            # again under the step's transaction (domain.order: check_reassign).
            clean_text(inp.reason, "reason for reassigning", max_len=1000)
            if inp.to == self._rep:
                raise Refused(f"order {self._number} is already {self._rep}'s")
            return self._fields, self._status  # the order stays where it is; its wait goes on
        return plan

    @workflow.update
    async def reassign(self, inp: ReassignInput) -> OrderView:
        """The order, its pending step and (once signed) its customer go to another rep; audited as a step."""
        await self._issue_recorded()
        async with self._lock:
            fields, target = self._check(Action.REASSIGN, inp.actor, self._plan_reassign(inp))
            reason, old = clean_text(inp.reason, "reason for reassigning", max_len=1000), self._rep
            seq = await self._record(Action.REASSIGN, inp.actor, target, fields, summary=f"reassign to {inp.to}",
                                     note=f"reassigned from {old} to {inp.to}: {reason}",
                                     data={"from": old, "to": inp.to, "reason": reason},
                                     handover=(inp.to, inp.supervisor))
            await self._notify("reassigned", inp.to, f"Order {self._number} ({self._status.value}) was reassigned "
                               f"to you from {old}: {reason}", seq)
            return self._view()

    @reassign.validator
    def _validate_reassign(self, inp: ReassignInput) -> None:
        self._check(Action.REASSIGN, inp.actor, self._plan_reassign(inp))
