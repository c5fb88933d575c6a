"""Corrections of a customer's facts (the deck's case 2). Phone, fax and address are corrected at once by the
holder, the holder's supervisor, the partner account or the order group; each new number is checked for
collisions like an entry. A collision refuses the correction with entry's answer, and both holders are told."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from activities.deliveries import delivery_config
from activities.notifications import NotificationActivities
from db.customer_repo import number_hits, partners_of, replace_facts
from db.models import Customer
from db.org_repo import load_actor, scope_for
from db.warehouse_repo import lock_customer
from domain.collisions import Hit, Match, decide_entry
from domain.corrections import Correction, check_correction, check_corrector, flags_after
from domain.errors import Refused
from domain.people import Actor
from domain.permissions import Perm, require
from orderflow.contracts import NotifyInput
from orderflow.notify import LogSender
from services.context import Services
from services.customers import check_customer_visible, masked, visible

OUTSIDE = "a customer in another rep's warehouse (outside your scope)"


def correct_customer(services: Services, actor: Actor, customer_id: int, *, phone: str | None = None,
                     fax: str | None = None, address: str | None = None, reason: str,
                     same_phone_fax: bool = False) -> dict[str, Any]:
    """Correct the phone, fax or address of a customer the caller may correct. Each change is recorded (who,
    when, before, after, why). A new number that is another customer's refuses the whole correction, in the words
    an entry would get, and tells both holders (a notification each, once per conflict)."""
    require(actor, Perm.CORRECT_CUSTOMER, "correct customers")

    def check(region: str) -> Correction:
        """Checked once the customer is found: a local number is read with the area code of its region."""
        return check_correction(phone, fax, address, reason, region)

    try:
        return _correct(services, actor, customer_id, check, same_phone_fax)
    except IntegrityError:
        # A concurrent entry or correction took a new number between the check and the write; the unique key
        # refused ours, nothing of it stayed, and a second pass finds that number as a collision.
        return _correct(services, actor, customer_id, check, same_phone_fax)


def _correct(services: Services, actor: Actor, customer_id: int, check: Callable[[str], Correction],
             same_phone_fax: bool) -> dict[str, Any]:
    with services.transaction() as session:
        check_customer_visible(session, actor, customer_id)
        customer = lock_customer(session, customer_id)
        holder = load_actor(session, customer.owner) if customer.owner else None
        check_corrector(actor, customer_id, holder, customer.partner_code)
        correction = check(customer.region)
        numbers = {Match.PHONE: correction.phone.number.e164 if correction.phone else customer.phone_key,
                   Match.FAX: correction.fax.number.e164 if correction.fax else customer.fax_key}
        typed = {m: n for m, n in numbers.items() if (correction.phone if m is Match.PHONE else correction.fax)}
        flags = flags_after(list(customer.risk_flags or []), numbers[Match.PHONE], numbers[Match.FAX],
                            same_phone_fax, touched=bool(typed))
        hits = number_hits(session, typed, customer_id) if typed else []
        if not hits:
            changed = replace_facts(session, customer, correction, flags, actor=actor.username,
                                    at=datetime.now(UTC))
            if not changed:
                raise Refused(f"customer {customer_id} already has these facts; nothing was corrected")
            return {"id": customer.id, "name": customer.name, "phone": customer.phone_key, "fax": customer.fax_key,
                    "address": customer.address, "risk_flags": customer.risk_flags, "corrected": changed}
        notes = conflict_notes(session, actor, customer, hits, numbers)
        refusal = refused(session, actor, customer, hits)
    # Nothing was written. Each holder is told in its own transaction, exactly once per conflict (by its key).
    tell(services, notes)
    raise refusal


def tell(services: Services, notes: list[NotifyInput]) -> None:
    """Store and send notifications through the path the workflows use, each once by its key."""
    # planned for the channels this deployment sends (as the worker would); the sweep starts them.
    notifier = NotificationActivities(services.sessions, LogSender(),
                                      channels=delivery_config(services.settings).channels)
    for note in notes:
        notifier.notify(note)


def refused(session: Session, actor: Actor, customer: Customer, hits: list[Hit]) -> Refused:
    """Entry's answer, as if the customer's holder had entered the new number, hidden where the caller may not
    see the other customer."""
    try:
        decide_entry(masked(session, actor, hits), customer.owner or "", customer.region, confirm_distinct=True)
    except Refused as err:
        return Refused(f"customer {customer.id} was not corrected: {err.message}")
    raise AssertionError("an exact number hit always refuses")  # pragma: no cover


def conflict_notes(session: Session, actor: Actor, customer: Customer, hits: list[Hit],
                   values: dict[Match, str]) -> list[NotifyInput]:
    """One notification to each holder, naming the other side only where the recipient may see it. `values`:
    the corrected value under each kind of match (the new phone, fax or name)."""
    partners = partners_of(session, {h.customer_id for h in hits})
    notes: dict[str, NotifyInput] = {}
    for hit in hits:
        number, what = values[hit.match], "name" if hit.match is Match.NAME else "number"
        for recipient, about in ((customer.owner, customer.id), (hit.owner, hit.customer_id)):
            key = f"customer:{customer.id}:{what}-collision:{hit.customer_id}:{number}:{recipient}"[:200]
            if recipient is None or key in notes:  # a pool customer has no holder; one holder of both: one note
                continue
            scope = scope_for(session, load_actor(session, recipient))
            ours = (f"{actor.username} corrected customer {customer.id} '{customer.name}'"
                    if visible(scope, customer.owner, customer.partner_code) else
                    "a customer in another rep's warehouse was corrected")
            theirs = (f"customer {hit.customer_id} '{hit.name}', held by {hit.holder}"
                      if visible(scope, hit.owner, partners.get(hit.customer_id)) else OUTSIDE)
            notes[key] = NotifyInput(
                key=key, recipient=recipient, order_number=f"customer:{about}", kind=f"{what}-collision",
                due_at=None,
                text=f"{what.capitalize()} collision (撞单): {ours} to {hit.match.value} {number}, which is already "
                     f"the {what} of {theirs}. The correction was refused; settle whose {what} it is with the "
                     "partner account or the order group.")
    return list(notes.values())
