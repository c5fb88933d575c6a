"""Payments over HTTP: bank statements in, the queue of unmatched lines, matching by hand and undoing it
(finance), and the rep's remittance slip (底单) on an order.

Files are sent as the raw request body (`PUT ...?filename=`), streamed to disk under a size limit. A statement
with bad lines is still imported: the answer is 200 with the report, whose `errors` name each bad line by its
line number (the CLI exits 2 then). A line or order outside your scope answers 404, as one that does not exist.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field

from api.deps import Body, CurrentActor, IdempotencyKey, Page, Reasoned, Svc, paged
from api.errors import ERROR_RESPONSES
from api.uploads import FILE_TYPES, STATEMENT_TYPES, check_content_type, received_file, safe_filename
from domain.statements import MAX_FILE_BYTES
from orderflow.contracts import OrderView
from services import payment_views, payments, refunds
from services.payment_views import CreditBalance, LineDetail, OpenLine
from services.payments import ImportReport, Matched

router = APIRouter(tags=["payments"], responses=ERROR_RESPONSES)

BankRef = Annotated[str, Path(min_length=1, max_length=64, description="The line's bank reference (流水号).")]
Number = Annotated[str, Path(min_length=1, max_length=32, description="The order form's number, e.g. BJ100001.")]
FileName = Annotated[str, Query(min_length=1, max_length=200, description="The file's name, e.g. statement.csv.")]



class Match(Body):
    order: str = Field(min_length=1, max_length=32, description="The order this payment is for.")
    reason: str | None = Field(None, min_length=1, max_length=1000,
                               description="Needed when the line's payer is not the order's customer (audited).")


class Settle(Body):
    settlement: Literal["refunded", "carried"] = Field(
        description="refunded: sent back to the customer; carried: kept as its credit toward a later order.")
    reason: str = Field(max_length=4000, description="What was done and why, e.g. the transfer back (audited).")


class RefundSent(Body):
    reference: str = Field(min_length=1, max_length=1000,
                           description="The refund's own reference: the transfer back, its date (audited).")


class Reverse(Body):
    amount: str = Field(min_length=1, max_length=64,
                        description="The payment's amount as the order lists it, e.g. 5000.00: with its date, a "
                                    "guard against reversing other money if the list changed.")
    paid_on: str = Field(min_length=1, max_length=64, description="The payment's date as listed, YYYY-MM-DD.")
    reason: str = Field(min_length=1, max_length=1000, description="Why the payment is taken back (audited).")


@router.put("/payments/statements", response_model=ImportReport,
            summary="Import a bank statement (the body is the CSV export) and match what fits one order")
async def import_statement(request: Request, actor: CurrentActor, services: Svc,
                           filename: FileName = "statement.csv") -> ImportReport:
    check_content_type(request, STATEMENT_TYPES, "statement", "application/octet-stream")
    name = safe_filename(filename, "statement.csv")
    return await payments.import_statement(
        services, actor, lambda: received_file(request, name, MAX_FILE_BYTES, "statement"))


@router.get("/payments/unmatched", response_model=list[OpenLine],
            summary="Bank lines no order has taken, oldest first, with their candidate orders and slips")
def unmatched(actor: CurrentActor, services: Svc, page: Page, request: Request,
              response: Response) -> list[OpenLine]:
    rows = payment_views.unmatched_lines(services, actor, limit=page.fetch, offset=page.offset)
    return paged(rows, page, request, response)


@router.get("/payments/credit-balances", response_model=list[CreditBalance],
            summary="Overpaid orders, flagged until finance settles the balance")
def credit_balances(actor: CurrentActor, services: Svc, page: Page, request: Request,
                    response: Response) -> list[CreditBalance]:
    rows = payment_views.credit_balances(services, actor, limit=page.fetch, offset=page.offset)
    return paged(rows, page, request, response)


@router.get("/payments/lines/{bank_ref}", response_model=LineDetail,
            summary="One bank line, its candidates and their slips, and its history of matches")
def show_line(bank_ref: BankRef, actor: CurrentActor, services: Svc) -> LineDetail:
    return payment_views.show_line(services, actor, bank_ref)


# No Idempotency-Key: a match and an unmatch are sent under an update id made from the line itself, so a
# retry is applied once whatever the caller sends.
@router.post("/payments/lines/{bank_ref}/match", response_model=Matched,
             summary="Match a line to an order by hand (partial payments add up, an overpayment is flagged)")
async def match(bank_ref: BankRef, body: Match, actor: CurrentActor, services: Svc) -> Matched:
    return await payments.match_line(services, actor, bank_ref, body.order, body.reason)


@router.post("/payments/lines/{bank_ref}/unmatch", response_model=OrderView,
             summary="Undo a wrong match before its order takes effect; the line goes back to the queue",
             description="The reason says why the match was wrong.")
async def unmatch(bank_ref: BankRef, body: Reasoned, actor: CurrentActor, services: Svc) -> OrderView:
    return await payments.unmatch_line(services, actor, bank_ref, body.reason)


@router.post("/payments/credit-balances/{number}/settle", response_model=CreditBalance,
             summary="Settle an overpaid order's credit balance, once: refunded, or carried toward a later order")
async def settle(number: Number, body: Settle, actor: CurrentActor, services: Svc) -> CreditBalance:
    return await refunds.settle_credit(services, actor, number, body.settlement, body.reason)


@router.post("/payments/lines/{bank_ref}/refund", response_model=LineDetail,
             summary="Mark a queued line to be refunded to its payer, with a reason; it leaves matching",
             description="The reason says why the money goes back, e.g. paid twice.")
async def refund(bank_ref: BankRef, body: Reasoned, actor: CurrentActor, services: Svc) -> LineDetail:
    return await refunds.mark_refund(services, actor, bank_ref, body.reason)


@router.post("/payments/lines/{bank_ref}/refunded", response_model=LineDetail,
             summary="Record that a line marked to be refunded was sent back, with the refund's reference")
async def refunded(bank_ref: BankRef, body: RefundSent, actor: CurrentActor, services: Svc) -> LineDetail:
    return await refunds.refund_sent(services, actor, bank_ref, body.reference)


@router.post("/payments/lines/{bank_ref}/reopen", response_model=LineDetail,
             summary="Take a line marked to be refunded back to the queue, with a reason",
             description="The reason says why the line is not refunded after all.")
async def reopen(bank_ref: BankRef, body: Reasoned, actor: CurrentActor, services: Svc) -> LineDetail:
    return await refunds.reopen(services, actor, bank_ref, body.reason)


@router.post("/orders/{number}/payments/{payment}/reverse", response_model=OrderView, tags=["orders"],
             summary="Take back a payment recorded by hand (finance), by its number in the order's list of "
                     "payments; a bank line's payment is unmatched instead")
async def reverse(number: Number, payment: Annotated[int, Path(ge=1, le=10_000, description="From 1, as listed.")],
                  body: Reverse, actor: CurrentActor, services: Svc, key: IdempotencyKey) -> OrderView:
    return await payments.reverse_payment(services, actor, number, payment, body.amount, body.paid_on, body.reason,
                                           key)


@router.put("/orders/{number}/slip", response_model=OrderView, tags=["orders"],
            summary="Attach the customer's remittance slip (底单) to an order (its rep; the body is the file)")
async def upload_slip(number: Number, request: Request, actor: CurrentActor, services: Svc, key: IdempotencyKey,
                      filename: FileName,
                      amount: Annotated[str, Query(min_length=1, max_length=32,
                                                   description="The amount the slip shows, e.g. 12000.00.")],
                      paid_on: Annotated[str, Query(min_length=1, max_length=32,
                                                    description="The date on the slip, YYYY-MM-DD.")],
                      ) -> OrderView:
    check_content_type(request, FILE_TYPES, "slip", "application/octet-stream")
    name = safe_filename(filename, "slip")
    limit = services.settings.scan_max_bytes
    return await payments.attach_slip(services, actor, number, lambda: received_file(request, name, limit, "slip"),
                                      amount, paid_on, key)
