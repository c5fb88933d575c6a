"""Customers, the warehouse and transfer-in over HTTP: each route parses, then calls one service function."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import DB_INT_MAX, Body, CurrentActor, Page, PageParams, Svc, paged
from api.errors import ERROR_RESPONSES
from orderflow.customer_contracts import ApplicationView
from services import corrections, customers, name_corrections, transfers, warehouse

router = APIRouter(tags=["customers"], responses=ERROR_RESPONSES)

CustomerId = Annotated[int, Path(ge=1, le=DB_INT_MAX, description="The customer's id.")]


class NewCustomer(Body):
    name: str = Field(max_length=400, description="Company name exactly as on its business licence.")
    phone: str = Field(max_length=64, description="Fixed telephone number (not a mobile).")
    fax: str = Field(max_length=64)
    address: str = Field(max_length=800)
    region: str = Field(max_length=64, description="Sales region, e.g. 北京.")
    same_phone_fax: bool = Field(False, description="Phone and fax really are one number.")
    confirm_distinct: bool = Field(False, description="A similar name really is a different company.")


class CustomerCorrection(Body):
    phone: str | None = Field(None, max_length=64, description="The corrected fixed telephone number.")
    fax: str | None = Field(None, max_length=64, description="The corrected fax number.")
    address: str | None = Field(None, max_length=800, description="The corrected business address.")
    same_phone_fax: bool = Field(False, description="Phone and fax really are one number.")
    reason: str = Field(max_length=2000, description="Why: where the corrected facts come from.")


class NameCorrection(Body):
    name: str = Field(max_length=400, description="The company name exactly as on its business licence.")
    reason: str = Field(max_length=2000)
    confirm_distinct: bool = Field(False, description="A similar name really is a different company.")


class NameDecision(Body):
    approve: bool = Field(description="true approves, false rejects.")
    reason: str = Field(max_length=2000)


class CustomerCheck(Body):
    name: str = Field(max_length=400)
    phone: str | None = Field(None, max_length=64)
    fax: str | None = Field(None, max_length=64)


class HandOverTo(Body):
    to: str = Field(max_length=64, description="The rep who takes the customer.")


class CustomerNote(Body):
    text: str = Field(max_length=4000)


class TransferIn(Body):
    reason: str = Field(max_length=2000)
    region: str = Field(max_length=64, description="One of your regions: where the customer goes.")
    name: str = Field(max_length=400, description="The four facts, as confirmed with the customer: the licensed name,")
    phone: str = Field(max_length=64, description="the fixed telephone,")
    fax: str = Field(max_length=64, description="the fax")
    address: str = Field(max_length=800, description="and the business address; each must match the record.")


class TransferDecision(Body):
    approve: bool = Field(description="true approves, false rejects.")
    reason: str = Field(max_length=2000)


class CustomerAdded(BaseModel):
    id: int
    name: str
    owner: str | None
    phone: str
    fax: str
    risk_flags: list[str]


class CustomerCorrected(BaseModel):
    id: int
    name: str
    phone: str
    fax: str
    address: str
    risk_flags: list[str]
    corrected: list[str] = Field(description="The facts that changed: phone, fax, address.")


class NameCorrectionView(BaseModel):
    correction: int
    customer: int
    before: str
    after: str
    reason: str
    status: str = Field(description="pending, applied or rejected")
    requested_by: str
    decided_by: str | None
    decision: str | None


class CollisionHit(BaseModel):
    customer: int | None = Field(description="null when the holder is outside your scope")
    name: str | None
    match: str
    score: int
    why: str = Field("", description="For a similar name: what makes it similar (sounds the same, same brand ...)")
    holder: str
    region: str | None


class CustomerRow(BaseModel):
    id: int
    name: str
    region: str
    owner: str | None = Field(description="null: in the public pool")


class PoolRow(BaseModel):
    id: int
    name: str
    region: str
    entered_at: str | None = Field(description="When it last went to the public pool (ISO 8601), if recorded.")
    reason: str | None = Field(description="Why it went there: recycled (no follow-up), rep_left (its rep's account "
                                           "was closed) or other; the full words are in its history, for its scope.")
    may_claim: bool = Field(description="Whether you may claim it now (cap, daily limit, cooldown).")
    why_not: str | None = Field(description="If not, why.")
    why_not_code: str | None = Field(description="The refusal's code, if it has one (cap_full, daily_limit, "
                                                 "cooldown ...), for a client to word it in its reader's language.")
    why_not_params: dict[str, str] = Field(description="The facts of that refusal, by name.")


def pool_page(limit: Annotated[int, Query(ge=1, le=warehouse.POOL_PAGE_MAX, description="Rows per page.")] = 50,
              offset: Annotated[int, Query(ge=0, le=DB_INT_MAX, description="Rows to skip.")] = 0) -> PageParams:
    """As `Page`, with the pool's own bound on a page."""
    return PageParams(limit, offset)


PoolPage = Annotated[PageParams, Depends(pool_page)]


class CustomerMoved(BaseModel):
    id: int
    name: str
    owner: str | None


class CustomerNoted(BaseModel):
    customer: int
    author: str
    at: str


class OwnerChange(BaseModel):
    at: str
    from_: str | None = Field(alias="from")
    to: str | None
    reason: str
    by: str


class ApplicationRow(BaseModel):
    application: str
    customer: int
    rep: str
    reason: str
    status: str
    decision: str | None


@router.post("/customers", status_code=201, response_model=CustomerAdded)
def add_customer(body: NewCustomer, actor: CurrentActor, services: Svc) -> object:
    """Enter a customer into your warehouse after the collision check (撞单); 409 names what it collides with."""
    return customers.add(services, actor, **body.model_dump())


