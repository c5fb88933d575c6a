"""The order desk: each step on an order, checked here first and again in the workflow's validator.

The use cases in `services.orders` call it for the API; the load test and the benchmark drive it directly.
Issuing lives in `order_issue.py`, files in `order_files.py`, the shared plumbing in `order_desk_base.py`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

from temporalio.client import WorkflowExecutionStatus

from db.customer_repo import customer_ref, held_by
from db.engine import unit_of_work
from db.models import Order
from db.order_repo import get_customer, partner_accounts
from domain.errors import InvalidInput, Refused, WrongState
from domain.fields import parse_amount, parse_day
from domain.order import (
    Action,
    CustomerHolding,
    OrderKind,
    OrderStatus,
    check_reassign,
    check_restorable,
    check_step,
    reassigned_customer_moves,
)
from domain.people import Actor
from domain.rejections import parse_reasons
from domain.text import TextKind, check_text
from domain.warehouse import check_follow_cap
from orderflow.contracts import (
    ChangeInput,
    CustomerRef,
    NoteInput,
    OrderView,
    PayInput,
    ReassignInput,
    RejectInput,
    ReverseInput,
    SecondReviewInput,
    SignInput,
    StepInput,
    WithdrawInput,
)
from services.context import Services
from services.order_desk_base import Standing, actor_ref, refuse_kept_money
from services.order_files import FileDesk, FileSource, inspect_local_scan, local_file
from services.order_issue import IssueDesk, _rep_or_none
from workflows.order import OrderWorkflow

__all__ = ["FileSource", "OrderDesk", "Standing", "actor_ref", "desk_for", "inspect_local_scan", "local_file"]


class OrderDesk(IssueDesk, FileDesk):
    async def sign(self, actor: Actor, number: str, customer_id: int, product: str, kind: str,
                   amount: str, signed_on: date) -> OrderView:
        try:
            order_kind = OrderKind(kind)
        except ValueError:
            raise InvalidInput(f"order kind '{kind}' is not one of: new, renewal") from None
        if (answered := await self.replayed(number)) is not None:
            return answered
        holding = await asyncio.to_thread(self._holding, customer_id)
        customer = CustomerRef(id=holding.customer_id, name=holding.customer_name, owner=holding.owner,
                               holder=holding.holder)
        inp = SignInput(actor=actor_ref(actor), customer=customer, product=check_text(product, TextKind.PRODUCT),
                        kind=order_kind, amount=parse_amount(amount), signed_on=signed_on)
        return await self._update(number, Action.SIGN, actor, OrderWorkflow.sign, inp)

    def _holding(self, customer_id: int) -> CustomerHolding:
        with unit_of_work(self._sessions) as session:
            return customer_ref(session, get_customer(session, customer_id))

    async def _keyed(self, number: str, action: Action, actor: Actor, update: Any,
                     inp: Callable[[], Any]) -> OrderView:
        """`_update`, with the typed text checked (by `inp`) only once the Idempotency-Key has no answer yet: a
        retry of a step accepted before today's text rules gets its recorded answer, not a 422."""
        if (answered := await self.replayed(number)) is not None:
            return answered
        checked = inp()
        return await self._send(self._handle(await self._open(number, action, actor)), update, checked)

    async def receive(self, actor: Actor, number: str, note: str | None = None) -> OrderView:
        return await self._keyed(number, Action.RECEIVE, actor, OrderWorkflow.receive,
                                 lambda: StepInput(actor=actor_ref(actor), note=_note(note)))

    async def reject(self, actor: Actor, number: str, reasons: list[str], note: str) -> OrderView:
        return await self._keyed(number, Action.REJECT, actor, OrderWorkflow.reject,
                                 lambda: RejectInput(actor=actor_ref(actor), reasons=parse_reasons(reasons),
                                                     note=check_text(note, TextKind.FREE_TEXT, "rejection note")))

    async def correct(self, actor: Actor, number: str, note: str, amount: str | None,
                      product: str | None) -> OrderView:
        return await self._keyed(number, Action.CORRECT, actor, OrderWorkflow.correct,
                                 lambda: self._change(actor, note, amount, product))

    async def modify(self, actor: Actor, number: str, reason: str, amount: str | None,
                     product: str | None) -> OrderView:
        if amount is None and product is None:
            raise InvalidInput("a modification changes the amount or the product: give at least one")
        return await self._keyed(number, Action.MODIFY, actor, OrderWorkflow.modify,
                                 lambda: self._change(actor, reason, amount, product))

    @staticmethod
    def _change(actor: Actor, note: str, amount: str | None, product: str | None) -> ChangeInput:
        return ChangeInput(actor=actor_ref(actor), note=check_text(note, TextKind.FREE_TEXT),
                           amount=parse_amount(amount) if amount is not None else None,
                           product=check_text(product, TextKind.PRODUCT) if product is not None else None)

    async def noted(self, actor: Actor, number: str, action: Action, note: str) -> OrderView:
        """Steps that carry only a note: resend the original, report a loss, allow a round, void, revive."""
        update = {Action.RESEND_ORIGINAL: OrderWorkflow.resend_original, Action.REPORT_LOST: OrderWorkflow.report_lost,
                  Action.ALLOW_ROUND: OrderWorkflow.allow_round, Action.VOID: OrderWorkflow.void,
                  Action.REVIVE: OrderWorkflow.revive}[action]
        if action is Action.VOID:
            # Every payment, those recorded by hand too: the workflow's own rule predates their reversal.
            view = await self.view(number)
            refuse_kept_money(view, "voided")
        return await self._keyed(number, action, actor, update,
                                 lambda: NoteInput(actor=actor_ref(actor), note=check_text(note, TextKind.FREE_TEXT)))

    async def reverse_payment(self, actor: Actor, number: str, payment: int, amount: str, paid_on: str,
                              reason: str) -> OrderView:
        """Finance takes back a payment recorded by hand (domain.order_money.check_hand_payment)."""
        return await self._keyed(number, Action.REVERSE, actor, OrderWorkflow.reverse_payment,
                                 lambda: ReverseInput(actor=actor_ref(actor), payment=payment,
                                                      amount=parse_amount(amount, "amount of the payment"),
                                                      paid_on=parse_day(paid_on, "date of the payment"),
                                                      reason=check_text(reason, TextKind.FREE_TEXT,
                                                                        "reason for reversing")))

    async def receive_late(self, actor: Actor, number: str, reason: str) -> OrderView:
        """The original of a LOST or reissued order turned up. An unsigned reissue is voided first, under its own
        workflow's lock, so that one sale never has two live orders; a signed reissue keeps the sale, and the late
        original is refused."""
        if (answered := await self.replayed(number)) is not None:
            return answered
        why = check_text(reason, TextKind.FREE_TEXT, "reason for receiving late")
        view = await self.view(number)
        check_step(Action.RECEIVE_LATE, view.status, actor, view.parties())
        if view.status is OrderStatus.REISSUED and view.fields.successor:
            await self._withdraw(actor, view.number, view.fields.successor, why)
        return await self._send(self._handle(view.number), OrderWorkflow.receive_late,
                                NoteInput(actor=actor_ref(actor), note=why))

    async def _withdraw(self, actor: Actor, original: str, successor: str, reason: str) -> None:
        if (await self._handle(original).describe()).status is not WorkflowExecutionStatus.RUNNING:
            raise Refused(f"order {original} was closed when it was reissued as {successor}, before late originals "
                          f"could be received; the sale goes on as order {successor}")
        now = await self.view(successor)
        if now.status is OrderStatus.VOID and now.timeline[-1].action is Action.WITHDRAW_REISSUE:
            return  # withdrawn by an earlier attempt of this request
        if now.status is not OrderStatus.ISSUED:
            raise Refused(f"order {original} was reissued as {successor}, which is already {now.status.value}: the "
                          f"late original of {original} cannot be received, because one sale may not have two live "
                          f"orders; the sale goes on as order {successor}")
        inp = WithdrawInput(actor=actor_ref(actor), original=original, reason=reason)
        await self._send(self._handle(successor), OrderWorkflow.withdraw_reissue, inp)

    async def restore(self, actor: Actor, number: str, reason: str) -> OrderView:
        """A blank form voided as lost comes back; a form voided before that was possible closed its workflow."""
        if (answered := await self.replayed(number)) is not None:
            return answered
        why = check_text(reason, TextKind.FREE_TEXT, "reason for restoring")
        view = await self.view(number)
        check_step(Action.RESTORE, view.status, actor, view.parties())
        last = view.timeline[-1] if view.timeline else None
        check_restorable(view.number, last.action if last else None, last.source if last else None)
        if (await self._handle(view.number).describe()).status is not WorkflowExecutionStatus.RUNNING:
            raise Refused(f"order {view.number} was voided before voided forms could be restored; it stays void")
        return await self._send(self._handle(view.number), OrderWorkflow.restore,
                                NoteInput(actor=actor_ref(actor), note=why))

    async def reassign(self, actor: Actor, number: str, to: str, reason: str) -> OrderView:
        """An open order moves to another active rep of its partner, with their supervisor; the workflow moves a
        signed order's customer with it (activities.orders)."""
        if (answered := await self.replayed(number)) is not None:
            return answered
        why = check_text(reason, TextKind.FREE_TEXT, "reason for reassigning")
        now = await self._standing(number)
        check_step(Action.REASSIGN, now.status, actor, now.parties)
        rep = await asyncio.to_thread(self._user_or_none, to)
        check_reassign(now.parties.number, now.parties.partner, now.parties.rep, rep, to)
        if rep is None:  # check_reassign refused every name that is not an active rep of the partner
            raise Refused(f"order {now.parties.number} can only go to an active sales rep of its partner")
        await asyncio.to_thread(self._check_customer_follows, now.parties.number, rep)
        inp = ReassignInput(actor=actor_ref(actor), to=to, supervisor=rep.reports_to, reason=why)
        return await self._send(self._handle(now.parties.number), OrderWorkflow.reassign, inp)

    def _user_or_none(self, username: str) -> Actor | None:
        with unit_of_work(self._sessions) as session:
            return _rep_or_none(session, username)

    def _check_customer_follows(self, number: str, rep: Actor) -> None:
        """A signed order's customer will follow it to `rep`: refused here, before anything changes, when another
        rep holds it or when it would put `rep`'s warehouse over its cap. Not in the workflow's plan: a replayed
        reassignment that an older history accepted must still replay."""
        with unit_of_work(self._sessions) as session:
            order = session.get(Order, number)
            if order is None or order.customer_id is None:
                return  # a blank form: no customer yet
            owner = get_customer(session, order.customer_id).owner
            if reassigned_customer_moves(number, owner, order.rep, rep.username,
                                         partner_accounts(session, order.partner_code)):
                check_follow_cap(number, order.customer_id, rep.username, rep.role, held_by(session, rep.username),
                                 self._settings.caps())

    async def review(self, actor: Actor, number: str, location: str | None) -> OrderView:
        if (answered := await self.replayed(number)) is not None:
            return answered
        # Checked whatever the state: a bad location is named even when the review would be refused anyway.
        where = check_text(location, TextKind.FILING_LOCATION) if location else None
        now = await self._standing(number)
        handle = self._handle(now.parties.number)
        if now.status is OrderStatus.FIRST_REVIEW:
            check_step(Action.FIRST_REVIEW, now.status, actor, now.parties)
            return await self._send(handle, OrderWorkflow.first_review, StepInput(actor=actor_ref(actor)))
        if now.status is OrderStatus.SECOND_REVIEW:
            check_step(Action.SECOND_REVIEW, now.status, actor, now.parties)
            if not where:
                raise InvalidInput("the second review records where the original is filed: give its location")
            inp = SecondReviewInput(actor=actor_ref(actor), location=where)
            return await self._send(handle, OrderWorkflow.second_review, inp)
        raise WrongState(now.parties.number, now.status.value, "review", ["FIRST_REVIEW", "SECOND_REVIEW"])

    async def pay(self, actor: Actor, number: str, amount: str, paid_on: date) -> OrderView:
        inp = PayInput(actor=actor_ref(actor), amount=parse_amount(amount, "payment amount"), paid_on=paid_on)
        return await self._update(number, Action.PAY, actor, OrderWorkflow.pay, inp)



async def desk_for(services: Services, key: str | None = None, s3: bool = False) -> OrderDesk:
    """The desk for one request, over the process's shared clients; `key` is its Idempotency-Key."""
    # The first S3 client of the process is built from files and the environment: not on the event loop.
    client = await asyncio.to_thread(services.s3) if s3 else None
    return OrderDesk(await services.temporal(), services.sessions, services.settings, client, request_id=key)

def _note(note: str | None) -> str | None:
    return check_text(note, TextKind.FREE_TEXT) if note else None
