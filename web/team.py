"""The team and reports page (issue #18): for a manager, the subordinates' contact counts (联系量) and latest sales
notes (小记), as GET /team answers them; for operations, the ageing report the HTML ops report shows (counts by
status and partner, ageing, SLA breaches, the oldest orders), as GET /ops/report answers it, and the Temporal Web
UI's saved queries with their links, as GET /ops/queries answers them. Each section is shown only to a role that
may see it; the services check the permission and the scope themselves.

The report's two charts, the status funnel and the ageing of open orders, are the HTML ops report's own
(orderflow.ops.html builds their geometry); the page draws them as inline SVG with the desk's words, the tables
below them telling the same numbers as text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.deps import Svc
from domain.ageing import LABELS as AGES
from domain.errors import DomainError, NotPermitted
from domain.order import OrderStatus
from domain.permissions import Perm, allowed
from orderflow.ops.html import COLOURS, FUNNEL, SIDE, ageing_chart, funnel_chart
from services import accounts, ops
from web.forms import refused_page
from web.labels import N_
from web.render import page
from web.session import PREFIX, Session

router = APIRouter(prefix=f"{PREFIX}/team", include_in_schema=False)

# How long an open order has waited, for each of domain.ageing's buckets (young to old).
AGE: dict[str, str] = {
    "<1d": N_("under 1 day"),
    "1-3d": N_("1 to 3 days"),
    "3-7d": N_("3 to 7 days"),
    "7-30d": N_("7 to 30 days"),
    ">30d": N_("over 30 days"),
}

# The saved queries of orderflow.ops.queries, keyed by their English names with the partner and the user they
# were made for as {partner} and {user}: the desk shows them in its own words. A name not found here is shown
# as it comes (tests/desk/test_desk_team.py checks that every saved query has its words).
QUERY: dict[str, str] = {
    "waiting for second review": N_("Waiting for the second review"),
    "overdue originals": N_("Originals past due"),
    "returned orders older than 5 days": N_("Orders returned more than 5 days ago"),
    "orders of partner {partner}": N_("Orders of partner %(partner)s"),
    "waiting for {user}": N_("Waiting for %(user)s"),
    "escalated to a supervisor": N_("Escalated to a supervisor"),
    "lost originals waiting for a reissue": N_("Lost originals waiting for a reissue"),
    "every overdue step": N_("Every step past due"),
    "certifications waiting for the agency longer than 5 days":
        N_("Certifications at the agency for more than 5 days"),
    "follow-ups overdue": N_("Follow-ups past due"),
}
# A partner code or a username has no space (services check their form before a query is made with them).
_QUERY_NAMES = [(re.compile(re.escape(key).replace(r"\{partner\}", r"(?P<partner>\S+)")
                            .replace(r"\{user\}", r"(?P<user>\S+)") + r"\Z"), label)
                for key, label in sorted(QUERY.items(), key=lambda item: "{" in item[0])]


def query_name(name: str) -> tuple[str, dict[str, str]] | None:
    """The words for a saved query's English name, with the values to put in them (for `_(words, **values)`);
    None for an unknown name, which the page shows as text: gettext trusts its message as markup, so a name is
    never handed to it. Names without a value are tried first: "waiting for second review" is not "waiting for"
    a user called "second review"."""
    for pattern, label in _QUERY_NAMES:
        if found := pattern.match(name):
            return label, {"partner": "", "user": "", **found.groupdict()}
    return None


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    """The HTML report's funnel and ageing charts, from the report's JSON."""
    totals: dict[OrderStatus, int] = {}
    for c in data["counts"]:
        totals[OrderStatus(c["status"])] = totals.get(OrderStatus(c["status"]), 0) + c["count"]
    ageing: Mapping[OrderStatus, Mapping[str, int]] = {OrderStatus(s): dict(by_age)
                                                      for s, by_age in data["ageing"].items()}
    return {"funnel": funnel_chart(totals), "ageing_chart": ageing_chart(ageing),
            "legend": list(zip(AGES, COLOURS, strict=True))}


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
            "breaches": data["breaches"], "oldest": oldest, "total": sum(r["total"] for r in counts),
            **_charts(data)}


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
        queries = [{**q, "words": query_name(q["name"])} for q in
                   await run_in_threadpool(ops.saved_queries, services, actor)] if sees_ops else None
    except DomainError as err:
        return refused_page(request, session, err)
    return page(request, session.lang, "team.html", user=session, team=team, report=report, queries=queries,
                STATUS_OF=OrderStatus, AGE=AGE)
