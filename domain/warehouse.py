"""Who may take a customer into a warehouse, and when (挑入, 转移, 调入)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.collisions import Entry
from domain.customers import address_key
from domain.errors import NotPermitted, Refused
from domain.fields import business_date
from domain.order import TERMINAL, OrderStatus
from domain.people import Actor, Role
from domain.permissions import Perm, require
from domain.regions import in_regions, same_region

# A customer with an order whose status is not one of these is being served: the order is in flight.
FINAL_ORDER_STATUSES = frozenset(status.value for status in TERMINAL)
EFFECTIVE = OrderStatus.EFFECTIVE.value  # the one final status that protects, for protect_days after it


@dataclass(frozen=True)
class ClaimRules:
    daily_limit: int = 5  # claims per rep per business day
    cooldown: timedelta = timedelta(days=30)  # before a previous owner may claim the customer back


@dataclass(frozen=True)
class PoolCustomer:
    id: int
    name: str
    owner: str | None
    holder: str
    region: str


def _in_the_pool(customer: PoolCustomer, actor: Actor) -> None:
    """Claims and transfer-ins take customers from the public pool only."""
    if customer.owner == actor.username:
        raise Refused(f"customer {customer.id} '{customer.name}' is already yours")
    if customer.owner is not None:
        raise Refused(f"customer {customer.id} '{customer.name}' is held by {customer.holder}, not in the pool; "
                      "ask the holder for a hand-over")


def check_claim(customer: PoolCustomer, actor: Actor, claims_today: int, released_by_actor_at: datetime | None,
                now: datetime, rules: ClaimRules) -> None:
    require(actor, Perm.CLAIM, "claim customers")
    _in_the_pool(customer, actor)
    if not in_regions(customer.region, actor.regions):
        raise Refused(f"customer {customer.id} '{customer.name}' is in the pool under region {customer.region}, "
                      f"outside your regions ({', '.join(sorted(actor.regions)) or 'none'}): file a transfer-in "
                      f"application with `orderflow customer transfer-in {customer.id} --reason ... --region ...` "
                      "and the four facts confirmed with the customer (--name, --phone, --fax, --address)")
    if claims_today >= rules.daily_limit:
        raise Refused(f"{actor.username} has claimed {claims_today} customers today; the daily limit is "
                      f"{rules.daily_limit}")
    if released_by_actor_at is not None and now < released_by_actor_at + rules.cooldown:
        raise Refused(f"customer {customer.id} left {actor.username}'s warehouse on {released_by_actor_at:%Y-%m-%d}; "
                      f"it may be claimed back from {released_by_actor_at + rules.cooldown:%Y-%m-%d}")


def check_hand_over(customer: PoolCustomer, actor: Actor, owner: Actor | None, target: Actor | None,
                    target_name: str) -> None:
    """转移: a channel partner moves a customer between its own reps."""
    require(actor, Perm.HAND_OVER, "hand customers over (the channel partner's transfer right)")
    if owner is None or not (owner.partners & actor.partners):
        raise NotPermitted(f"customer {customer.id} '{customer.name}' is held by {customer.holder}, "
                           f"not by one of {actor.username}'s reps")
    if target is None:
        raise Refused(f"there is no user '{target_name}' to hand customer {customer.id} to")
    if target.role is not Role.SALES or not target.active or not (target.partners & actor.partners):
        raise Refused(f"customer {customer.id} can only go to an active sales rep of {actor.username}; "
                      f"{target.describe()} is not one")
    if target.username == customer.owner:
        raise Refused(f"customer {customer.id} is already in {target.username}'s warehouse")


def check_transfer_in(customer: PoolCustomer, actor: Actor, region: str) -> str:
    """调入申请 is for a pool customer under a region that is not the rep's, into the one of the rep's regions the
    rep names; returns that region in the org's spelling."""
    require(actor, Perm.TRANSFER_IN, "apply to transfer customers in")
    _in_the_pool(customer, actor)
    if in_regions(customer.region, actor.regions):
        raise Refused(f"customer {customer.id} '{customer.name}' is in the pool of your own region "
                      f"{customer.region}: claim it with `orderflow customer claim {customer.id}`")
    if not actor.regions:
        raise Refused(f"{actor.username} has no region in the org file to transfer customer {customer.id} into")
    target = next((r for r in sorted(actor.regions) if same_region(r, region)), None)
    if target is None:
        raise Refused(f"region {region} is not one of {actor.username}'s regions ({', '.join(sorted(actor.regions))})"
                      f": a transfer-in brings customer {customer.id} into one of them")
    return target


@dataclass(frozen=True)
class StoredFacts:
    """The four facts of a stored customer, as keys: what a rep's confirmation is compared with."""

    name_key: str
    phone_key: str
    fax_key: str
    address: str


def check_confirmed_facts(customer_id: int, confirmed: Entry, stored: StoredFacts) -> None:
    """Before 调入 the rep confirms the four facts with the customer (the deck's rule); each must match the record
    however it is written. The record's values are not shown: they must come from the customer, not from us."""
    wrong = [what for what, same in (
        ("company name", confirmed.name_key == stored.name_key),
        ("phone", confirmed.phone_number.e164 == stored.phone_key),
        ("fax", confirmed.fax_number.e164 == stored.fax_key),
        ("address", address_key(confirmed.address) == address_key(stored.address))) if not same]
    if wrong:
        raise Refused(f"the {', '.join(wrong)} you confirmed {'does' if len(wrong) == 1 else 'do'} not match customer "
                      f"{customer_id}'s record: confirm the four facts with the customer again before applying; if "
                      "the record is wrong, ask the order group to correct it")


# Recycling (回收) sends a customer without follow-up back to the public pool. A customer being served is never
# recycled nor warned, whatever its notes: one with an order in flight, or with an order that took effect on or
# after protected_since(). Otherwise the rep who signed it loses it (the deck's first complaint).
# db.warehouse_repo.stale_customers asks exactly this of the database.


def order_in_flight(status: str) -> bool:
    return status not in FINAL_ORDER_STATUSES


def protected_since(as_of: datetime, protect_days: int) -> date:
    """The first business day on which an order that took effect still protects its customer at `as_of`."""
    return business_date(as_of - timedelta(days=protect_days))


def recycle_date(last_contact_at: datetime, after_days: int, run_at: datetime) -> date:
    """The business day of the daily run that will recycle a customer last contacted at `last_contact_at`. Runs
    come once a day at `run_at`'s time and take customers whose last contact is more than `after_days` old."""
    due = last_contact_at + timedelta(days=after_days)
    runs_ahead = max(1, (due - run_at) // timedelta(days=1) + 1)
    return business_date(run_at + timedelta(days=runs_ahead))
