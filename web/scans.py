"""The scans' batch page (issue #18): an assistant drops a stack of scans named by order number (or picks each
file's order from those waiting for a scan in scope), sees each file's check before filing (type, size, SHA-256
in the browser, and the order's state from the check route below), then files them one by one through the order
page's own upload route (PUT /desk/orders/{number}/scan), each with a fresh key. Reads go through services.orders
as the API's routes do; out of scope answers exactly like missing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from api.deps import Svc
from api.errors import STATUS
from domain.errors import DomainError, NotPermitted
from domain.order import STEPS, Action, OrderStatus
from services import orders
from web.forms import refused_page
from web.i18n import translations
from web.labels import N_, REFUSAL
from web.labels import STATUS as STATUS_WORDS
from web.refusals import explain
from web.render import page
from web.session import PREFIX, DeskSession, Session

router = APIRouter(prefix=f"{PREFIX}/scans", include_in_schema=False)
READY = N_("Waiting for the scan: ready to file")
NOT_WAITING = N_("Not waiting for a scan; it is now: %(state)s")


def _may_scan(session: DeskSession) -> DomainError | None:
    if session.auth.actor.role in STEPS[Action.SCAN].roles:
        return None
    return NotPermitted("only an assistant or the order group may upload scans")


@router.get("")
async def scans_page(request: Request, session: Session, services: Svc) -> HTMLResponse:
    refused = _may_scan(session)
    if refused is not None:
        return refused_page(request, session, refused)
    try:
        rows = await run_in_threadpool(lambda: orders.list_orders(services, session.auth.actor,
                                                                  status=OrderStatus.AWAITING_SCAN.value, limit=500))
    except DomainError as err:
        return refused_page(request, session, err)
    return page(request, session.lang, "scans.html", user=session, rows=rows,
                max_bytes=services.settings.scan_max_bytes, max_mb=_megabytes(services.settings.scan_max_bytes))


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}"


@router.get("/check")
async def check(request: Request, session: Session, services: Svc,
                number: Annotated[str, Query(min_length=1, max_length=32)]) -> JSONResponse:
    """One file's order, in words: in scope and waiting for a scan, or not (out of scope answers like missing)."""
    words = translations(session.lang).gettext
    refused = _may_scan(session)
    try:
        if refused is not None:
            raise refused
        view = await run_in_threadpool(orders.show_order, services, session.auth.actor, number.strip())
    except DomainError as err:
        return JSONResponse({"number": number, "found": False, "awaiting": False, "error": err.kind.value,
                             "title": words(REFUSAL[err.kind]), "message": explain(err, words) or err.message},
                            status_code=STATUS.get(err.kind, 400))
    awaiting = view.status is OrderStatus.AWAITING_SCAN
    state = words(STATUS_WORDS[view.status])
    says = words(READY) if awaiting else words(NOT_WAITING) % {"state": state}
    return JSONResponse({"number": view.number, "found": True, "awaiting": awaiting, "status": view.status.value,
                         "state": state, "says": says})
