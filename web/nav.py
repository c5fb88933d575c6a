"""The desk's menu: each entry shown to the people whose role may use its page (domain.permissions, the one
table), so nobody is offered a page that would only refuse them."""

from __future__ import annotations

from dataclasses import dataclass

from domain.order import STEPS, Action
from domain.people import Actor
from domain.permissions import Perm, allowed
from web.labels import N_


@dataclass(frozen=True)
class Link:
    path: str
    label: str  # English; the catalogue translates it


def links(actor: Actor) -> list[Link]:
    found = [Link("/desk/inbox", N_("My tasks"))]
    if allowed(actor, Perm.SEE_ORDERS):
        found.append(Link("/desk/orders", N_("Orders")))
    if actor.role in STEPS[Action.ISSUE].roles:
        found.append(Link("/desk/orders/new", N_("Issue a form")))
    if actor.role in STEPS[Action.SCAN].roles:
        found.append(Link("/desk/scans", N_("Scans")))
    if allowed(actor, Perm.SEE_CUSTOMERS) or allowed(actor, Perm.ENTER_CUSTOMER):
        found.append(Link("/desk/customers", N_("Customers")))
    if allowed(actor, Perm.CLAIM):
        found.append(Link("/desk/customers/pool", N_("Public pool")))
    if allowed(actor, Perm.PAYMENTS):
        found.append(Link("/desk/finance", N_("Payments")))
    if allowed(actor, Perm.SEE_TEAM) or allowed(actor, Perm.OPS_REPORT):
        found.append(Link("/desk/team", N_("Team and reports")))
    return found
