"""The customers' pages (issue #18): the warehouse in scope with its count against the cap and the recycling
warnings; entry (录入) with a live collision check (撞单) as the rep types; claim from the pool (挑入), the
transfer-in application (调入申请), the sales note (销售小记) and the partner's hand-over (转移). Each form calls
the service the API's route for the same use case calls, with the same arguments; a refusal is shown in words."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import DB_INT_MAX, Svc
from api.errors import STATUS
from domain.errors import DomainError
from services import customers, transfers, warehouse
from web.customer_pages import HIDDEN, customer_page, pool_page, warehouse_page
from web.forms import Posted, refusal
from web.labels import MATCH
from web.render import page
from web.session import PREFIX, Session
from web.steps import LONG, Form, sent_values

router = APIRouter(prefix=f"{PREFIX}/customers", include_in_schema=False)
CustomerId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]
HOME = f"{PREFIX}/customers"


def _ticked(form: Any, name: str) -> bool:
    return form.get(name) in ("on", "true", "1")


def _pool_place(data: Any) -> tuple[str, int]:
    """The search and the page the pool's claim button was pressed on (hidden fields; odd ones read as none)."""
    query, offset = data.get("q"), data.get("offset")
    return (query if isinstance(query, str) and len(query) <= 400 else "",
            int(offset) if isinstance(offset, str) and offset.isascii() and offset.isdigit() and len(offset) <= 10
            and int(offset) <= DB_INT_MAX else 0)


@router.get("")
async def warehouse_list(request: Request, session: Session, services: Svc,
                         offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> HTMLResponse:
    return await warehouse_page(request, session, services, offset=offset)


@router.get("/pool")
async def pool(request: Request, session: Session, services: Svc,
               q: Annotated[str, Query(max_length=400)] = "",
               offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> HTMLResponse:
    """公海: the pool of the caller's regions, searched and paged as GET /customers/pool does."""
    return await pool_page(request, session, services, query=q, offset=offset)


@router.post("")
async def enter(request: Request, session: Session, data: Posted, services: Svc) -> Response:
    """录入: the four facts and the region, as POST /customers takes them."""
    form = Form(data)
    try:
        added = await run_in_threadpool(lambda: customers.add(
            services, session.auth.actor, name=form.text("name", 400), phone=form.text("phone", 64),
            fax=form.text("fax", 64), address=form.text("address", 800), region=form.text("region", 64),
            same_phone_fax=_ticked(data, "same_phone_fax"), confirm_distinct=_ticked(data, "confirm_distinct")))
    except DomainError as err:
        return await warehouse_page(request, session, services, error=err, failed="enter", sent=sent_values(data),
                                    status_code=STATUS.get(err.kind, 400))
    return RedirectResponse(f"{HOME}/{added['id']}?done=added", status_code=303)


@router.post("/check")
async def check(request: Request, session: Session, data: Posted, services: Svc) -> HTMLResponse:
    """The entry form's live check: the script sends what is typed so far (with the CSRF token in a header) and
    shows the fragment answered: the service's hits, masked by the service where it must be."""
    form = Form(data)
    try:
        name = form.text("name", 400).strip()
        hits = await run_in_threadpool(lambda: customers.check(
            services, session.auth.actor, name=name, phone=form.optional("phone", 64),
            fax=form.optional("fax", 64))) if name else []
    except DomainError as err:
        return page(request, session.lang, "customers_check.html", STATUS.get(err.kind, 400), error=err, hits=[],
                    name="", MATCH=MATCH, HIDDEN=HIDDEN)
    return page(request, session.lang, "customers_check.html", error=None, hits=hits, name=name,
                MATCH=MATCH, HIDDEN=HIDDEN)


@router.post("/claim")
async def claim(request: Request, session: Session, data: Posted, services: Svc) -> Response:
    """挑入: a customer of the public pool, by the id the check shows or from the pool's page (which sends
    `back=pool` with its search and page, so that a refusal shows there with the search kept)."""
    try:
        customer_id = Form(data).number("customer", "the customer's number")
        await run_in_threadpool(warehouse.claim, services, session.auth.actor, customer_id)
    except DomainError as err:
        if data.get("back") == "pool":
            query, offset = _pool_place(data)
            return await pool_page(request, session, services, query=query, offset=offset, error=err,
                                   status_code=STATUS.get(err.kind, 400))
        return await warehouse_page(request, session, services, error=err, failed="claim", sent=sent_values(data),
                                    status_code=STATUS.get(err.kind, 400))
    return RedirectResponse(f"{HOME}/{customer_id}?done=claimed", status_code=303)


@router.post("/transfer-in")
async def transfer_in(request: Request, session: Session, data: Posted, services: Svc) -> Response:
    """调入申请: a pool customer of another region, with the four facts confirmed with the customer."""
    form = Form(data)
    try:
        customer_id = form.number("customer", "the customer's number")
        await transfers.file(services, session.auth.actor, customer_id, form.text("reason", 2000),
                             region=form.text("region", 64), name=form.text("name", 400),
                             phone=form.text("phone", 64), fax=form.text("fax", 64),
                             address=form.text("address", 800))
    except Exception as err:  # noqa: BLE001 - every refusal is shown in words; a bug is raised again
        known, status = refusal(services, err)
        return await warehouse_page(request, session, services, error=known, failed="transfer_in",
                                    sent=sent_values(data), status_code=status)
    return RedirectResponse(f"{HOME}?done=applied", status_code=303)


@router.get("/{customer_id}")
async def one_customer(customer_id: CustomerId, request: Request, session: Session, services: Svc) -> HTMLResponse:
    return await customer_page(request, session, services, customer_id)


@router.post("/{customer_id}/notes")
async def note(customer_id: CustomerId, request: Request, session: Session, data: Posted,
               services: Svc) -> Response:
    try:
        await run_in_threadpool(warehouse.note, services, session.auth.actor, customer_id,
                                Form(data).text("text", LONG))
    except DomainError as err:
        return await customer_page(request, session, services, customer_id, error=err, failed="note",
                                   sent=sent_values(data), status_code=STATUS.get(err.kind, 400))
    return RedirectResponse(f"{HOME}/{customer_id}?done=noted", status_code=303)


@router.post("/{customer_id}/hand-over")
async def hand_over(customer_id: CustomerId, request: Request, session: Session, data: Posted,
                    services: Svc) -> Response:
    try:
        await run_in_threadpool(warehouse.hand_over, services, session.auth.actor, customer_id,
                                Form(data).text("to", 64).strip())
    except DomainError as err:
        return await customer_page(request, session, services, customer_id, error=err, failed="hand_over",
                                   sent=sent_values(data), status_code=STATUS.get(err.kind, 400))
    return RedirectResponse(f"{HOME}/{customer_id}?done=handed", status_code=303)