@router.get("/customers", response_model=list[CustomerRow])
def list_customers(actor: CurrentActor, services: Svc, page: Page, request: Request, response: Response) -> object:
    """The customers in your scope: a rep's own warehouse, or the partners in scope."""
    return paged(customers.list_customers(services, actor, limit=page.fetch, offset=page.offset), page, request,
                 response)


@router.get("/customers/pool", response_model=list[PoolRow])
def list_pool(actor: CurrentActor, services: Svc, page: PoolPage, request: Request, response: Response,
              q: Annotated[str | None, Query(max_length=400, description="Part of a company name or of a phone or "
                                                                         "fax number.")] = None) -> object:
    """公海: the public pool's customers of your own regions that you could claim, the last to enter the pool first;
    each says whether you may claim it now and if not why."""
    return paged(warehouse.pool(services, actor, query=q, limit=page.fetch, offset=page.offset), page, request,
                 response)


@router.patch("/customers/{customer_id}", response_model=CustomerCorrected)
def correct_customer(customer_id: CustomerId, body: CustomerCorrection, actor: CurrentActor, services: Svc) -> object:
    """Correct the phone, fax or address (the holder, their supervisor, the partner account or the order group).
    A new number that is another customer's refuses the correction like an entry (409) and tells both holders."""
    return corrections.correct_customer(services, actor, customer_id, **body.model_dump())


@router.post("/customers/{customer_id}/name-correction", status_code=201, response_model=NameCorrectionView)
def request_name_correction(customer_id: CustomerId, body: NameCorrection, actor: CurrentActor,
                            services: Svc) -> object:
    """Ask for a corrected licensed name; the order group decides. A name that is another customer's is refused
    like an entry (409) and both holders are told."""
    return name_corrections.request_name(services, actor, customer_id, **body.model_dump())


@router.post("/customers/{customer_id}/name-correction/decision", response_model=NameCorrectionView)
def decide_name_correction(customer_id: CustomerId, body: NameDecision, actor: CurrentActor,
                           services: Svc) -> object:
    """Approve (checked again for collisions, then applied) or reject the waiting name correction (order group)."""
    return name_corrections.decide_name(services, actor, customer_id, approve=body.approve, reason=body.reason)


@router.get("/name-corrections", response_model=list[NameCorrectionView])
def list_name_corrections(actor: CurrentActor, services: Svc, page: Page, request: Request,
                          response: Response) -> object:
    """Name corrections waiting for the order group, oldest first."""
    return paged(name_corrections.waiting(services, actor, limit=page.fetch, offset=page.offset), page, request,
                 response)


@router.post("/customers/check", response_model=list[CollisionHit])
def check_customer(body: CustomerCheck, actor: CurrentActor, services: Svc) -> object:
    """Search the name, the phone and the fax one at a time, and similar names. A hit outside your scope shows
    only its match: no id, name, region or holder."""
    return customers.check(services, actor, name=body.name, phone=body.phone, fax=body.fax)


@router.post("/customers/{customer_id}/claim", response_model=CustomerMoved)
def claim_customer(customer_id: CustomerId, actor: CurrentActor, services: Svc) -> object:
    """挑入: take a customer from the public pool of your own regions."""
    return warehouse.claim(services, actor, customer_id)


@router.post("/customers/{customer_id}/hand-over", response_model=CustomerMoved)
def hand_over_customer(customer_id: CustomerId, body: HandOverTo, actor: CurrentActor, services: Svc) -> object:
    """转移: move a customer between your own reps (channel partner)."""
    return warehouse.hand_over(services, actor, customer_id, body.to)


@router.post("/customers/{customer_id}/notes", status_code=201, response_model=CustomerNoted)
def note_customer(customer_id: CustomerId, body: CustomerNote, actor: CurrentActor, services: Svc) -> object:
    """销售小记: record a follow-up on a customer you hold."""
    return warehouse.note(services, actor, customer_id, body.text)


@router.get("/customers/{customer_id}", response_model=CustomerRow)
def get_customer(customer_id: CustomerId, actor: CurrentActor, services: Svc) -> object:
    """One customer in your scope (another's answers as missing)."""
    return customers.one_customer(services, actor, customer_id)


@router.get("/customers/{customer_id}/history", response_model=list[OwnerChange])
def customer_history(customer_id: CustomerId, actor: CurrentActor, services: Svc, page: Page, request: Request,
                     response: Response) -> object:
    """Every change of the customer's owner, oldest first."""
    return paged(warehouse.history(services, actor, customer_id, limit=page.fetch, offset=page.offset), page,
                 request, response)


@router.post("/customers/{customer_id}/transfer-in", status_code=201, response_model=ApplicationView)
async def transfer_in(customer_id: CustomerId, body: TransferIn, actor: CurrentActor, services: Svc) -> object:
    """调入申请: apply for a pool customer of another region, into one of your regions, with the four facts
    confirmed with the customer; the approval group decides."""
    return await transfers.file(services, actor, customer_id, **body.model_dump())


@router.post("/customers/{customer_id}/decision", response_model=ApplicationView)
async def decide_transfer_in(customer_id: CustomerId, body: TransferDecision, actor: CurrentActor,
                             services: Svc) -> object:
    """Approve or reject the open transfer-in application for a customer (approval group)."""
    return await transfers.decide(services, actor, customer_id, approve=body.approve, reason=body.reason)


@router.get("/transfer-applications", response_model=list[ApplicationRow])
def list_applications(actor: CurrentActor, services: Svc, page: Page, request: Request, response: Response,
                      status: Annotated[str, Query(max_length=16,
                                                   description="FILED, APPROVED or REJECTED.")] = "FILED") -> object:
    """Transfer-in applications in your scope, oldest first."""
    return paged(transfers.applications(services, actor, status=status, limit=page.fetch, offset=page.offset), page,
                 request, response)
