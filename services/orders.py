"""The orders service: every step a person takes on an order, as the API calls it.

Each function takes the services and the signed-in actor, then the request's parameters, and returns the order
as it now stands. An order outside the actor's scope answers `NotFound`, exactly as a missing one does, before
any rule about the step could tell the caller that it exists. `key` is the request's Idempotency-Key: it goes
to Temporal as the update id, so a retried step is applied once and answers as the first attempt did.
Reads (show, list, file links) live in `services.order_reads`; the desk that sends each step in
`services.order_desk`."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from db.models import Customer
from db.org_repo import scope_for
from domain.errors import NotFound, Refused
from domain.fields import parse_day
from domain.order import Action, OrderStatus, check_step
from domain.people import Actor
from orderflow.contracts import OrderView
from services.context import Services
from services.order_desk import OrderDesk, actor_ref, inspect_local_scan
from services.order_reads import (
    check_visible,
    file_link,
    list_orders,
    order_row,
    sees,
    show_order,
    visible_number,
    visible_order,
)

__all__ = [
    "FileSource", "OrderDesk", "actor_ref", "check_visible", "correct", "decide_escalation", "default_day", "file_link",
    "inspect_local_scan", "issue", "list_orders", "modify", "order_row", "pay", "receive", "reissue", "reject",
    "report_lost", "resend", "review", "scan", "show_order", "sign", "visible_order",
]

# Receives the uploaded file and yields it as a local path, removing it afterwards (the API's streamed body).
FileSource = Callable[[], AbstractAsyncContextManager[Path]]


async def _desk(services: Services, key: str | None = None, s3: bool = False) -> OrderDesk:
    return OrderDesk(await services.temporal(), services.sessions, services.settings,
                     services.s3() if s3 else None, request_id=key)


def _visible(services: Services, actor: Actor, number: str) -> str:
    with services.transaction() as session:
        return visible_number(session, actor, number)


def default_day(days_ago: int = 0) -> date:
    """Today in the business's time zone (Beijing), whatever the server's own zone."""
    from datetime import UTC, datetime

    from domain.fields import business_date

    return business_date(datetime.now(UTC)) - timedelta(days=days_ago)


async def issue(services: Services, actor: Actor, rep: str, number: str | None = None) -> OrderView:
    """Hand a numbered blank form to a rep; with no number, the lowest free one of the assistant's partners.
    An issue is never repeated: a second attempt at the same number is refused, whatever its key."""
    desk = await _desk(services)
    if number is None:
        return await desk.issue_next(actor, rep)
    return await desk.issue(actor, number, rep)


async def sign(services: Services, actor: Actor, number: str, customer: int, product: str, kind: str,
               amount: str, signed_on: str | None = None, key: str | None = None) -> OrderView:
    with services.transaction() as session:
        number = visible_number(session, actor, number)
        _check_signing_customer(session, actor, customer)
    day = parse_day(signed_on, "signing date") if signed_on else default_day()
    return await (await _desk(services, key)).sign(actor, number, customer, product, kind, amount, day)


def _check_signing_customer(session: Session, actor: Actor, customer_id: int) -> None:
    """Signing for a customer held outside the signer's scope is refused without naming the customer or its
    holder: a guessed customer id tells no one which company another rep or partner works with."""
    found = session.get(Customer, customer_id)
    if found is None:
        raise NotFound(f"there is no customer {customer_id}")
    if found.owner is None or found.owner == actor.username or sees(scope_for(session, actor), found.partner_code,
                                                                     found.owner):
        return  # the workflow's own check names the holder where the signer may know it
    raise Refused(f"Customer {customer_id} is not in {actor.username}'s warehouse: it is held in another rep's "
                  "warehouse (outside your scope). Ask the holder for a hand-over before signing.")


async def receive(services: Services, actor: Actor, number: str, note: str | None = None,
                  key: str | None = None) -> OrderView:
    number = _visible(services, actor, number)
    return await (await _desk(services, key)).receive(actor, number, note)


async def review(services: Services, actor: Actor, number: str, location: str | None = None,
                 key: str | None = None) -> OrderView:
    """Approve at the order's current review: the first (assistant) or the second (order group, with where
    the original is filed)."""
    number = _visible(services, actor, number)
    return await (await _desk(services, key)).review(actor, number, location)


async def reject(services: Services, actor: Actor, number: str, reasons: list[str], note: str,
                 key: str | None = None) -> OrderView:
    number = _visible(services, actor, number)
    return await (await _desk(services, key)).reject(actor, number, reasons, note)


async def scan(services: Services, actor: Actor, number: str, upload: FileSource,
               key: str | None = None) -> OrderView:
    """The first scan, or a re-upload (重传) that adds a version. The step is checked before the file is
    received, so a refused request uploads nothing; the file's content is checked before it is staged."""
    number = _visible(services, actor, number)
    desk = await _desk(services, key, s3=True)
    now = desk.standing(number)
    check_step(Action.SCAN if now.status is OrderStatus.AWAITING_SCAN else Action.RESCAN, now.status, actor,
               now.parties)
    async with upload() as path:
        return await desk.scan(actor, number, path)


async def pay(services: Services, actor: Actor, number: str, amount: str, paid_on: str,
              key: str | None = None) -> OrderView:
    """A payment (finance); the completing payment's value date is the effective date."""
    number = _visible(services, actor, number)
    return await (await _desk(services, key)).pay(actor, number, amount, parse_day(paid_on, "payment date"))


async def correct(services: Services, actor: Actor, number: str, note: str, amount: str | None = None,
                  product: str | None = None, key: str | None = None) -> OrderView:
    number = _visible(services, actor, number)
    return await (await _desk(services, key)).correct(actor, number, note, amount, product)


async def resend(services: Services, actor: Actor, number: str, note: str, key: str | None = None) -> OrderView:
    """A re-signed original is on its way for a returned order."""
    number = _visible(services, actor, number)
    return await (await _desk(services, key)).noted(actor, number, Action.RESEND_ORIGINAL, note)


async def modify(services: Services, actor: Actor, number: str, reason: str, amount: str | None = None,
                 product: str | None = None, key: str | None = None) -> OrderView:
    number = _visible(services, actor, number)
    return await (await _desk(services, key)).modify(actor, number, reason, amount, product)


async def decide_escalation(services: Services, actor: Actor, number: str, allow: bool, note: str,
                            key: str | None = None) -> OrderView:
    """The supervisor allows one more round, or voids the order and its number."""
    number = _visible(services, actor, number)
    action = Action.ALLOW_ROUND if allow else Action.VOID
    return await (await _desk(services, key)).noted(actor, number, action, note)


async def report_lost(services: Services, actor: Actor, number: str, note: str,
                      key: str | None = None) -> OrderView:
    """A lost blank form is voided; a lost signed original waits for a reissue."""
    number = _visible(services, actor, number)
    return await (await _desk(services, key)).noted(actor, number, Action.REPORT_LOST, note)


async def reissue(services: Services, actor: Actor, number: str, new_number: str,
                  key: str | None = None) -> OrderView:
    number = _visible(services, actor, number)
    return await (await _desk(services, key)).reissue(actor, number, new_number)
