"""The orders' pages: the list in scope, issuing a form, one order (status, story, who it waits for and until
when, its files, and the steps the signed-in person may take now as forms), each step's form, and the scan's
upload. Every read and step goes through services.orders, as the API's routes do."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import Svc, scoped_key
from api.uploads import FILE_TYPES, check_content_type, received_file, safe_filename
from domain.errors import DomainError, InvalidInput
from domain.next_steps import open_steps
from domain.order import Action, OrderKind, OrderStatus
from domain.people import Role
from domain.rejections import Reason
from orderflow.contracts import OrderView
from services import customers, orders
from web.forms import Posted, checked_header, field, refusal, refused_json, refused_page
from web.labels import BUTTON, DID
from web.render import page
from web.session import PREFIX, DeskSession, Session
from web.steps import STEPS, Form, parse_action, sent_values

router = APIRouter(prefix=f"{PREFIX}/orders", include_in_schema=False)
Number = Annotated[str, Path(min_length=1, max_length=32)]


def _escalated(view: OrderView) -> bool:
    """Whether the wait the order is in was escalated to the supervisor (the read model's timeline says so)."""
    for entry in reversed(view.timeline):
        if entry.action is Action.ESCALATE:
            return True
        if entry.action is not Action.REMIND:
            return False
    return False


def _key() -> str:
    return f"desk-{secrets.token_urlsafe(18)}"


async def _order_page(request: Request, session: DeskSession, services: Svc, number: str, *,
                      error: DomainError | None = None, sent: dict[str, Any] | None = None,
                      failed: str | None = None, status_code: int = 200) -> HTMLResponse:
    actor = session.auth.actor
    try:
        view = await run_in_threadpool(orders.show_order, services, actor, number)
    except DomainError as err:
        return refused_page(request, session, err)
    steps = open_steps(view.status, actor, view.parties(), escalated=_escalated(view))
    warehouse: list[dict[str, Any]] = []
    if Action.SIGN in steps:
        warehouse = await run_in_threadpool(lambda: customers.list_customers(services, actor, limit=500))
    return page(request, session.lang, "order.html", status_code, file_origins=file_origins(services.settings),
                user=session, view=view, steps=steps, error=error, failed=failed, sent=sent or {},
                warehouse=warehouse, step_key=(sent or {}).get("step_key") or _key(), reasons=list(Reason),
                kinds=list(OrderKind),
                done=_done(request.query_params.get("done")), Action=Action, Role=Role)


def _done(name: str | None) -> str | None:
    """The step just taken (after its redirect), in words: its button, or what it did."""
    try:
        action = Action(name or "")
    except ValueError:
        return None
    return BUTTON.get(action) or DID[action]


def file_origins(settings: Any) -> list[str]:
    """Where the presigned links of scans and slips point: the configured S3 endpoint, or AWS's own."""
    from web.render import origin_of

    if settings.s3_endpoint_url:
        return [origin_of(settings.s3_endpoint_url)]
    return [f"https://{settings.s3_bucket}.s3.{settings.s3_region}.amazonaws.com",
            f"https://s3.{settings.s3_region}.amazonaws.com"]


@router.get("")
async def order_list(request: Request, session: Session, services: Svc,
                     status: Annotated[str, Query(max_length=32)] = "",
                     offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0) -> HTMLResponse:
    wanted = status if status in OrderStatus.__members__ else None
    try:
        rows = await run_in_threadpool(lambda: orders.list_orders(services, session.auth.actor, status=wanted,
                                                                  limit=51, offset=offset))
    except DomainError as err:
        return refused_page(request, session, err)
    return page(request, session.lang, "orders.html", user=session, rows=rows[:50], more=len(rows) > 50,
                offset=offset, status=wanted or "", statuses=list(OrderStatus))


@router.get("/new")
def issue_page(request: Request, session: Session) -> HTMLResponse:
    return page(request, session.lang, "issue.html", user=session, error=None, sent={})


@router.post("/new")
async def issue(request: Request, session: Session, data: Posted, services: Svc) -> Response:
    form = Form(data)
    try:
        view = await orders.issue(services, session.auth.actor, form.text("rep", 64).strip(),
                                  form.optional("number", 32))
    except Exception as err:  # noqa: BLE001 - every refusal is shown in words; a bug is raised again
        known, status = refusal(services, err)
        return page(request, session.lang, "issue.html", status, user=session,
                    error=known, sent=sent_values(data))
    return RedirectResponse(f"{PREFIX}/orders/{view.number}?done=issue", status_code=303)


@router.get("/{number}")
async def order_page(number: Number, request: Request, session: Session, services: Svc) -> HTMLResponse:
    return await _order_page(request, session, services, number)


@router.get("/{number}/file")
async def open_file(number: Number, request: Request, session: Session, services: Svc,
                    slip: bool = False, version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> Response:
    """A scan or slip opens through a fresh presigned link, made only after the scope check."""
    try:
        link = await run_in_threadpool(lambda: orders.file_link(services, session.auth.actor, number, slip=slip,
                                                                version=version))
    except DomainError as err:
        return refused_page(request, session, err)
    return RedirectResponse(link["url"], status_code=303)


@router.post("/{number}/{step}")
async def take_step(number: Number, step: str, request: Request, session: Session, data: Posted,
                    services: Svc) -> Response:
    action = parse_action(step)
    if action is None:
        return await _order_page(request, session, services, number, status_code=404,
                                 error=InvalidInput(f"there is no step '{step[:40]}' on an order's page"))
    actor = session.auth.actor
    try:
        # One key a page, told apart per step: a step taken after another one failed on the same page is its own
        # request, never an answer replayed from the other; a retry of the same step is the same request.
        key = f"{scoped_key(actor.username, field(data.get('step_key')) or _key())}.{action.value}"
        view = await STEPS[action](services, actor, number, Form(data), key)
    except Exception as err:  # noqa: BLE001 - every refusal is shown in words; a bug is raised again
        known, status = refusal(services, err)
        return await _order_page(request, session, services, number, error=known, sent=sent_values(data),
                                 failed=action.value, status_code=status)
    return RedirectResponse(f"{PREFIX}/orders/{view.number}?done={action.value}", status_code=303)


@router.put("/{number}/scan")
async def upload_scan(number: Number, request: Request, session: Session, services: Svc,
                      filename: Annotated[str, Query(min_length=1, max_length=200)],
                      key: Annotated[str, Query(min_length=1, max_length=64)]) -> JSONResponse:
    """The page's drop zone sends the file as the body, streamed to a temporary file and on to S3 (never held in
    memory whole), with the session's CSRF token in a header."""
    checked_header(request, session)
    actor = session.auth.actor
    try:
        check_content_type(request, FILE_TYPES, "scan", "application/octet-stream")
        name = safe_filename(filename, "scan")
        limit = services.settings.scan_max_bytes
        view = await orders.scan(services, actor, number, lambda: received_file(request, name, limit, "scan"),
                                 f"{scoped_key(actor.username, key)}.{Action.SCAN.value}")
    except Exception as err:  # noqa: BLE001 - the page shows the refusal in words
        return refused_json(refusal(services, err)[0], session.lang)
    return JSONResponse({"number": view.number, "status": view.status.value,
                         "scans": len(view.scans)})

