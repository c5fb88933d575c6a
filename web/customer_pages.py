"""What the customers' pages show: the warehouse (the list in scope, its count against the cap, the recycling
warnings), the public pool (公海) to claim from, and one customer (its ownership history). Each read calls the
service the API's route calls."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from api.deps import Svc
from api.errors import STATUS
from domain.errors import DomainError, ErrorKind
from domain.permissions import Perm, allowed
from services import customers, views, warehouse
from web.forms import refused_page
from web.labels import N_
from web.render import page
from web.session import DeskSession

PAGE = 50
RECYCLE_WARNING = "recycle-warning"  # the notification the daily recycling run writes (activities/customers.py)

# How a hit matched (domain.collisions.Match's values), and the masked holder (services.customers.HIDDEN_HOLDER).
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
    if actor.role not in services.settings.caps() or not allowed(actor, Perm.SEE_CUSTOMERS):
        return None
    found = warehouse.holdings(services, actor)
    return {"held": found["held"], "cap": found["cap"]}


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


# Why a customer went to the pool, by the kind the pool's rows give (services.warehouse.POOL_WHY).
POOL_REASONS = {"recycled": N_("Recycled: no follow-up"), "rep_left": N_("Its rep left"), "other": N_("Released")}


def pool_reason(reason: str | None) -> str | None:
    """The desk's words for why a customer is in the pool (to translate); None when no record says."""
    return POOL_REASONS.get(reason or "")


async def pool_page(request: Request, session: DeskSession, services: Svc, *, query: str = "", offset: int = 0,
                    error: DomainError | None = None, status_code: int = 200) -> HTMLResponse:
    """公海: the pool customers of the caller's regions, with a search box and pages; each row has a claim button
    (挑入) that posts to the warehouse's claim form. A refused claim comes back here with its words and the search."""
    actor = session.auth.actor
    try:
        rows = await run_in_threadpool(lambda: warehouse.pool(services, actor, query=query or None,
                                                              limit=PAGE + 1, offset=offset))
    except DomainError as err:
        if err.kind is not ErrorKind.INVALID:  # a role that may not claim: the page is refused, in words
            return refused_page(request, session, err)
        # A search the service refuses (too long): the page says why and keeps what was typed.
        rows, error = [], error or err
        status_code = STATUS.get(error.kind, 400)
    counts = await run_in_threadpool(_counts, services, session)
    for r in rows:
        r["reason_label"] = pool_reason(r["reason"])
    return page(request, session.lang, "customers_pool.html", status_code, user=session, rows=rows[:PAGE],
                more=len(rows) > PAGE, offset=offset, query=query, counts=counts, error=error, page_size=PAGE)


async def customer_page(request: Request, session: DeskSession, services: Svc, customer_id: int, *,
                        error: DomainError | None = None, failed: str | None = None,
                        sent: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    actor = session.auth.actor
    try:
        story = await run_in_threadpool(lambda: warehouse.history(services, actor, customer_id))
        found = await run_in_threadpool(customers.one_customer, services, actor, customer_id)
    except DomainError as err:
        return refused_page(request, session, err)
    owner, name = found["owner"], found["name"]
    done = DONE.get(request.query_params.get("done", ""))
    return page(request, session.lang, "customers_one.html", status_code, user=session, customer=customer_id,
                name=name, owner=owner, story=story, forms=forms_of(session), error=error, failed=failed,
                sent=sent or {}, done=done)
