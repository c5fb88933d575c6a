"""Orders over HTTP: issue, each step of the process, the order itself, its list and links to its files.

A step answers the order as it now stands. Send an `Idempotency-Key` header with a step and a retry (after a
lost reply, say) is applied once and answers the same. An order outside your scope answers 404, as one that
does not exist."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import DB_INT_MAX, Body, CurrentActor, IdempotencyKey, Page, Reasoned, Svc, paged
from api.errors import ERROR_RESPONSES
from api.uploads import FILE_TYPES, check_content_type, received_file, safe_filename
from orderflow.contracts import OrderView
from services import orders

router = APIRouter(prefix="/orders", tags=["orders"], responses=ERROR_RESPONSES)

Number = Annotated[str, Path(min_length=1, max_length=32, description="The order form's number, e.g. BJ100001.")]
# Bounds against hostile sizes only: the domain checks the content, and its messages say what is wrong.
Note = Annotated[str, Field(max_length=4000)]
Text = Annotated[str, Field(max_length=1000)]
Amount = Annotated[str, Field(max_length=64, description="A decimal amount, e.g. 12000.00.")]
Day = Annotated[str, Field(max_length=64, description="YYYY-MM-DD.")]


class Issue(Body):
    rep: Text = Field(description="The sales rep the blank form is handed to.")
    number: str | None = Field(default=None, max_length=32,
                               description="The form's number; leave it out for the rep's partner's next free one.")


class Sign(Body):
    customer: int = Field(ge=1, le=DB_INT_MAX, description="Customer id, from the rep's warehouse.")
    product: Text
    kind: str = Field(max_length=64, description="new (新签) or renewal (续签).")
    amount: Amount
    signed_on: Day | None = Field(default=None, description="YYYY-MM-DD; today (Beijing) when left out.")


class Receive(Body):
    note: Note | None = None


class Approve(Body):
    location: Text | None = Field(default=None, description="Where the original is filed: needed at the second review.")


class Reject(Body):
    reasons: list[Annotated[str, Field(max_length=64)]] = Field(
        max_length=20, description="Rejection reason codes, e.g. amount_mismatch.")
    note: Note


class Pay(Body):
    amount: Amount
    paid_on: Day = Field(description="The payment's value date, YYYY-MM-DD.")


class Change(Body):
    note: Note = Field(description="What was fixed.")
    amount: Amount | None = None
    product: Text | None = None


class Modify(Body):
    reason: Note
    amount: Amount | None = None
    product: Text | None = None


class Noted(Body):
    note: Note


class Escalation(Body):
    decision: Literal["allow", "void"] = Field(description="allow one more round, or void the order.")
    note: Note


class Reissue(Body):
    new_number: str = Field(min_length=1, max_length=32, description="The replacement form's number.")


class OrderRow(BaseModel):
    number: str
    partner: str
    rep: str
    status: str
    pending: str | None
    customer: str | None
    amount: str | None
    updated_at: str
    due_at: str | None = Field(default=None, description="When the step it waits for is due, if it waits.")


class FileLink(BaseModel):
    order: str
    what: str
    version: int
    key: str
    url: str = Field(description="Opens the file without credentials until it expires.")
    expires_in_seconds: int
    legal_hold: str


@router.post("", status_code=201, response_model=OrderView, summary="Issue a numbered blank form to a rep")
async def issue(body: Issue, actor: CurrentActor, services: Svc) -> OrderView:
    # No Idempotency-Key: a number is issued once, so a repeated issue is refused as already issued.
    return await orders.issue(services, actor, body.rep, body.number)


@router.get("", response_model=list[OrderRow], summary="Orders within your scope, newest first")
def list_orders(actor: CurrentActor, services: Svc, page: Page, request: Request, response: Response,
                status: Annotated[str | None, Query(max_length=32, description="Only this status.")] = None,
                ) -> list[dict[str, Any]]:
    rows = orders.list_orders(services, actor, status=status, limit=page.fetch, offset=page.offset)
    return paged(rows, page, request, response)


@router.get("/{number}", response_model=OrderView, summary="The order: status, who it waits for, timeline, files")
def show(number: Number, actor: CurrentActor, services: Svc) -> OrderView:
    return orders.show_order(services, actor, number)


@router.post("/{number}/sign", response_model=OrderView, summary="Record the signed order (its rep)")
async def sign(number: Number, body: Sign, actor: CurrentActor, services: Svc, key: IdempotencyKey) -> OrderView:
    return await orders.sign(services, actor, number, body.customer, body.product, body.kind, body.amount,
                             body.signed_on, key)


@router.post("/{number}/receive", response_model=OrderView, summary="The paper original arrived (assistant)")
async def receive(number: Number, actor: CurrentActor, services: Svc, key: IdempotencyKey,
                  body: Receive | None = None) -> OrderView:
    return await orders.receive(services, actor, number, body.note if body else None, key)


@router.post("/{number}/approve", response_model=OrderView,
             summary="Approve at the current review: the first (assistant) or the second (order group)")
async def approve(number: Number, actor: CurrentActor, services: Svc, key: IdempotencyKey,
                  body: Approve | None = None) -> OrderView:
    return await orders.review(services, actor, number, body.location if body else None, key)


@router.post("/{number}/reject", response_model=OrderView, summary="Reject back to the rep, with reasons")
async def reject(number: Number, body: Reject, actor: CurrentActor, services: Svc, key: IdempotencyKey) -> OrderView:
    return await orders.reject(services, actor, number, body.reasons, body.note, key)


@router.put("/{number}/scan", response_model=OrderView,
            summary="Upload the scan of the original, or a new version of it (the body is the file)")
async def upload_scan(number: Number, request: Request, actor: CurrentActor, services: Svc, key: IdempotencyKey,
                      filename: Annotated[str, Query(min_length=1, max_length=200,
                                                     description="The file's name, e.g. scan.pdf.")]) -> OrderView:
    check_content_type(request, FILE_TYPES, "scan", "application/octet-stream")
    name = safe_filename(filename, "scan")
    limit = services.settings.scan_max_bytes
    return await orders.scan(services, actor, number, lambda: received_file(request, name, limit, "scan"), key)


@router.get("/{number}/scan-url", response_model=FileLink,
            summary="A short-lived link to a scan or remittance slip of the order, and its legal hold")
def scan_url(number: Number, actor: CurrentActor, services: Svc,
             version: Annotated[int | None, Query(ge=1, le=DB_INT_MAX,
                                                  description="Which version; default the latest.")] = None,
             slip: Annotated[bool, Query(description="A remittance slip instead of a scan.")] = False,
             ) -> dict[str, Any]:
    return orders.file_link(services, actor, number, slip=slip, version=version)


@router.post("/{number}/pay", response_model=OrderView, summary="Record a payment (finance)")
async def pay(number: Number, body: Pay, actor: CurrentActor, services: Svc, key: IdempotencyKey) -> OrderView:
    return await orders.pay(services, actor, number, body.amount, body.paid_on, key)


@router.post("/{number}/correct", response_model=OrderView, summary="Send a returned order back corrected (its rep)")
async def correct(number: Number, body: Change, actor: CurrentActor, services: Svc,
                  key: IdempotencyKey) -> OrderView:
    return await orders.correct(services, actor, number, body.note, body.amount, body.product, key)


@router.post("/{number}/resend", response_model=OrderView, summary="A re-signed original is on its way (its rep)")
async def resend(number: Number, body: Noted, actor: CurrentActor, services: Svc, key: IdempotencyKey) -> OrderView:
    return await orders.resend(services, actor, number, body.note, key)


@router.post("/{number}/modify", response_model=OrderView,
             summary="Fix a small defect at the second review, audited (order group)")
async def modify(number: Number, body: Modify, actor: CurrentActor, services: Svc, key: IdempotencyKey) -> OrderView:
    return await orders.modify(services, actor, number, body.reason, body.amount, body.product, key)


@router.post("/{number}/escalation", response_model=OrderView,
             summary="Decide an escalated order: allow one more round or void it (the rep's supervisor)")
async def escalation(number: Number, body: Escalation, actor: CurrentActor, services: Svc,
                     key: IdempotencyKey) -> OrderView:
    return await orders.decide_escalation(services, actor, number, body.decision == "allow", body.note, key)


@router.post("/{number}/lost", response_model=OrderView,
             summary="Report a lost blank form (voided) or signed original (to be reissued) (its rep)")
async def lost(number: Number, body: Noted, actor: CurrentActor, services: Svc, key: IdempotencyKey) -> OrderView:
    return await orders.report_lost(services, actor, number, body.note, key)


@router.post("/{number}/revive", response_model=OrderView,
             summary="Bring an expired order back: effective if its money is all kept on it, else waiting for the "
                     "rest in a fresh payment window (order group or finance)",
             description="The reason: why the expired order comes back, e.g. the customer's late payment.")
async def revive(number: Number, body: Reasoned, actor: CurrentActor, services: Svc,
                 key: IdempotencyKey) -> OrderView:
    return await orders.revive(services, actor, number, body.reason, key)


@router.post("/{number}/receive-late", response_model=OrderView,
             summary="Receive the original of a lost order after all: it goes on at the first review, and its "
                     "unsigned reissue is voided; refused once the reissue is signed (assistant)",
             description="The reason: where the original turned up, e.g. the courier found it.")
async def receive_late(number: Number, body: Reasoned, actor: CurrentActor, services: Svc,
                       key: IdempotencyKey) -> OrderView:
    return await orders.receive_late(services, actor, number, body.reason, key)


@router.post("/{number}/restore", response_model=OrderView,
             summary="Restore a blank form voided as lost that the rep still holds, to be signed (supervisor)",
             description="The reason: why the voided form comes back, e.g. the rep found it.")
async def restore(number: Number, body: Reasoned, actor: CurrentActor, services: Svc,
                  key: IdempotencyKey) -> OrderView:
    return await orders.restore(services, actor, number, body.reason, key)


class Reassign(Reasoned):
    to: str = Field(max_length=64, description="The active sales rep of the order's partner who takes it over.")


@router.post("/{number}/reassign", response_model=OrderView,
             summary="Move an open order (and a signed order's customer) to another rep of its partner "
                     "(channel partner or manager)",
             description="The reason: why the order moves, e.g. the rep left.")
async def reassign(number: Number, body: Reassign, actor: CurrentActor, services: Svc,
                   key: IdempotencyKey) -> OrderView:
    return await orders.reassign(services, actor, number, body.to, body.reason, key)


@router.post("/{number}/reissue", response_model=OrderView,
             summary="Replace a lost signed original with a new numbered form (assistant)")
async def reissue(number: Number, body: Reissue, actor: CurrentActor, services: Svc,
                  key: IdempotencyKey) -> OrderView:
    return await orders.reissue(services, actor, number, body.new_number, key)
