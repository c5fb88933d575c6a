"""An order's deadlines: waiting for people, chasing them when a deadline passes, staying open where a way back
exists, and continuing as new when the history grows long."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.order import TERMINAL, WAITING_FOR, Action, OrderStatus, lost_target, restorable
    from domain.timers import Chase, Deadline, deadlines, wait_start
    from orderflow.contracts import IssueInput, OrderSnapshot
    from workflows.machine import OrderMachine

# An expired order used to close its workflow, so money arriving later could only be refused (issue #16); orders
# that expired before this patch replay that way, later ones stay open for a late payment and a revival.
EXPIRED_KEEPS_MONEY = "expired-order-keeps-money"

# A blank form used to be voided as presumed lost 51 days after its issue, even while the rep still had it (issue
# #16); forms whose deadline passed before this patch replay that, later ones ask the rep and wait for a loss report.
ASK_BEFORE_VOIDING = "blank-form-asks-rep-before-voiding"

# A voided blank form used to close its workflow, so a form the rep found again could not come back (issue #16);
# forms voided before this patch replay that, later ones stay open for a supervisor's restore.
VOID_AWAITS_RESTORE = "void-blank-form-awaits-restore"

# A reissued order used to close its workflow, so its original turning up late could not be received (issue #16);
# orders reissued before this patch replay that way, later ones stay open for a late original.
REISSUED_AWAITS_ORIGINAL = "reissued-order-awaits-late-original"


class OrderDeadlines(OrderMachine):
    """The order's wait loop; OrderWorkflow inherits it."""

    async def _run_until_closed(self) -> None:
        """Wait for people, chasing them when deadlines pass, until the order reaches a final state."""
        while (self._status not in TERMINAL or self._waits_for_late_money() or self._waits_for_late_original()
               or self._waits_for_restore()):
            if self._history_too_long():
                await workflow.wait_condition(lambda: workflow.all_handlers_finished() and not self._lock.locked())
                workflow.continue_as_new(self._continue_input())
            seen, stage = len(self._timeline), self._stage
            if self._status is OrderStatus.AWAITING_PAYMENT and self._queue_tried != stage:
                self._queue_tried = stage
                await self._retry_queued_lines()
                continue
            upcoming = [d for d in deadlines(self._status, wait_start(self._since, self._window_from), self._policy)
                        if (stage, d.chase) not in self._fired]
            if not upcoming:
                await workflow.wait_condition(lambda seen=seen: len(self._timeline) != seen)  # type: ignore[misc]
                continue
            nxt = upcoming[0]
            try:
                await workflow.wait_condition(
                    lambda seen=seen: len(self._timeline) != seen,  # type: ignore[misc]
                    timeout=max(nxt.at - workflow.now(), timedelta(0)),
                    timeout_summary=f"waiting for {WAITING_FOR[self._status]} ({nxt.chase.value} "
                                    f"due {nxt.at:%Y-%m-%d %H:%M} UTC)",
                )
            except TimeoutError:
                await self._chase(nxt, stage)

    async def _retry_queued_lines(self) -> None:
        """On entering AWAITING_PAYMENT (and after each payment), match a queued bank line of the payer that now
        fits: OrderPayments does it."""

    def _waits_for_late_money(self) -> bool:
        """An expired order is final for the process, yet its workflow stays open: money that arrives later is kept
        on it, and the order group or finance may revive it."""
        return self._status is OrderStatus.EXPIRED and workflow.patched(EXPIRED_KEEPS_MONEY)

    def _waits_for_late_original(self) -> bool:
        """A reissued order is final for the process, yet its workflow stays open: its original may turn up, and
        while the reissue is unsigned the assistant may receive it (services.order_desk: receive_late)."""
        return self._status is OrderStatus.REISSUED and workflow.patched(REISSUED_AWAITS_ORIGINAL)

    def _waits_for_restore(self) -> bool:
        """A blank form voided as lost stays open: the rep may find it, and the supervisor restore it."""
        last = self._timeline[-1] if self._timeline else None
        return (self._status is OrderStatus.VOID and last is not None and restorable(last.action, last.source)
                and workflow.patched(VOID_AWAITS_RESTORE))

    async def _chase(self, deadline: Deadline, stage: int) -> None:
        async with self._lock:
            if self._stage != stage or (stage, deadline.chase) in self._fired:
                return  # a person acted while the timer fired
            self._fired.add((stage, deadline.chase))
            status, waiting = self._status, WAITING_FOR[self._status]
            if deadline.chase is Chase.REMINDER:
                seq = await self._record(Action.REMIND, None, status, self._fields, summary="remind the rep",
                                         note=f"reminded {self._rep}")
                await self._notify("reminder", self._rep, f"Order {self._number} is waiting for {waiting}.", seq)
            elif deadline.chase is Chase.ESCALATION:
                who = self._supervisor or self._rep
                seq = await self._record(Action.ESCALATE, None, status, self._fields, summary="escalate",
                                         note=f"escalated to {who}")
                await self._notify("escalation", who, f"Order {self._number} of {self._rep} has been waiting "
                                   f"for {waiting} since {self._since:%Y-%m-%d}.", seq)
            elif deadline.chase is Chase.LOST and status is OrderStatus.ISSUED and workflow.patched(ASK_BEFORE_VOIDING):
                seq = await self._record(Action.REMIND, None, status, self._fields, summary="ask the rep",
                                         note=f"asked {self._rep} whether the blank form is lost")
                await self._notify("lost-check", self._rep, f"Order {self._number} has been blank since "
                                   f"{self._since:%Y-%m-%d}. If the form is lost, report it (order lost); it stays "
                                   f"yours until you sign it or report it lost.", seq)
            elif deadline.chase is Chase.LOST:
                target = lost_target(status)
                seq = await self._record(Action.PRESUME_LOST, None, target, self._fields,
                                         summary="presume the form lost", note=f"presumed lost while {status.value}")
                await self._notify("lost", self._rep, f"Order {self._number} is presumed lost and is now "
                                   f"{target.value}.", seq)
            else:
                seq = await self._record(Action.EXPIRE, None, OrderStatus.EXPIRED, self._fields,
                                         summary="expire unpaid order", note="no payment by the deadline")
                await self._notify("expired", self._rep, f"Order {self._number} expired unpaid.", seq)

    # --- long histories ---------------------------------------------------------------------
    def _history_too_long(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > self._history_limit

    def _continue_input(self) -> IssueInput:
        snapshot = OrderSnapshot(status=self._status, since=self._since, stage=self._stage, fields=self._fields,
                                 timeline=self._timeline, scans=self._scans, fired=sorted(self._fired),
                                 slips=self._slips, window_from=self._window_from)
        return IssueInput(number=self._number, partner=self._partner, rep=self._rep, actor=self._issuer,
                          issue_id=self._issue_id, supervisor=self._supervisor, policy=self._policy,
                          predecessor=self._fields.predecessor, history_limit=self._history_limit,
                          snapshot=snapshot)

