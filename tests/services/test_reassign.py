"""Reassigning a leaver's order, called as the API calls it (a real worker on the dev server): the customer of a
signed order follows it into the new rep's warehouse, under that warehouse's cap (issue #16 item 3)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from db.customer_repo import add_customer
from db.models import Customer, Order, Ownership
from domain.errors import Refused
from domain.order import Action
from domain.people import Role
from services import accounts, orders, warehouse
from services.context import Services
from tests.helpers import entry
from tests.services.test_orders import client, services, who  # noqa: F401 - the fixtures, shared

__all__ = ["client", "services"]


def _give(services: Services, owner: str, name: str, phone: str) -> int:
    with services.transaction() as session:
        return add_customer(session, entry(name, phone, phone.replace("-6", "-7")), owner=owner, role=Role.SALES,
                            partner="BJ", at=datetime.now(UTC)).id


async def test_a_reassignment_that_would_put_the_new_rep_over_the_cap_is_refused_before_anything_changes(
        services: Services):  # noqa: F811
    capped = dataclasses.replace(services, settings=services.settings.model_copy(update={"cap_sales": 2}))
    amy, alice, mike, bjpartner = (who(capped, u) for u in ("amy", "alice", "mike", "bjpartner"))
    second = _give(capped, "alice", "乙字号商贸有限公司", "010-65100002")
    for number, customer in (("BJ100701", 1), ("BJ100703", second)):
        await orders.issue(capped, amy, "alice", number)
        await orders.sign(capped, alice, number, customer, "Yellow pages, 1 year", "new", "12000.00")
    await orders.issue(capped, amy, "alice", "BJ100702")  # a blank form: no customer to follow
    accounts.close_account(capped, mike, "alice", "left the company")  # both customers to bjpartner's warehouse
    warehouse.hand_over(capped, bjpartner, second, "bob")  # BJ100703's customer is bob's already
    spare = _give(capped, "bob", "丙字号商贸有限公司", "010-65100003")  # bob is at his cap of 2

    with pytest.raises(Refused) as full:
        await orders.reassign(capped, bjpartner, "BJ100701", "bob", "alice left")
    assert full.value.message == (
        "order BJ100701 was not reassigned: its customer 1 would follow it to bob, and bob's warehouse holds 2 "
        "customers; the cap for a sales is 2. Reassign the order to another rep of its partner, or have the "
        "partner account first hand one of bob's customers over (转移: customer hand-over ID --to ...) to another "
        "rep or to its own warehouse")
    shown = orders.show_order(capped, mike, "BJ100701")
    assert shown.rep == "alice" and shown.timeline[-1].action is not Action.REASSIGN
    with capped.transaction() as session:
        assert session.get(Customer, 1).owner == "bjpartner"  # type: ignore[union-attr]

    # Not affected: a blank form, and an order whose customer is already the new rep's.
    assert (await orders.reassign(capped, mike, "BJ100702", "bob", "alice left")).rep == "bob"
    assert (await orders.reassign(capped, bjpartner, "BJ100703", "bob", "alice left")).rep == "bob"
    # As the message says: the partner takes one of bob's customers back into its own warehouse, then it goes.
    warehouse.hand_over(capped, bjpartner, spare, "bjpartner")
    assert (await orders.reassign(capped, bjpartner, "BJ100701", "bob", "alice left")).rep == "bob"
    with capped.transaction() as session:
        assert session.get(Customer, 1).owner == "bob"  # type: ignore[union-attr]
        assert session.get(Order, "BJ100701").rep == "bob"  # type: ignore[union-attr]
        assert session.query(Ownership).filter(Ownership.customer_id == 1, Ownership.new_owner == "bob").count() == 1
