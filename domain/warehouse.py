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


DEFAULT_CAPS = {Role.SALES: 400, Role.PARTNER: 1500}


def check_cap(owner: str, role: Role, held: int, caps: dict[Role, int], adding: int = 1) -> None:
    """仓库上限: the one rule for how many customers a warehouse holds (a rep's, or the partner account's own)."""
    if held + adding > cap_of(owner, role, caps):
        raise Refused(f"{owner}'s warehouse holds {held} customers; the cap for a {role.value} is {caps[role]}",
                      {"owner": owner, "held": str(held), "cap": str(caps[role])}, code="cap_full")


def check_follow_cap(number: str, customer_id: int, to: str, role: Role, held: int, caps: dict[Role, int]) -> None:
    """A reassigned order's customer follows it into the new rep's warehouse (domain.order.reassigned_customer_moves),
    under the one cap rule: past it the reassignment is refused before anything changes, never done with the
    customer left behind (its order would then be served from another warehouse) nor with the cap broken."""
    try:
        check_cap(to, role, held, caps)
    except Refused as full:
        raise Refused(f"order {number} was not reassigned: its customer {customer_id} would follow it to {to}, and "
                      f"{full.message}. Reassign the order to another rep of its partner, or have the partner account "
                      f"first hand one of {to}'s customers over (转移: customer hand-over ID --to ...) to another rep "
                      "or to its own warehouse") from None


def cap_of(owner: str, role: Role, caps: dict[Role, int]) -> int:
    cap = caps.get(role)
    if cap is None:
        raise Refused(f"{owner} is a {role.value} and has no warehouse")
    return cap


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
        raise Refused(f"customer {customer.id} '{customer.name}' is already yours",
                      {"customer": str(customer.id), "name": customer.name}, code="already_yours")
    if customer.owner is not None:
        raise Refused(f"customer {customer.id} '{customer.name}' is held by {customer.holder}, not in the pool; "
                      "only the holder's channel partner account can move it to another rep (转移)",
                      {"customer": str(customer.id), "name": customer.name, "holder": customer.holder},
                      code="not_in_pool")


def check_claim(customer: PoolCustomer, actor: Actor, claims_today: int, released_by_actor_at: datetime | None,
                now: datetime, rules: ClaimRules) -> None:
    require(actor, Perm.CLAIM, "claim customers")
    _in_the_pool(customer, actor)
    if not in_regions(customer.region, actor.regions):
        raise Refused(f"customer {customer.id} '{customer.name}' is in the pool under region {customer.region}, "
                      f"outside your regions ({', '.join(sorted(actor.regions)) or 'none'}): file a transfer-in "
                      f"application with `orderflow customer transfer-in {customer.id} --reason ... --region ...` "
                      "and the four facts confirmed with the customer (--name, --phone, --fax, --address)",
                      {"customer": str(customer.id), "name": customer.name, "region": customer.region,
                       "regions": "、".join(sorted(actor.regions))}, code="outside_regions")
    if claims_today >= rules.daily_limit:
        raise Refused(f"{actor.username} has claimed {claims_today} customers today; the daily limit is "
                      f"{rules.daily_limit}", {"claimed": str(claims_today), "limit": str(rules.daily_limit)},
                      code="daily_limit")
    if released_by_actor_at is not None and now < released_by_actor_at + rules.cooldown:
        raise Refused(f"customer {customer.id} left {actor.username}'s warehouse on {released_by_actor_at:%Y-%m-%d}; "
                      f"it may be claimed back from {released_by_actor_at + rules.cooldown:%Y-%m-%d}",
                      {"customer": str(customer.id), "left": f"{released_by_actor_at:%Y-%m-%d}",
                       "back": f"{released_by_actor_at + rules.cooldown:%Y-%m-%d}"}, code="cooldown")


def check_hand_over(customer: PoolCustomer, actor: Actor, owner: Actor | None, target: Actor | None,
                    target_name: str) -> None:
    """转移: a channel partner moves a customer between its own reps and its own warehouse (the account itself)."""
    require(actor, Perm.HAND_OVER, "hand customers over (the channel partner's transfer right)")
    if owner is None or not (owner.partners & actor.partners):
        raise NotPermitted(f"customer {customer.id} '{customer.name}' is held by {customer.holder}, "
                           f"not by one of {actor.username}'s reps")
    if target is None:
        raise Refused(f"there is no user '{target_name}' to hand customer {customer.id} to")
    own_warehouse = target.username == actor.username
    if not own_warehouse and (target.role is not Role.SALES or not target.active
                              or not (target.partners & actor.partners)):
        raise Refused(f"customer {customer.id} can only go to an active sales rep of {actor.username} or to "
                      f"{actor.username}'s own warehouse; {target.describe()} is neither")
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


# A leaver's warehouse (a rep's account closed, or the rep deactivated by an org reload) goes to the partner
# account's own warehouse, so the partner can hand it on (转移). A customer with an order in flight always goes
# there, even past the cap: sending it to the pool would take it from the order being served (the deck's first
# complaint). The others fill the room left, most recently contacted first; the rest, the oldest contacts, go to
# the public pool. With no active partner account the customers being served stay where they are (the order's rep
# is the holder) and the others go to the pool.


@dataclass(frozen=True)
class LeftCustomer:
    id: int
    last_contact_at: datetime
    in_flight: bool


@dataclass(frozen=True)
class Placement:
    to_partner: list[int]
    to_pool: list[int]
    kept: list[int]


def place_left_customers(customers: list[LeftCustomer], account: str | None, held: int,
                         caps: dict[Role, int]) -> Placement:
    """Where a leaver's customers go: `account` is the partner account (None: there is none), holding `held`."""
    served = [c.id for c in customers if c.in_flight]
    rest = sorted((c for c in customers if not c.in_flight), key=lambda c: (c.last_contact_at, c.id), reverse=True)
    if account is None:
        return Placement([], sorted(c.id for c in rest), served)
    room = max(0, cap_of(account, Role.PARTNER, caps) - held - len(served))
    return Placement(sorted(served + [c.id for c in rest[:room]]), sorted(c.id for c in rest[room:]), [])
