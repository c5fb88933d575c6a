"""我的待办: what waits for the signed-in person, overdue first, each with its deadline, the reason and one button
to the task; the open tasks of their deactivated reports; their certifications, follow-ups and notifications.
The same inbox as `GET /inbox`, a page at a time (services.views.inbox_page)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.deps import Svc
from domain.errors import DomainError
from domain.order import OrderStatus
from services import views
from web.forms import refused_page
from web.render import page
from web.session import PREFIX, Session

router = APIRouter(prefix=PREFIX, include_in_schema=False)
PER_PAGE = 50  # tasks a page shows: the overdue ones come first, so the first page is the day's work


@router.get("/inbox")
async def inbox(request: Request, session: Session, services: Svc,
                page_no: Annotated[int, Query(alias="page", ge=1, le=1000)] = 1) -> HTMLResponse:
    try:
        found = await run_in_threadpool(views.inbox_page, services, session.auth.actor, datetime.now(UTC),
                                        PER_PAGE, (page_no - 1) * PER_PAGE)
    except DomainError as err:
        return refused_page(request, session, err)
    orders = [{**row, "status": OrderStatus(row["status"])} for row in found["orders"]]
    return page(request, session.lang, "inbox.html", user=session, orders=orders, total=found["total"],
                overdue=found["overdue"], page_no=page_no, more=found["total"] > page_no * PER_PAGE,
                certifications=found["certifications"], follow_ups=found["follow_ups"],
                notifications=found["notifications"][:20])
