"""Money on an order: payments (by hand or from a bank line), undoing a wrong match, remittance slips."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.scans import ScanActivities
    from domain.errors import Refused
    from domain.fields import business_date, check_day, clean_text, parse_amount
    from domain.order import Action, OrderStatus, apply_payment
    from domain.printable import printable
    from orderflow.contracts import (
        OrderFields,
        OrderView,
        PaidLine,
        PayInput,
        PromoteSlipInput,
        SlipInput,
        UnmatchInput,
    )
    from workflows.files import promote
    from workflows.machine import OrderMachine, Plan


class OrderPayments(OrderMachine):
    """Update handlers for money; OrderWorkflow inherits them, and Temporal registers them there."""

    def _paid_line(self, inp: PayInput) -> PaidLine:
        return PaidLine(ref=inp.line_ref, amount=parse_amount(inp.amount, "payment amount"),
                        paid_on=check_day(inp.paid_on, "payment date", not_before=self._fields.signed_on,
                                          today=business_date(workflow.now())))

    def _plan_pay(self, inp: PayInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            paid = self._paid_line(inp)
            if paid.ref is not None and any(p.ref == paid.ref for p in self._fields.payments):
                raise Refused(f"bank line {paid.ref} is already matched to order {self._number}")
            outcome = apply_payment(self._fields.amount or paid.amount, self._fields.paid_total, paid.amount)
            changes: dict[str, object] = {"paid_total": outcome.paid_total,
                                          "payments": [*self._fields.payments, paid]}
            if outcome.completes:
                # The order takes effect on the date the completing payment arrived (订单生效日为到帐时间).
                changes["effective_on"] = paid.paid_on
                changes["credit_balance"] = outcome.overpaid
            target = OrderStatus.EFFECTIVE if outcome.completes else OrderStatus.AWAITING_PAYMENT
            return self._fields.model_copy(update=changes), target
        return plan

    @workflow.update
    async def pay(self, inp: PayInput) -> OrderView:
        data = {"line": inp.line_ref, "match": inp.match.value if inp.match else "manual"} if inp.line_ref else None

        async def note() -> str:  # under the order's lock, so the totals it names are the ones recorded
            return self._pay_note(inp)

        return await self._step(Action.PAY, inp.actor, self._plan_pay(inp), summary="record the payment",
                                payment=self._paid_line(inp), data=data, before=note)

    @pay.validator
    def _validate_pay(self, inp: PayInput) -> None:
        self._check(Action.PAY, inp.actor, self._plan_pay(inp))

    def _pay_note(self, inp: PayInput) -> str:
        source = f"bank line {inp.line_ref} ({inp.match.value if inp.match else 'manual'} match)" \
            if inp.line_ref else "recorded by hand"
        paid = self._fields.paid_total + inp.amount
        due = self._fields.amount or inp.amount
        if paid > due:
            return f"{inp.amount} paid on {inp.paid_on}, {source}; overpaid by {paid - due}: credit balance flagged"
        return f"{inp.amount} paid on {inp.paid_on}, {source}; {paid} of {due} paid"

    # --- undoing a wrong match -----------------------------------------------------------------
    def _plan_unmatch(self, inp: UnmatchInput) -> Plan:
        def plan() -> tuple[OrderFields, OrderStatus]:
            clean_text(inp.reason, "reason for unmatching", max_len=1000)
            paid = next((p for p in self._fields.payments if p.ref is not None and p.ref == inp.line_ref), None)
            if paid is None:
                raise Refused(f"bank line {inp.line_ref} is not matched to order {self._number}")
            rest = [p for p in self._fields.payments if p is not paid]
            return self._fields.model_copy(update={"payments": rest,
                                                   "paid_total": self._fields.paid_total - paid.amount}), \
                OrderStatus.AWAITING_PAYMENT
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
