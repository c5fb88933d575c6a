"""The order desk: each step on an order, checked here first and again in the workflow's validator.

The use cases in `services.orders` call it for the API; the load test and the benchmark drive it directly."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)

from db.customer_repo import customer_ref
from db.engine import unit_of_work
from db.models import Order
from db.order_repo import get_customer, order_status
from db.org_repo import all_ranges
from domain.errors import DomainError, InvalidInput, NotFound, Refused, Unavailable, WrongState
from domain.fields import clean_text, parse_amount
from domain.numbers import owning_range, parse_number
from domain.order import Action, OrderKind, OrderParties, OrderStatus, check_issue, check_step
from domain.people import Actor
from domain.rejections import parse_reasons
from domain.scans import HEAD_BYTES, TAIL_BYTES, inspect_scan
from orderflow import search_attributes as sa
from orderflow.contracts import (
    ActorRef,
    ChangeInput,
    CustomerRef,
    IssuedInput,
    IssueInput,
    NoteInput,
    OrderView,
    PayInput,
    ReissueInput,
    RejectInput,
    ScanInput,
    SecondReviewInput,
    SignInput,
    StepInput,
)
from orderflow.s3 import StagedUpload
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


class OrderDesk:
    def __init__(self, client: Client, sessions: sessionmaker[Session], settings: Settings,
                 s3: Any = None, request_id: str | None = None) -> None:
        self._client, self._sessions, self._settings, self._s3 = client, sessions, settings, s3
        # Sent as the update id: Temporal applies an update id once per workflow run, so a retry is safe.
        self._request_id = request_id

    def _handle(self, number: str) -> WorkflowHandle[OrderWorkflow, OrderView]:
        return self._client.get_workflow_handle_for(OrderWorkflow.run, workflow_id(number))

    async def view(self, number: str) -> OrderView:
        """The order from the read model: never behind the workflow, and no workflow task for the worker."""
        from orderflow.read_view import order_view

        with unit_of_work(self._sessions) as session:
            return order_view(session, number)

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
            static_summary=f"Order {number} · partner {owning.partner} · rep {rep_name}",
            static_details=f"Blank form {number} issued by {actor.username} to {rep_name}.",
        )
        # One call starts the order and returns once its issue is recorded, so the next command sees the order
        # everywhere: no polling of the read model, and no query costing the worker a workflow task.
        return await self._bounded(number, self._client.execute_update_with_start_workflow(
            OrderWorkflow.issued, IssuedInput(issue_id=issue_id), start_workflow_operation=start))

    def standing(self, number_text: str) -> Standing:
        """Where the order stands, from the read model: enough to refuse a wrong step before sending it,
        without asking the workflow (each query is a workflow task on the worker)."""
        number = str(parse_number(number_text))
        with unit_of_work(self._sessions) as session:
            row = session.get(Order, number)
            if row is None:
                raise NotFound(f"there is no order {number}")
            return Standing(OrderStatus(row.status), OrderParties(number, row.partner_code, row.rep,
                                                                  row.first_reviewer, row.supervisor), row.signed_on)

    async def issue_next(self, actor: Actor, rep_name: str) -> OrderView:
        """The lowest never-issued number in the ranges of the assistant's partners."""
        from db.order_repo import issued_numbers
        from domain.order import check_role

        check_role(Action.ISSUE, actor, "the next order number")

        with unit_of_work(self._sessions) as session:
            ranges = sorted((r for r in all_ranges(session) if r.partner in actor.partners),
                            key=lambda r: (r.partner, r.prefix, r.first))
            for rng in ranges:
                used = issued_numbers(session, rng.prefix)
                free = next((n for n in range(rng.first, rng.last + 1) if n not in used), None)
                if free is not None:
                    width = max(len(str(rng.last)), 3)
                    return await self.issue(actor, f"{rng.prefix}{free:0{width}d}", rep_name)
        raise Refused(f"{actor.describe()} has no free number left in the ranges of partners "
                      f"{', '.join(sorted(actor.partners)) or '(none)'}")

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
        return await self._update(number, Action.SIGN, actor, OrderWorkflow.sign, inp)

    async def receive(self, actor: Actor, number: str, note: str | None = None) -> OrderView:
        inp = StepInput(actor=actor_ref(actor), note=_note(note))
        return await self._update(number, Action.RECEIVE, actor, OrderWorkflow.receive, inp)

    async def reject(self, actor: Actor, number: str, reasons: list[str], note: str) -> OrderView:
        inp = RejectInput(actor=actor_ref(actor), reasons=parse_reasons(reasons),
                          note=clean_text(note, "rejection note", max_len=1000))
        return await self._update(number, Action.REJECT, actor, OrderWorkflow.reject, inp)

    async def correct(self, actor: Actor, number: str, note: str, amount: str | None,
                      product: str | None) -> OrderView:
        return await self._update(number, Action.CORRECT, actor, OrderWorkflow.correct,
                                  self._change(actor, note, amount, product))

    async def modify(self, actor: Actor, number: str, reason: str, amount: str | None,
                     product: str | None) -> OrderView:
        if amount is None and product is None:
            raise InvalidInput("a modification changes --amount or --product: give at least one")
        return await self._update(number, Action.MODIFY, actor, OrderWorkflow.modify,
                                  self._change(actor, reason, amount, product))

    @staticmethod
    def _change(actor: Actor, note: str, amount: str | None, product: str | None) -> ChangeInput:
        return ChangeInput(actor=actor_ref(actor), note=clean_text(note, "note", max_len=1000),
                           amount=parse_amount(amount) if amount is not None else None,
                           product=clean_text(product, "product") if product is not None else None)

    async def noted(self, actor: Actor, number: str, action: Action, note: str) -> OrderView:
        """Steps that carry only a note: resend the original, report a loss, allow a round, void."""
        update = {Action.RESEND_ORIGINAL: OrderWorkflow.resend_original, Action.REPORT_LOST: OrderWorkflow.report_lost,
                  Action.ALLOW_ROUND: OrderWorkflow.allow_round, Action.VOID: OrderWorkflow.void}[action]
        inp = NoteInput(actor=actor_ref(actor), note=clean_text(note, "note", max_len=1000))
        return await self._update(number, action, actor, update, inp)

    async def reissue(self, actor: Actor, number: str, new_number: str) -> OrderView:
        from db.org_repo import load_actor

        view = await self.view(number)
        check_step(Action.REISSUE, view.status, actor, view.parties())
        new = str(parse_number(new_number))
        with unit_of_work(self._sessions) as session:
            owning = owning_range(parse_number(new), all_ranges(session))
            if owning is not None and owning.partner != view.partner:
                owning = None
            check_issue(new, owning, actor, load_actor(session, view.rep), view.rep, order_status(session, new))
        inp = ReissueInput(actor=actor_ref(actor), new_number=new)
        return await self._send(self._handle(view.number), OrderWorkflow.reissue, inp)

    async def _update(self, number: str, action: Action, actor: Actor, update: Any, inp: Any) -> OrderView:
        handle = self._handle(await self._open(number, action, actor))
        return await self._send(handle, update, inp)

    async def review(self, actor: Actor, number: str, location: str | None) -> OrderView:
        now = self.standing(number)
        handle = self._handle(now.parties.number)
        if now.status is OrderStatus.FIRST_REVIEW:
            check_step(Action.FIRST_REVIEW, now.status, actor, now.parties)
            return await self._send(handle, OrderWorkflow.first_review, StepInput(actor=actor_ref(actor)))
        if now.status is OrderStatus.SECOND_REVIEW:
            check_step(Action.SECOND_REVIEW, now.status, actor, now.parties)
            if not location:
                raise InvalidInput("the second review records where the original is filed: pass --location")
            inp = SecondReviewInput(actor=actor_ref(actor), location=location)
            return await self._send(handle, OrderWorkflow.second_review, inp)
        raise WrongState(now.parties.number, now.status.value, "review", "FIRST_REVIEW or SECOND_REVIEW")

    async def scan(self, actor: Actor, number: str, path: Path) -> OrderView:
        """The first scan, or a re-upload (重传) that adds a version once the order is past the scan."""
        now = self.standing(number)
        action = Action.SCAN if now.status is OrderStatus.AWAITING_SCAN else Action.RESCAN
        update = OrderWorkflow.scan if action is Action.SCAN else OrderWorkflow.rescan
        # Refuse before uploading anything: the same checks the workflow and the activity make.
        check_step(action, now.status, actor, now.parties)
        return await self.send_file(now.parties.number, path, "scan", update, lambda staged: ScanInput(
            actor=actor_ref(actor), staging_key=staged.key, size=staged.size, sha256=staged.sha256,
            filename=path.name))

    async def send_file(self, number: str, path: Path, what: str, update: Any,
                        make_input: Callable[[StagedUpload], Any]) -> OrderView:
        """Check the file here, stage it in S3, and let the workflow's activity verify and file it."""
        from orderflow.s3 import sse_args, upload_staging

        inspect_local_scan(path, self._settings.scan_max_bytes, what)
        staged = await asyncio.to_thread(upload_staging, self._s3, self._settings.s3_bucket, path, number,
                                         sse_args(self._settings))
        try:
            view = await self._send(self._handle(number), update, make_input(staged))
        except (WorkflowUpdateFailedError, DomainError) as err:
            if isinstance(err, Unavailable):
                raise  # no answer yet: the step may still run, and it needs the staged file
            # Nothing half-written: a refused file leaves no staged object behind.
            await asyncio.to_thread(self._s3.delete_object, Bucket=self._settings.s3_bucket, Key=staged.key)
            raise
        if self._request_id is not None:
            await asyncio.to_thread(self._drop_if_unfiled, staged.key, what)
        return view

    def _drop_if_unfiled(self, staging_key: str, what: str) -> None:
        """A retried upload (same Idempotency-Key) is answered with the first attempt's result, and its own staged
        copy is never filed: remove it. A filed upload's staged object is already gone (`promote_scan`)."""
        from db.models import Scan, Slip
        from db.order_repo import file_by_staging_key

        with unit_of_work(self._sessions) as session:
            row = (file_by_staging_key(session, Slip, staging_key) if what == "slip"
                   else file_by_staging_key(session, Scan, staging_key))
        if row is None:
            self._s3.delete_object(Bucket=self._settings.s3_bucket, Key=staging_key)

    async def pay(self, actor: Actor, number: str, amount: str, paid_on: date) -> OrderView:
        inp = PayInput(actor=actor_ref(actor), amount=parse_amount(amount, "payment amount"), paid_on=paid_on)
        return await self._update(number, Action.PAY, actor, OrderWorkflow.pay, inp)

    async def _send(self, handle: WorkflowHandle[OrderWorkflow, OrderView], update: Any, inp: Any,
                    update_id: str | None = None) -> OrderView:
        return await self._bounded(handle.id.removeprefix("order-"),
                                   handle.execute_update(update, inp, id=update_id or self._request_id))

    async def checked_send(self, number: str, action: Action, actor: Actor, update: Any, inp: Any,
                           update_id: str) -> OrderView:
        """Check the step against the order as it stands, then send it under an id that makes a retry a no-op."""
        now = self.standing(number)
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
        It also keeps a closed order's workflow from answering 'not found'. A retried request (same id)
        skips this check: the workflow answers it with the first attempt's result."""
        now = self.standing(number)
        if self._request_id is None:
            check_step(action, now.status, actor, now.parties)
        return now.parties.number


def _note(note: str | None) -> str | None:
    return clean_text(note, "note", max_len=1000) if note else None


def inspect_local_scan(path: Path, max_bytes: int, what: str = "scan") -> None:
    if not path.is_file():
        raise InvalidInput(f"{what} file {path} does not exist or is not a file")
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
        fh.seek(max(0, size - TAIL_BYTES))
        tail = fh.read(TAIL_BYTES)
    inspect_scan(path.name, size, head, tail, max_bytes, what)

