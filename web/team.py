"""The team and reports page (issue #18): for a manager, the subordinates' contact counts (联系量) and latest sales
notes (小记), as GET /team answers them; for operations, the ageing report the HTML ops report shows (counts by
status and partner, ageing, SLA breaches, the oldest orders), as GET /ops/report answers it, and the Temporal Web
UI's saved queries with their links, as GET /ops/queries answers them. Each section is shown only to a role that
may see it; the services check the permission and the scope themselves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.deps import Svc
from domain.ageing import LABELS as AGES
from domain.errors import DomainError, NotPermitted
from domain.order import OrderStatus
from domain.permissions import Perm, allowed
from orderflow.ops.html import FUNNEL, SIDE
from services import accounts, ops
from web.forms import refused_page
from web.render import page
from web.session import PREFIX, Session

router = APIRouter(prefix=f"{PREFIX}/team", include_in_schema=False)


def _report(data: dict[str, Any]) -> dict[str, Any]:
    """The report's JSON as the page's tables: statuses in the process's order, partners as columns."""
    order = {s.value: i for i, s in enumerate(FUNNEL + SIDE)}
    partners = sorted({c["partner"] for c in data["counts"]})
    cells: dict[tuple[str, str], int] = {(c["status"], c["partner"]): c["count"] for c in data["counts"]}
    statuses = sorted({c["status"] for c in data["counts"]}, key=lambda s: order.get(s, 99))
    counts = [{"status": OrderStatus(s), "cells": [cells.get((s, p), 0) for p in partners],
               "total": sum(cells.get((s, p), 0) for p in partners)} for s in statuses]
    ageing = [{"status": OrderStatus(s), "cells": [data["ageing"][s].get(a, 0) for a in AGES]}
              for s in sorted(data["ageing"], key=lambda s: order.get(s, 99))]
    oldest = [(OrderStatus(s), data["oldest"][s]) for s in sorted(data["oldest"], key=lambda s: order.get(s, 99))]
    return {"as_of": data["as_of"], "partners": partners, "counts": counts, "ageing": ageing, "ages": AGES,
            "breaches": data["breaches"], "oldest": oldest, "total": sum(r["total"] for r in counts)}


@router.get("")
async def team_page(request: Request, session: Session, services: Svc) -> HTMLResponse:
    actor = session.auth.actor
    sees_team, sees_ops = allowed(actor, Perm.SEE_TEAM), allowed(actor, Perm.OPS_REPORT)
    if not (sees_team or sees_ops):
        err: DomainError = NotPermitted("only managers and operations staff may see the team and the reports")
        return refused_page(request, session, err)
    try:
        team = await run_in_threadpool(accounts.team, services, actor) if sees_team else None
        report = _report(await run_in_threadpool(ops.ops_report, services, actor)) if sees_ops else None
        queries = await run_in_threadpool(ops.saved_queries, services, actor) if sees_ops else None
    except DomainError as err:
        return refused_page(request, session, err)
    return page(request, session.lang, "team.html", user=session, team=team, report=report, queries=queries,
                STATUS_OF=OrderStatus)
