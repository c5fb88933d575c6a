"""Money on an order: payments (by hand or from a bank line), undoing a wrong match, remittance slips."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.orders import OrderActivities
    from activities.scans import ScanActivities
    from domain.errors import DomainError, Refused
    from domain.fields import business_date, check_day, clean_text, parse_amount
    from domain.order import Action, OrderStatus
    from domain.order_money import (
        apply_payment,
        check_hand_payment,
        effective_date,
        paid_target,
        settle_kept_money,
    )
    from domain.payments import MatchKind
    from domain.people import Role
    from domain.printable import printable
    from domain.timers import payment_window_from
    from orderflow.contracts import (
        ActorRef,
        NoteInput,
        OrderFields,
        OrderView,
        PaidLine,
        PayInput,
        PromoteSlipInput,
        QueuedLinesInput,
        ReverseInput,
        SlipInput,
        UnmatchInput,
    )
    from workflows.files import promote
    from workflows.machine import OUTAGE_RETRY, RECORD_TIMEOUT, OrderMachine, Plan


# A partial payment used to leave the payment deadline where it was (issue #16); orders paid in part before this
# replay that way, later ones restart the payment wait from the payment's value date (domain.timers).
PAYMENT_RESTARTS_WAIT = "payment-restarts-payment-wait"
# A line that arrived before its order waited for payment stayed queued until the next import (issue #16); since
# this patch the order asks for its payer's queued lines whenever it reaches AWAITING_PAYMENT.
QUEUED_LINES_RETRIED = "retry-queued-lines-on-awaiting-payment"
# Who matched a queued line the order found itself: written as "system" (activities/orders.py).
QUEUE = ActorRef(username="system", role=Role.FINANCE)


class OrderPayments(OrderMachine):
    """Update handlers for money; OrderWorkflow inherits them, and Temporal registers them there."""

    def _paid_line(self, inp: PayInput) -> PaidLine:
        # A payment dated before the signing is kept too (money is never refused); effective_date keeps the order
        # from taking effect before it was signed.
        return PaidLine(ref=inp.line_ref, amount=parse_amount(inp.amount, "payment amount"),
                        paid_on=check_day(inp.paid_on, "payment date", not_before=None,
                                          today=business_date(workflow.now())))

    def _plan_pay(self, inp: PayInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            paid = self._paid_line(inp)
            if paid.ref is not None and any(p.ref == paid.ref for p in self._fields.payments):
                raise Refused(f"bank line {paid.ref} is already matched to order {self._number}")
            outcome = apply_payment(self._fields.amount or paid.amount, self._fields.paid_total, paid.amount)
            changes: dict[str, object] = {"paid_total": outcome.paid_total,
                                          "payments": [*self._fields.payments, paid]}
            target = paid_target(self._status, outcome)
            if target is OrderStatus.EFFECTIVE:
                # The order takes effect on the date the completing payment arrived (订单生效日为到帐时间).
                changes["effective_on"] = effective_date(paid.paid_on, self._fields.signed_on)
                changes["credit_balance"] = outcome.overpaid
            return self._fields.model_copy(update=changes), target
        return plan

    @workflow.update
    async def pay(self, inp: PayInput) -> OrderView:
        data = {"line": inp.line_ref, "match": inp.match.value if inp.match else "manual"} if inp.line_ref else None

        async def note() -> str:  # under the order's lock, so the totals it names are the ones recorded
            return self._pay_note(inp)

        paid = self._paid_line(inp)
        window = payment_window_from(paid.paid_on) if workflow.patched(PAYMENT_RESTARTS_WAIT) else None
        return await self._step(Action.PAY, inp.actor, self._plan_pay(inp), summary="record the payment",
                                payment=paid, data=data, before=note, window_from=window)

    @pay.validator
    def _validate_pay(self, inp: PayInput) -> None:
        self._check(Action.PAY, inp.actor, self._plan_pay(inp))

    def _pay_note(self, inp: PayInput) -> str:
        source = f"bank line {inp.line_ref} ({inp.match.value if inp.match else 'manual'} match)" \
            if inp.line_ref else "recorded by hand"
        paid = self._fields.paid_total + inp.amount
        due = self._fields.amount or inp.amount
        if self._status is OrderStatus.EXPIRED:
            return (f"{inp.amount} paid on {inp.paid_on}, {source}; {paid} of {due} kept on the expired order "
                    "until the order group or finance revives it")
        if self._status is not OrderStatus.AWAITING_PAYMENT:
            return (f"{inp.amount} paid on {inp.paid_on}, {source}; {paid} of {due} kept on the order, to count "
                    "once the second review approves it")
        if paid > due:
            return f"{inp.amount} paid on {inp.paid_on}, {source}; overpaid by {paid - due}: credit balance flagged"
        return f"{inp.amount} paid on {inp.paid_on}, {source}; {paid} of {due} paid"

    # --- the queue retried ----------------------------------------------------------------------------
    async def _retry_queued_lines(self) -> None:
        stage, customer = self._stage, self._fields.customer_id
        if customer is None or not workflow.patched(QUEUED_LINES_RETRIED):
            return
        line = await workflow.execute_local_activity_method(
            OrderActivities.find_queued_line, QueuedLinesInput(order_number=self._number, customer_id=customer),
            start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY, summary="look for a queued bank line")
        if line is None:
            return
        async with self._lock:
            if self._stage != stage or any(p.ref == line.ref for p in self._fields.payments):
                return  # a person acted meanwhile: the loop asks again for the new stage
            inp = PayInput(actor=QUEUE, amount=line.amount, paid_on=line.paid_on, line_ref=line.ref,
                           match=MatchKind.AUTO)
            try:
                fields, target = self._plan_pay(inp)()
                await self._record(Action.PAY, None, target, fields, summary="match a queued bank line",
                                   note=f"{self._pay_note(inp)}; from the queue, when the order waited for payment",
                                   payment=line, data={"line": line.ref or "", "match": MatchKind.AUTO.value},
                                   window_from=payment_window_from(line.paid_on))
            except (DomainError, ApplicationError) as err:
                # Finance matched the line elsewhere meanwhile: it is theirs, and this order waits as it was.
                workflow.logger.warning("queued line %s not matched to order %s: %s", line.ref, self._number, err)

    # --- undoing a wrong match -----------------------------------------------------------------
    def _plan_unmatch(self, inp: UnmatchInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            clean_text(inp.reason, "reason for unmatching", max_len=1000)
            paid = next((p for p in self._fields.payments if p.ref is not None and p.ref == inp.line_ref), None)
            if paid is None:
                raise Refused(f"bank line {inp.line_ref} is not matched to order {self._number}")
            rest = [p for p in self._fields.payments if p is not paid]
            # The order stays where it is: only the money kept on it shrinks.
            back = self._status
            return self._fields.model_copy(update={"payments": rest,
                                                   "paid_total": self._fields.paid_total - paid.amount}), back
        return plan

    @workflow.update
    async def unmatch(self, inp: UnmatchInput) -> OrderView:
        reason = clean_text(inp.reason, "reason for unmatching", max_len=1000)
        return await self._step(Action.UNMATCH, inp.actor, self._plan_unmatch(inp), summary="undo a payment match",
                                note=f"bank line {inp.line_ref} unmatched: {reason}", line_ref=inp.line_ref,
                                data={"line": inp.line_ref, "reason": reason})

    @unmatch.validator
    def _validate_unmatch(self, inp: UnmatchInput) -> None:
        self._check(Action.UNMATCH, inp.actor, self._plan_unmatch(inp))

    # --- taking back a payment recorded by hand -----------------------------------------------------------
    def _plan_reverse(self, inp: ReverseInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            clean_text(inp.reason, "reason for reversing", max_len=1000)
            listed = [(p.ref, p.amount, p.paid_on) for p in self._fields.payments]
            check_hand_payment(self._number, inp.payment, listed, inp.amount, inp.paid_on)
            rest = [p for n, p in enumerate(self._fields.payments, start=1) if n != inp.payment]
            # As for an unmatch, the order stays where it is: only the money kept on it shrinks.
            return self._fields.model_copy(update={"payments": rest,
                                                   "paid_total": self._fields.paid_total - inp.amount}), self._status
        return plan

    @workflow.update
    async def reverse_payment(self, inp: ReverseInput) -> OrderView:
        """A payment recorded by hand was wrong, or belongs elsewhere (a lost original's reissue): it stops counting,
        kept on the record with who took it back and why."""
        reason = clean_text(inp.reason, "reason for reversing", max_len=1000)
        # The payment is named by what the plan checks under the order's lock (number, amount, date), never by what
        # the list held before the lock was taken: the read model reverses the row of that amount and date.
        data = {"payment": str(inp.payment), "amount": str(inp.amount), "paid_on": inp.paid_on.isoformat(),
                "reason": reason}
        return await self._step(Action.REVERSE, inp.actor, self._plan_reverse(inp),
                                summary="reverse a payment recorded by hand",
                                note=f"payment {inp.payment} ({inp.amount} paid on {inp.paid_on}, recorded by hand) "
                                     f"reversed: {reason}",
                                data=data)

    @reverse_payment.validator
    def _validate_reverse_payment(self, inp: ReverseInput) -> None:
        self._check(Action.REVERSE, inp.actor, self._plan_reverse(inp))

    # --- reviving an expired order ---------------------------------------------------------------
    def _plan_revive(self, inp: NoteInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            clean_text(inp.note, "reason for reviving", max_len=1000)
            return self._settle_kept_money()
        return plan

    def _settle_kept_money(self) -> tuple[OrderFields, OrderStatus]:
        """The order can take effect now (approved, or revived): the money kept on it counts."""
        settled = settle_kept_money(self._fields.amount or self._fields.paid_total,
                                    [(p.amount, p.paid_on) for p in self._fields.payments], self._fields.signed_on)
        changes: dict[str, object] = {}
        if settled.effective_on is not None:
            changes = {"effective_on": settled.effective_on, "credit_balance": settled.overpaid}
        return self._fields.model_copy(update=changes), settled.target

    @workflow.update
    async def revive(self, inp: NoteInput) -> OrderView:
        """An expired order comes back: to wait for the rest of its money in a fresh payment window, or, with its
        money all kept on it, straight to EFFECTIVE."""
        reason = clean_text(inp.note, "reason for reviving", max_len=1000)
        return await self._step(Action.REVIVE, inp.actor, self._plan_revive(inp), summary="revive the expired order",
                                note=f"revived: {reason}", data={"reason": reason})

    @revive.validator
    def _validate_revive(self, inp: NoteInput) -> None:
        self._check(Action.REVIVE, inp.actor, self._plan_revive(inp))

    # --- 底单: the remittance slip ------------------------------------------------------------------
    def _plan_slip(self, inp: SlipInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            clean_text(inp.filename, "file name", max_len=255)
            parse_amount(inp.claimed_amount, "amount on the slip")
            check_day(inp.claimed_on, "date on the slip", not_before=self._fields.signed_on,
                      today=business_date(workflow.now()))
            return self._fields, self._status
        return plan

    @workflow.update
    async def attach_slip(self, inp: SlipInput) -> OrderView:
        async def file_slip() -> str:
            slip = await promote(
                ScanActivities.promote_slip,
                PromoteSlipInput(order_number=self._number, partner=self._partner, staging_key=inp.staging_key,
                                 size=inp.size, sha256=inp.sha256, filename=inp.filename,
                                 uploaded_by=inp.actor.username, claimed_amount=inp.claimed_amount,
                                 claimed_on=inp.claimed_on),
                f"verify and file remittance slip {printable(inp.filename)}",  # plain text in the Web UI
            )
            if all(s.version != slip.version for s in self._slips):
                self._slips.append(slip)
            return (f"slip v{slip.version} claims {slip.claimed_amount} paid on {slip.claimed_on} "
                    f"({slip.content_type}, {slip.size:,} bytes)")

        return await self._step(Action.SLIP, inp.actor, self._plan_slip(inp), summary="attach the remittance slip",
                                before=file_slip)

    @attach_slip.validator
    def _validate_attach_slip(self, inp: SlipInput) -> None:
        self._check(Action.SLIP, inp.actor, self._plan_slip(inp))
