"""The orders service: every step a person takes on an order, as the API calls it.

Each function takes the services and the signed-in actor, then the request's parameters, and returns the order
as it now stands. The checks run in this order, so that no answer tells a caller more than it may know: the
role (before anything is looked up), then the scope (an order outside it answers `NotFound`, exactly as a
missing one does), then the order's state and the rest. `key` is the request's Idempotency-Key: it goes
to Temporal as the update id, so a retried step is applied once and answers as the first attempt did.
Reads (show, list, file links) live in `services.order_reads`; the desk that sends each step in
`services.order_desk`."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from sqlalchemy.orm import Session

from db.models import Customer
from db.org_repo import scope_for
from domain.errors import Refused
from domain.fields import parse_day
from domain.order import STEPS, Action, check_role
from domain.people import Actor, Role, check_username
from orderflow.contracts import OrderView
from services.context import Services
from services.customers import missing
from services.order_desk import FileSource, OrderDesk, actor_ref, desk_for
from services.order_reads import file_link, list_orders, show_order, visible_number

__all__ = [
    "FileSource", "OrderDesk", "actor_ref", "correct", "decide_escalation", "file_link", "issue", "list_orders",
    "modify", "pay", "reassign", "receive", "receive_late", "reissue", "reject", "report_lost", "resend", "restore",
    "review", "revive", "scan", "show_order", "sign",
]

# Approve is the first review or the second, by the order's state: either reviewer passes the door, and the
# state then says which of them may (as for a rejection).
REVIEWERS = STEPS[Action.FIRST_REVIEW].roles | STEPS[Action.SECOND_REVIEW].roles


async def _door(services: Services, actor: Actor, action: Action, number: str,
                roles: frozenset[Role] | None = None) -> str:
    """The role first, then the scope: the order's number if the actor may take this kind of step and the order
    is in scope; `NotFound`, as for a missing order, otherwise."""
    check_role(action, actor, f"order {number}", roles)
    return await asyncio.to_thread(_visible, services, actor, number)


def _visible(services: Services, actor: Actor, number: str) -> str:
    with services.transaction() as session:
        return visible_number(session, actor, number)


def default_day(days_ago: int = 0) -> date:
    """Today in the business's time zone (Beijing), whatever the server's own zone."""
    from datetime import UTC, datetime

    from domain.fields import business_date

    return business_date(datetime.now(UTC)) - timedelta(days=days_ago)


async def issue(services: Services, actor: Actor, rep: str, number: str | None = None) -> OrderView:
    """Hand a numbered blank form to a rep; with no number, the lowest free one of the rep's partner.
    An issue is never repeated: a second attempt at the same number is refused, whatever its key."""
    check_role(Action.ISSUE, actor, "the next order number" if number is None else f"order {number}")
    rep = check_username(rep, "the rep who takes the form")
    desk = await desk_for(services)
    if number is None:
        return await desk.issue_next(actor, rep)
    return await desk.issue(actor, number, rep)


async def sign(services: Services, actor: Actor, number: str, customer: int, product: str, kind: str,
               amount: str, signed_on: str | None = None, key: str | None = None) -> OrderView:
    check_role(Action.SIGN, actor, f"order {number}")
    number = await asyncio.to_thread(_check_signing, services, actor, number, customer)
    day = parse_day(signed_on, "signing date") if signed_on else default_day()
    return await (await desk_for(services, key)).sign(actor, number, customer, product, kind, amount, day)


def _check_signing(services: Services, actor: Actor, number: str, customer_id: int) -> str:
    with services.transaction() as session:
        number = visible_number(session, actor, number)
        _check_signing_customer(session, actor, customer_id)
        return number


def _check_signing_customer(session: Session, actor: Actor, customer_id: int) -> None:
    """A customer outside the signer's partners answers exactly as a missing one: a guessed id tells no one
    which company another partner works with. One of the signer's partners held by another rep is refused
    without naming the customer or its holder (a rep signs only for their own customers)."""
    found = session.get(Customer, customer_id)
    if found is None:
        raise missing(customer_id)
    if found.owner is None or found.owner == actor.username:
        return  # the workflow's own check names the holder (the public pool) where the signer may know it
    if not scope_for(session, actor).covers(found.partner_code):
        raise missing(customer_id)
    raise Refused(f"Customer {customer_id} is not in {actor.username}'s warehouse: it is held in another rep's "
                  "warehouse (outside your scope). Sign for it once it is yours: only the holder's channel partner "
                  "account can move it to you (转移).")


async def receive(services: Services, actor: Actor, number: str, note: str | None = None,
                  key: str | None = None) -> OrderView:
    number = await _door(services, actor, Action.RECEIVE, number)
    return await (await desk_for(services, key)).receive(actor, number, note)


async def review(services: Services, actor: Actor, number: str, location: str | None = None,
                 key: str | None = None) -> OrderView:
    """Approve at the order's current review: the first (assistant) or the second (order group, with where
    the original is filed)."""
    number = await _door(services, actor, Action.FIRST_REVIEW, number, REVIEWERS)
    return await (await desk_for(services, key)).review(actor, number, location)


async def reject(services: Services, actor: Actor, number: str, reasons: list[str], note: str,
                 key: str | None = None) -> OrderView:
    number = await _door(services, actor, Action.REJECT, number)  # the state then says which reviewer
    return await (await desk_for(services, key)).reject(actor, number, reasons, note)


async def scan(services: Services, actor: Actor, number: str, upload: FileSource,
               key: str | None = None) -> OrderView:
    """The first scan, or a re-upload (重传) that adds a version. A retry (same key) answers as the first attempt
    did and a refused step is refused, both before the file is received; its content is checked before it is
    staged."""
    number = await _door(services, actor, Action.SCAN, number)  # SCAN and RESCAN: the same roles
    return await (await desk_for(services, key, s3=True)).scan_from(actor, number, upload)


async def pay(services: Services, actor: Actor, number: str, amount: str, paid_on: str,
              key: str | None = None) -> OrderView:
    """A payment (finance); the completing payment's value date is the effective date."""
    number = await _door(services, actor, Action.PAY, number)
    return await (await desk_for(services, key)).pay(actor, number, amount, parse_day(paid_on, "payment date"))


