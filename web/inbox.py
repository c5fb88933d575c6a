"""我的待办: what waits for the signed-in person, overdue first, each with its deadline, the reason and one button
to the task; the open tasks of their deactivated reports; their certifications, follow-ups and notifications.
The same service as `GET /inbox` (services.views.inbox)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.deps import Svc
from domain.errors import DomainError
from domain.order import OrderStatus
from services import views
from web.render import page
from web.session import PREFIX, Session

router = APIRouter(prefix=PREFIX, include_in_schema=False)
PER_PAGE = 50  # tasks a page shows: the overdue ones come first, so the first page is the day's work
FAR = datetime.max.replace(tzinfo=UTC)


def ordered(rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Overdue first (the longest overdue on top), then by deadline, then those with no deadline, oldest first."""
    def due(row: dict[str, Any]) -> datetime:
        return datetime.fromisoformat(row["due_at"]) if row.get("due_at") else FAR

    marked = [{**row, "overdue": due(row) < now, "status": OrderStatus(row["status"])} for row in rows]
    return sorted(marked, key=lambda r: (not r["overdue"], due(r), r["updated_at"]))


@router.get("/inbox")
async def inbox(request: Request, session: Session, services: Svc,
                page_no: Annotated[int, Query(alias="page", ge=1, le=1000)] = 1) -> HTMLResponse:
    actor = session.auth.actor
    try:
        found = await run_in_threadpool(views.inbox, services, actor)
    except DomainError as err:
        return page(request, session.lang, "refused.html", 403, user=session, title=None, error=err)
    now = datetime.now(UTC)
    tasks = ordered(found["orders"], now)
    shown = tasks[(page_no - 1) * PER_PAGE:page_no * PER_PAGE]
    return page(request, session.lang, "inbox.html", user=session, orders=shown, total=len(tasks),
                overdue=sum(1 for t in tasks if t["overdue"]), page_no=page_no,
                more=len(tasks) > page_no * PER_PAGE,
                certifications=found.get("certifications", []), follow_ups=found.get("follow_ups", []),
                notifications=found["notifications"][:20])
