"""Money kept on an order before it ends, and taking back a payment recorded by hand (domain.order_money)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.errors import Refused
from domain.order import STEPS, Action, OrderStatus
from domain.order_money import check_hand_payment, check_holds_no_money, kept_money
from domain.people import Role

D = Decimal
LISTED = [("L1", D("100.00"), date(2026, 11, 1)), (None, D("50.00"), date(2026, 11, 2)),
          (None, D("50.00"), date(2026, 11, 3))]


def test_an_order_with_no_money_may_end():
    check_holds_no_money("BJ100001", "voided", [], [])


def test_money_kept_names_each_bank_line_and_each_hand_payment_and_what_finance_does():
    refs, by_hand = kept_money([(ref, amount) for ref, amount, _ in LISTED])
    assert (refs, by_hand) == (["L1"], [2, 3])
    with pytest.raises(Refused) as refused:
        check_holds_no_money("BJ100001", "reissued", refs, by_hand)
    message = refused.value.message
    assert "before it can be reissued" in message
    assert "unmatch bank line(s) L1 (payments unmatch REF" in message
    assert "reverse payment(s) 2, 3 recorded by hand (payments reverse BJ100001 N" in message
    with pytest.raises(Refused, match="reverse payment\\(s\\) 1 recorded by hand"):
        check_holds_no_money("BJ100001", "voided", *kept_money([(None, D("5.00"))]))


def test_a_hand_payment_is_reversed_by_its_number_amount_and_date():
    check_hand_payment("BJ100001", 2, LISTED, D("50.00"), date(2026, 11, 2))
    with pytest.raises(Refused, match="payment 1 of order BJ100001 is bank line L1: unmatch it instead"):
        check_hand_payment("BJ100001", 1, LISTED, D("100.00"), date(2026, 11, 1))
    with pytest.raises(Refused, match="is 50.00 recorded by hand on 2026-11-03, not 40.00 on 2026-11-03"):
        check_hand_payment("BJ100001", 3, LISTED, D("40.00"), date(2026, 11, 3))
    # The same amount on another day is other money: the list moved (a payment before it was taken back).
    with pytest.raises(Refused, match="is 50.00 recorded by hand on 2026-11-03, not 50.00 on 2026-11-02"):
        check_hand_payment("BJ100001", 3, LISTED, D("50.00"), date(2026, 11, 2))
    with pytest.raises(Refused, match="lists 3 payment\\(s\\); there is no payment 4"):
        check_hand_payment("BJ100001", 4, LISTED, D("50.00"), date(2026, 11, 2))
    with pytest.raises(Refused, match="there is no payment 0"):
        check_hand_payment("BJ100001", 0, LISTED, D("50.00"), date(2026, 11, 2))


def test_finance_takes_money_back_wherever_it_may_be_kept_a_lost_original_too():
    for action in (Action.UNMATCH, Action.REVERSE):
        step = STEPS[action]
        assert step.roles == {Role.FINANCE}
        assert OrderStatus.LOST in step.sources and OrderStatus.EXPIRED in step.sources
        assert not step.sources & {OrderStatus.EFFECTIVE, OrderStatus.VOID, OrderStatus.REISSUED}