async def correct(services: Services, actor: Actor, number: str, note: str, amount: str | None = None,
                  product: str | None = None, key: str | None = None) -> OrderView:
    number = await _door(services, actor, Action.CORRECT, number)
    return await (await desk_for(services, key)).correct(actor, number, note, amount, product)


async def resend(services: Services, actor: Actor, number: str, note: str, key: str | None = None) -> OrderView:
    """A re-signed original is on its way for a returned order."""
    number = await _door(services, actor, Action.RESEND_ORIGINAL, number)
    return await (await desk_for(services, key)).noted(actor, number, Action.RESEND_ORIGINAL, note)


async def modify(services: Services, actor: Actor, number: str, reason: str, amount: str | None = None,
                 product: str | None = None, key: str | None = None) -> OrderView:
    number = await _door(services, actor, Action.MODIFY, number)
    return await (await desk_for(services, key)).modify(actor, number, reason, amount, product)


async def decide_escalation(services: Services, actor: Actor, number: str, allow: bool, note: str,
                            key: str | None = None) -> OrderView:
    """The supervisor allows one more round, or voids the order and its number."""
    action = Action.ALLOW_ROUND if allow else Action.VOID
    number = await _door(services, actor, action, number)
    return await (await desk_for(services, key)).noted(actor, number, action, note)


async def report_lost(services: Services, actor: Actor, number: str, note: str,
                      key: str | None = None) -> OrderView:
    """A lost blank form is voided; a lost signed original waits for a reissue."""
    number = await _door(services, actor, Action.REPORT_LOST, number)
    return await (await desk_for(services, key)).noted(actor, number, Action.REPORT_LOST, note)


async def revive(services: Services, actor: Actor, number: str, reason: str, key: str | None = None) -> OrderView:
    """An expired order comes back (order group or finance, with a reason): effective at once when the money kept
    on it covers the amount, on the completing payment's value date; otherwise waiting in a fresh payment window."""
    number = await _door(services, actor, Action.REVIVE, number)
    return await (await desk_for(services, key)).noted(actor, number, Action.REVIVE, reason)


async def receive_late(services: Services, actor: Actor, number: str, reason: str,
                       key: str | None = None) -> OrderView:
    """The original of a LOST order turned up: the order goes on at the first review. Its reissue, if unsigned, is
    voided pointing to it; if signed, the original is refused (one sale never has two live orders)."""
    number = await _door(services, actor, Action.RECEIVE_LATE, number)
    return await (await desk_for(services, key)).receive_late(actor, number, reason)


async def restore(services: Services, actor: Actor, number: str, reason: str, key: str | None = None) -> OrderView:
    """A blank form voided as lost that the rep still holds comes back to ISSUED (supervisor, with a reason)."""
    number = await _door(services, actor, Action.RESTORE, number)
    return await (await desk_for(services, key)).restore(actor, number, reason)


async def reassign(services: Services, actor: Actor, number: str, to: str, reason: str,
                   key: str | None = None) -> OrderView:
    """An open order of a rep who left (or is leaving) goes to another active rep of its partner: the partner
    account or a manager in scope, with a reason; every rep step is then the new rep's."""
    to = check_username(to, "to")
    number = await _door(services, actor, Action.REASSIGN, number)
    return await (await desk_for(services, key)).reassign(actor, number, to, reason)


async def reissue(services: Services, actor: Actor, number: str, new_number: str,
                  key: str | None = None) -> OrderView:
    number = await _door(services, actor, Action.REISSUE, number)
    return await (await desk_for(services, key)).reissue(actor, number, new_number)
