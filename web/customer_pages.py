"""What the customers' pages show: the warehouse (the list in scope, its count against the cap, the recycling
warnings) and one customer (its ownership history). Each read calls the service the API's route calls."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.deps import Svc
from domain.errors import DomainError
from domain.permissions import Perm, allowed
from domain.warehouse import cap_of
from services import customers, views, warehouse
from web.forms import refused_page
from web.labels import N_
from web.render import page
from web.session import DeskSession

PAGE = 50
COUNT_UP_TO = 5000  # how many rows are read to count the caller's own warehouse (a cap is 400 or 1500)
RECYCLE_WARNING = "recycle-warning"  # the notification the daily recycling run writes (activities/customers.py)

# How a hit matched (domain.collisions.Match's values), and the masked holder (services.customers.HIDDEN_HOLDER).
MATCH = {"name": N_("the same name"), "phone": N_("the same telephone"), "fax": N_("the same fax"),
         "similar name": N_("a similar name")}
HIDDEN = N_("another rep's warehouse (outside your scope)")

DONE = {"added": N_("The customer is in your warehouse."), "claimed": N_("The customer is in your warehouse."),
        "applied": N_("Your transfer-in application is filed; the approval group decides."),
        "noted": N_("The sales note is recorded."), "handed": N_("The customer was handed over.")}


def forms_of(session: DeskSession) -> dict[str, bool]:
    """Which forms the signed-in person's role allows (domain.permissions, the one table)."""
    actor = session.auth.actor
    return {"enter": allowed(actor, Perm.ENTER_CUSTOMER), "claim": allowed(actor, Perm.CLAIM),
            "transfer_in": allowed(actor, Perm.TRANSFER_IN), "note": allowed(actor, Perm.NOTE),
            "hand_over": allowed(actor, Perm.HAND_OVER)}


def _counts(services: Any, session: DeskSession) -> dict[str, int] | None:
    """The caller's own warehouse against its cap (a rep's, or the partner account's own); None without one."""
    actor = session.auth.actor
    caps = services.settings.caps()
    if actor.role not in caps or not allowed(actor, Perm.SEE_CUSTOMERS):
        return None
    rows = customers.list_customers(services, actor, limit=COUNT_UP_TO)
    return {"held": sum(1 for r in rows if r["owner"] == actor.username),
            "cap": cap_of(actor.username, actor.role, caps)}


def _warnings(services: Any, session: DeskSession) -> list[dict[str, Any]]:
    """The recycling warnings among the caller's notifications (the inbox's own read)."""
    try:
        notes = views.inbox(services, session.auth.actor)["notifications"]
    except DomainError:
        return []
    return [{"customer": n["order"].removeprefix("customer:"), "text": n["text"], "at": n["at"]}
            for n in notes if n["kind"] == RECYCLE_WARNING]


async def warehouse_page(request: Request, session: DeskSession, services: Svc, *, offset: int = 0,
                         error: DomainError | None = None, failed: str | None = None,
                         sent: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    actor = session.auth.actor
    rows: list[dict[str, Any]] = []
    if allowed(actor, Perm.SEE_CUSTOMERS):
        try:
            rows = await run_in_threadpool(lambda: customers.list_customers(services, actor, limit=PAGE + 1,
                                                                            offset=offset))
        except DomainError as err:
            return refused_page(request, session, err)
    counts = await run_in_threadpool(_counts, services, session)
    warnings = await run_in_threadpool(_warnings, services, session)
    done = DONE.get(request.query_params.get("done", ""))
    return page(request, session.lang, "customers.html", status_code, user=session, rows=rows[:PAGE],
                more=len(rows) > PAGE, offset=offset, counts=counts, warnings=warnings, forms=forms_of(session),
                error=error, failed=failed, sent=sent or {}, done=done)


async def customer_page(request: Request, session: DeskSession, services: Svc, customer_id: int, *,
                        error: DomainError | None = None, failed: str | None = None,
                        sent: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    actor = session.auth.actor
    try:
        story = await run_in_threadpool(lambda: warehouse.history(services, actor, customer_id))
    except DomainError as err:
        return refused_page(request, session, err)
    owner = story[-1]["to"] if story else None
    # The name, from the list of the caller's scope (history checked the scope): no service reads one customer
    # (a read of one customer in services.customers would replace this).
    found = await run_in_threadpool(lambda: customers.list_customers(services, actor, limit=COUNT_UP_TO))
    name = next((c["name"] for c in found if c["id"] == customer_id), None)
    done = DONE.get(request.query_params.get("done", ""))
    return page(request, session.lang, "customers_one.html", status_code, user=session, customer=customer_id,
                name=name, owner=owner, story=story, forms=forms_of(session), error=error, failed=failed,
                sent=sent or {}, done=done)
