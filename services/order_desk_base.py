"""The plumbing every step on an order shares: the workflow handle, where the order stands, sending an update
under its Idempotency-Key, and answering a retry as its first attempt was answered.

The database work runs in a worker thread (`asyncio.to_thread`), never on the event loop, and no transaction
is held across an await on Temporal."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from db.engine import unit_of_work
from db.models import Order
from domain.errors import Unavailable, no_order
from domain.numbers import parse_number
from domain.order import Action, OrderParties, OrderStatus, check_step
from domain.order_money import check_holds_no_money, kept_money
from domain.people import Actor
from orderflow.contracts import ActorRef, OrderView
from orderflow.settings import Settings
from orderflow.temporal import workflow_id
from workflows.order import OrderWorkflow


@dataclass(frozen=True)
class Standing:
    status: OrderStatus
    parties: OrderParties
    signed_on: date | None


def actor_ref(actor: Actor) -> ActorRef:
    return ActorRef(username=actor.username, role=actor.role, partners=sorted(actor.partners), active=actor.active)


def refuse_kept_money(view: OrderView, ending: str) -> None:
    """Refuse to end an order (void it, reissue it) while any money is kept on it, hand payments included."""
    check_holds_no_money(view.number, ending, *kept_money([(p.ref, p.amount) for p in view.fields.payments]))


class DeskBase:
    def __init__(self, client: Client, sessions: sessionmaker[Session], settings: Settings,
                 s3: Any = None, request_id: str | None = None) -> None:
        self._client, self._sessions, self._settings, self._s3 = client, sessions, settings, s3
        # Sent as the update id: Temporal applies an update id once per workflow run, so a retry is safe.
        self._request_id = request_id

    def _handle(self, number: str) -> WorkflowHandle[OrderWorkflow, OrderView]:
        return self._client.get_workflow_handle_for(OrderWorkflow.run, workflow_id(number))

    async def replayed(self, number_text: str) -> OrderView | None:
        """With an Idempotency-Key, the answer its update already got, if Temporal has that update: a retry after
        a lost reply answers as the first attempt did, whatever the order's state has become since. Every
        keyed step asks here before its own checks (which a state moved on by the first attempt would fail)."""
        if self._request_id is None:
            return None
        number = str(parse_number(number_text))
        update = self._handle(number).get_update_handle(self._request_id, result_type=OrderView)
        try:
            answered: OrderView = await self._bounded(number, update.result())
        except RPCError as err:
            if err.status is RPCStatusCode.NOT_FOUND:
                return None  # no such update (or a refused one, which Temporal keeps no record of): check and send
            raise
        return answered

    async def view(self, number: str) -> OrderView:
        """The order from the read model: never behind the workflow, and no workflow task for the worker."""
        from orderflow.read_view import order_view

        def read() -> OrderView:
            with unit_of_work(self._sessions) as session:
                return order_view(session, number)

        return await asyncio.to_thread(read)

    def standing(self, number_text: str) -> Standing:
        """Where the order stands, from the read model: enough to refuse a wrong step before sending it,
        without asking the workflow (each query is a workflow task on the worker)."""
        number = str(parse_number(number_text))
        with unit_of_work(self._sessions) as session:
            row = session.get(Order, number)
            if row is None:
                raise no_order(number)
            return Standing(OrderStatus(row.status), OrderParties(number, row.partner_code, row.rep,
                                                                  row.first_reviewer, row.supervisor), row.signed_on)

    async def _standing(self, number: str) -> Standing:
        return await asyncio.to_thread(self.standing, number)

    async def _update(self, number: str, action: Action, actor: Actor, update: Any, inp: Any) -> OrderView:
        if (answered := await self.replayed(number)) is not None:
            return answered
        handle = self._handle(await self._open(number, action, actor))
        return await self._send(handle, update, inp)

    async def _send(self, handle: WorkflowHandle[OrderWorkflow, OrderView], update: Any, inp: Any,
                    update_id: str | None = None) -> OrderView:
        return await self._bounded(handle.id.removeprefix("order-"),
                                   handle.execute_update(update, inp, id=update_id or self._request_id))

    async def checked_send(self, number: str, action: Action, actor: Actor, update: Any, inp: Any,
                           update_id: str) -> OrderView:
        """Check the step against the order as it stands, then send it under an id that makes a retry a no-op."""
        now = await self._standing(number)
        check_step(action, now.status, actor, now.parties)
        return await self._send(self._handle(now.parties.number), update, inp, update_id)

    async def _bounded(self, number: str, call: Any) -> OrderView:
        """Never hang: with no worker answering, say so."""
        try:
            return await asyncio.wait_for(call, timeout=self._settings.cli_wait_seconds)
        except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):  # the SDK's name for the same timeout
            raise Unavailable(
                f"order {number} did not answer within {self._settings.cli_wait_seconds:g}s: is a worker running "
                f"on task queue '{self._settings.task_queue}'? A step may still be applied when one is; "
                "check with `orderflow order show`."
            ) from None

    async def _open(self, number: str, action: Action, actor: Actor) -> str:
        """Refuse early, with the workflow's own rule, a step the order is not waiting for.
        It also keeps a closed order's workflow from answering 'not found'. (A retried request was answered
        by `replayed` before this.)"""
        now = await self._standing(number)
        check_step(action, now.status, actor, now.parties)
        return now.parties.number
