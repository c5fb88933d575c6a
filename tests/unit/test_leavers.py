"""Where a leaver's customers go (domain.warehouse.place_left_customers): the partner's own warehouse up to its
cap, the oldest contacts to the pool, and a customer being served never to the pool."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import Refused
from domain.people import Role
from domain.warehouse import LeftCustomer, Placement, check_cap, place_left_customers

DAY0 = datetime(2026, 11, 1, tzinfo=UTC)
CAPS = {Role.SALES: 400, Role.PARTNER: 5}


def _left(cid: int, days_ago: int, in_flight: bool = False) -> LeftCustomer:
    return LeftCustomer(cid, DAY0 - timedelta(days=days_ago), in_flight)


def test_all_go_to_the_partners_own_warehouse_while_it_has_room() -> None:
    assert place_left_customers([_left(1, 3), _left(2, 9)], "bjpartner", 3, CAPS) == Placement([1, 2], [], [])


def test_past_the_cap_the_oldest_contacts_go_to_the_pool() -> None:
    customers = [_left(1, 30), _left(2, 1), _left(3, 10), _left(4, 20)]
    assert place_left_customers(customers, "bjpartner", 3, CAPS) == Placement([2, 3], [1, 4], [])


def test_a_customer_with_an_order_in_flight_goes_to_the_partner_even_past_the_cap() -> None:
    customers = [_left(1, 1), _left(2, 90, in_flight=True), _left(3, 2, in_flight=True)]
    assert place_left_customers(customers, "bjpartner", 4, CAPS) == Placement([2, 3], [1], [])
    assert place_left_customers(customers, "bjpartner", 9, CAPS) == Placement([2, 3], [1], [])


def test_without_a_partner_account_the_served_stay_with_the_orders_rep_and_the_rest_go_to_the_pool() -> None:
    customers = [_left(1, 1), _left(2, 5, in_flight=True)]
    assert place_left_customers(customers, None, 0, CAPS) == Placement([], [1], [2])


def test_the_partner_accounts_cap_is_the_one_cap_rule() -> None:
    check_cap("bjpartner", Role.PARTNER, 1499, {Role.PARTNER: 1500})
    with pytest.raises(Refused, match="bjpartner's warehouse holds 1500 customers; the cap for a partner is 1500"):
        check_cap("bjpartner", Role.PARTNER, 1500, {Role.PARTNER: 1500})
