"""The order desk: what a person can do to an order, checked here first and again in the workflow."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from db.customer_repo import customer_ref
from db.engine import unit_of_work
from db.order_repo import get_customer, order_status
from db.org_repo import all_ranges
from domain.errors import InvalidInput, NotFound, WrongState
from domain.fields import clean_text, parse_amount
from domain.numbers import owning_range, parse_number
from domain.order import Action, OrderKind, OrderStatus, check_issue, check_step
from domain.people import Actor
from domain.scans import HEAD_BYTES, TAIL_BYTES, inspect_scan
from orderflow import search_attributes as sa
from orderflow.contracts import (
    ActorRef,
    CustomerRef,
    IssueInput,
    OrderView,
    PayInput,
    ScanInput,
    SecondReviewInput,
    SignInput,
    StepInput,
)
from orderflow.settings import Settings
from orderflow.temporal import workflow_id
from workflows.order import OrderWorkflow


def actor_ref(actor: Actor) -> ActorRef:
    return ActorRef(username=actor.username, role=actor.role, partners=sorted(actor.partners), active=actor.active)


class OrderDesk:
    def __init__(self, client: Client, sessions: sessionmaker[Session], settings: Settings,
                 s3: Any = None) -> None:
        self._client, self._sessions, self._settings, self._s3 = client, sessions, settings, s3

    def _handle(self, number: str) -> WorkflowHandle[OrderWorkflow, OrderView]:
        return self._client.get_workflow_handle_for(OrderWorkflow.run, workflow_id(number))

    async def view(self, number: str) -> OrderView:
        number = str(parse_number(number))
        try:
            return await self._handle(number).query(OrderWorkflow.view)
        except RPCError as err:
            if err.status is RPCStatusCode.NOT_FOUND:
                raise NotFound(f"there is no order {number}") from None
            raise

    async def issue(self, actor: Actor, number_text: str, rep_name: str) -> OrderView:
        from db.org_repo import load_actor

        number = str(parse_number(number_text))
        with unit_of_work(self._sessions) as session:
            owning = owning_range(parse_number(number), all_ranges(session))
            try:
                rep = load_actor(session, rep_name)
            except NotFound:
                rep = None
            check_issue(number, owning, actor, rep, rep_name, order_status(session, number))
        assert owning is not None
        handle = await self._client.start_workflow(
            OrderWorkflow.run,
            IssueInput(number=number, partner=owning.partner, rep=rep_name, actor=actor_ref(actor),
                       issue_id=uuid.uuid4().hex, supervisor=rep.reports_to if rep else None,
                       policy=self._settings.policy),
            id=workflow_id(number),
            task_queue=self._settings.task_queue,
            # A number is never issued twice, not even after its order has closed.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes([
                SearchAttributePair(sa.ORDER_NUMBER, number), SearchAttributePair(sa.CHANNEL_PARTNER, owning.partner),
                SearchAttributePair(sa.SALES_REP, rep_name),
                SearchAttributePair(sa.ORDER_STATUS, OrderStatus.ISSUED.value),
            ]),
            static_summary=f"Order {number} · partner {owning.partner} · rep {rep_name}",
            static_details=f"Blank form {number} issued by {actor.username} to {rep_name}.",
        )
        # Wait until the issue is recorded, so the next command sees the order everywhere.
        for _ in range(200):
            view = await handle.query(OrderWorkflow.view)
            if view.timeline:
                return view
            await asyncio.sleep(0.05)
        return view

    async def sign(self, actor: Actor, number: str, customer_id: int, product: str, kind: str,
                   amount: str, signed_on: date) -> OrderView:
        try:
            order_kind = OrderKind(kind)
        except ValueError:
            raise InvalidInput(f"order kind '{kind}' is not one of: new, renewal") from None
        with unit_of_work(self._sessions) as session:
            holding = customer_ref(session, get_customer(session, customer_id))
        customer = CustomerRef(id=holding.customer_id, name=holding.customer_name, owner=holding.owner,
                               holder=holding.holder)
        inp = SignInput(actor=actor_ref(actor), customer=customer, product=clean_text(product, "product"),
                        kind=order_kind, amount=parse_amount(amount), signed_on=signed_on)
        return await self._handle(await self._open(number, Action.SIGN, actor)).execute_update(OrderWorkflow.sign, inp)

    async def receive(self, actor: Actor, number: str, note: str | None = None) -> OrderView:
        inp = StepInput(actor=actor_ref(actor), note=_note(note))
        handle = self._handle(await self._open(number, Action.RECEIVE, actor))
        return await handle.execute_update(OrderWorkflow.receive, inp)

    async def review(self, actor: Actor, number: str, location: str | None) -> OrderView:
        view = await self.view(number)
        handle = self._handle(view.number)
        if view.status is OrderStatus.FIRST_REVIEW:
            check_step(Action.FIRST_REVIEW, view.status, actor, view.parties())
            return await handle.execute_update(OrderWorkflow.first_review, StepInput(actor=actor_ref(actor)))
        if view.status is OrderStatus.SECOND_REVIEW:
            check_step(Action.SECOND_REVIEW, view.status, actor, view.parties())
            if not location:
                raise InvalidInput("the second review records where the original is filed: pass --location")
            inp = SecondReviewInput(actor=actor_ref(actor), location=location)
            return await handle.execute_update(OrderWorkflow.second_review, inp)
        raise WrongState(view.number, view.status.value, "review", "FIRST_REVIEW or SECOND_REVIEW")

    async def scan(self, actor: Actor, number: str, path: Path) -> OrderView:
        from orderflow.s3 import upload_staging

        view = await self.view(number)
        # Refuse before uploading anything: the same checks the workflow and the activity make.
        check_step(Action.SCAN, view.status, actor, view.parties())
        inspect_local_scan(path, self._settings.scan_max_bytes)
        staged = await asyncio.to_thread(upload_staging, self._s3, self._settings.s3_bucket, path, view.number)
        inp = ScanInput(actor=actor_ref(actor), staging_key=staged.key, size=staged.size, sha256=staged.sha256,
                        filename=path.name)
        try:
            return await self._handle(view.number).execute_update(OrderWorkflow.scan, inp)
        except Exception:
            # Nothing half-written: a refused scan leaves no staged object behind.
            await asyncio.to_thread(self._s3.delete_object, Bucket=self._settings.s3_bucket, Key=staged.key)
            raise

    async def pay(self, actor: Actor, number: str, amount: str, paid_on: date) -> OrderView:
        inp = PayInput(actor=actor_ref(actor), amount=parse_amount(amount, "payment amount"), paid_on=paid_on)
        return await self._handle(await self._open(number, Action.PAY, actor)).execute_update(OrderWorkflow.pay, inp)

    async def _open(self, number: str, action: Action, actor: Actor) -> str:
        """Refuse early, with the workflow's own rule, a step the order is not waiting for.
        It also keeps a closed order's workflow from answering 'not found'."""
        view = await self.view(number)
        check_step(action, view.status, actor, view.parties())
        return view.number


def _note(note: str | None) -> str | None:
    return clean_text(note, "note", max_len=1000) if note else None


def inspect_local_scan(path: Path, max_bytes: int) -> None:
    if not path.is_file():
        raise InvalidInput(f"scan file {path} does not exist or is not a file")
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
        fh.seek(max(0, size - TAIL_BYTES))
        tail = fh.read(TAIL_BYTES)
    inspect_scan(path.name, size, head, tail, max_bytes)


def default_day(days_ago: int = 0) -> date:
    from datetime import UTC, datetime

    from domain.fields import business_date

    return business_date(datetime.now(UTC)) - timedelta(days=days_ago)
