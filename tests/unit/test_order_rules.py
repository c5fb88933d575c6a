"""The order state machine and its permission rules, called directly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import CustomerNotOwned, NotFound, NotPermitted, Refused, WrongState
from domain.numbers import NumberRange
from domain.order import (
    STEPS,
    Action,
    CustomerHolding,
    OrderParties,
    OrderStatus,
    apply_payment,
    check_issue,
    check_signing_customer,
    check_step,
)
from domain.people import Actor, Role

PARTIES = OrderParties("BJ100001", "BJ", "alice")
ACTORS = {
    Role.SALES: Actor("alice", Role.SALES, frozenset({"BJ"})),
    Role.ASSISTANT: Actor("amy", Role.ASSISTANT, frozenset({"BJ"})),
    Role.ORDER_GROUP: Actor("olga", Role.ORDER_GROUP),
    Role.FINANCE: Actor("fay", Role.FINANCE),
}


@pytest.mark.parametrize("action", [a for a in Action if a is not Action.ISSUE])
def test_each_step_is_allowed_only_from_its_source_state(action: Action):
    step = STEPS[action]
    actor = ACTORS[step.role]
    assert check_step(action, step.source, actor, PARTIES).target is step.target
    for status in OrderStatus:
        if status is not step.source:
            with pytest.raises(WrongState, match=f"is {status.value}; '{action.value}' needs it to be"):
                check_step(action, status, actor, PARTIES)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_only_the_steps_role_may_take_it(action: Action, role: Role):
    step = STEPS[action]
    actor = Actor("alice" if role is Role.SALES else "someone", role, frozenset({"BJ"}))
    if role is step.role:
        check_step(action, step.source, actor, PARTIES)
    else:
        with pytest.raises(NotPermitted, match="that needs the"):
            check_step(action, step.source, actor, PARTIES)


def test_scope_separation_and_deactivation():
    other_partner = Actor("sue", Role.ASSISTANT, frozenset({"SH"}))
    with pytest.raises(NotPermitted, match="belongs to partner BJ"):
        check_step(Action.RECEIVE, OrderStatus.AWAITING_ORIGINAL, other_partner, PARTIES)
    with pytest.raises(NotPermitted, match="the form was issued to alice"):
        check_step(Action.SIGN, OrderStatus.ISSUED, Actor("bob", Role.SALES, frozenset({"BJ"})), PARTIES)
    reviewed = OrderParties("BJ100001", "BJ", "alice", first_reviewer="olga")
    with pytest.raises(NotPermitted, match="did the first review"):
        check_step(Action.SECOND_REVIEW, OrderStatus.SECOND_REVIEW, ACTORS[Role.ORDER_GROUP], reviewed)
    gone = Actor("fay", Role.FINANCE, active=False)
    with pytest.raises(NotPermitted, match="deactivated"):
        check_step(Action.PAY, OrderStatus.AWAITING_PAYMENT, gone, PARTIES)


def test_signing_needs_the_customer_in_the_reps_own_warehouse():
    check_signing_customer(CustomerHolding(7, "美来尔", "alice", "alice (Alice Wang)"), "alice")
    with pytest.raises(CustomerNotOwned, match=r"held by bob \(Bob Li, partner BJ\)"):
        check_signing_customer(CustomerHolding(7, "美来尔", "bob", "bob (Bob Li, partner BJ)"), "alice")
    with pytest.raises(CustomerNotOwned, match="the public pool"):
        check_signing_customer(CustomerHolding(7, "美来尔", None, "the public pool"), "alice")


def test_payments_accumulate_and_the_covering_one_completes():
    first = apply_payment(Decimal("12000.00"), Decimal("0.00"), Decimal("5000.00"))
    assert (first.completes, first.outstanding) == (False, Decimal("7000.00"))
    second = apply_payment(Decimal("12000.00"), first.paid_total, Decimal("7000.00"))
    assert (second.completes, second.outstanding, second.overpaid) == (True, Decimal("0.00"), Decimal("0.00"))
    over = apply_payment(Decimal("12000.00"), Decimal("0.00"), Decimal("12500.00"))
    assert over.completes and over.overpaid == Decimal("500.00")


RANGE = NumberRange("BJ", "BJ", 100000, 100999)


def test_issue_rules():
    amy, alice = ACTORS[Role.ASSISTANT], ACTORS[Role.SALES]
    assert check_issue("BJ100001", RANGE, amy, alice, "alice", already_issued=False) is RANGE
    with pytest.raises(Refused, match="outside every partner's number range"):
        check_issue("BJ200001", None, amy, alice, "alice", already_issued=False)
    with pytest.raises(Refused, match="already been issued"):
        check_issue("BJ100001", RANGE, amy, alice, "alice", already_issued=True)
    with pytest.raises(NotFound, match="no user 'zed'"):
        check_issue("BJ100001", RANGE, amy, None, "zed", already_issued=False)
    with pytest.raises(Refused, match="not that partner's rep"):
        check_issue("BJ100001", RANGE, amy, Actor("carol", Role.SALES, frozenset({"SH"})), "carol", False)
    with pytest.raises(Refused, match="active sales rep"):
        check_issue("BJ100001", RANGE, amy, ACTORS[Role.FINANCE], "fay", already_issued=False)
    with pytest.raises(NotPermitted, match="outside the user's partners"):
        check_issue("BJ100001", RANGE, Actor("sue", Role.ASSISTANT, frozenset({"SH"})), alice, "alice", False)
