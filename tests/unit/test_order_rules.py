"""The order state machine and its permission rules, called directly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import CustomerNotOwned, NotPermitted, Refused, WrongState
from domain.numbers import NumberRange
from domain.order import (
    REVIEWER,
    STEPS,
    Action,
    CustomerHolding,
    OrderParties,
    OrderStatus,
    check_issue,
    check_signing_customer,
    check_step,
    lost_target,
    next_number_partners,
)
from domain.order_money import apply_payment
from domain.people import Actor, Role

PARTIES = OrderParties("BJ100001", "BJ", "alice")
ACTORS = {
    Role.SALES: Actor("alice", Role.SALES, frozenset({"BJ"})),
    Role.ASSISTANT: Actor("amy", Role.ASSISTANT, frozenset({"BJ"})),
    Role.ORDER_GROUP: Actor("olga", Role.ORDER_GROUP),
    Role.FINANCE: Actor("fay", Role.FINANCE),
}


PEOPLE_STEPS = [a for a in STEPS if a is not Action.ISSUE]


def _actor(role: Role) -> Actor:
    return ACTORS.get(role) or Actor("someone", role, frozenset({"BJ"}))


@pytest.mark.parametrize("action", PEOPLE_STEPS)
def test_each_step_is_allowed_only_from_its_source_states(action: Action):
    step = STEPS[action]
    for status in OrderStatus:
        actor = _actor(REVIEWER.get(status, min(step.roles)) if action is Action.REJECT else min(step.roles))
        if status in step.sources:
            assert check_step(action, status, actor, PARTIES) is step
        else:
            with pytest.raises((WrongState, Refused), match=f"Order BJ100001 (is {status.value}|expired)"):
                check_step(action, status, actor, PARTIES)


@pytest.mark.parametrize("action", list(STEPS))
@pytest.mark.parametrize("role", list(Role))
def test_only_the_steps_roles_may_take_it(action: Action, role: Role):
    step = STEPS[action]
    status = min(step.sources) if step.sources else None
    if action is Action.REJECT:
        status = OrderStatus.FIRST_REVIEW if role is Role.ASSISTANT else OrderStatus.SECOND_REVIEW
    if role in step.roles:
        check_step(action, status, _actor(role), PARTIES)
    else:
        with pytest.raises(NotPermitted, match="that needs the"):
            check_step(action, status, _actor(role), PARTIES)


def test_each_review_is_rejected_only_by_its_own_reviewer():
    with pytest.raises(NotPermitted, match="needs the channel assistant role"):
        check_step(Action.REJECT, OrderStatus.FIRST_REVIEW, ACTORS[Role.ORDER_GROUP], PARTIES)
    with pytest.raises(NotPermitted, match="needs the order group role"):
        check_step(Action.REJECT, OrderStatus.SECOND_REVIEW, ACTORS[Role.ASSISTANT], PARTIES)


def test_money_on_an_expired_order_is_kept_and_order_group_or_finance_revive_it():
    from datetime import date

    from domain.order_money import PaymentOutcome, paid_target, settle_kept_money

    check_step(Action.PAY, OrderStatus.EXPIRED, ACTORS[Role.FINANCE], PARTIES)  # never refused
    covered = PaymentOutcome(Decimal("12000"), Decimal("0"), Decimal("0"), completes=True)
    assert paid_target(OrderStatus.EXPIRED, covered) is OrderStatus.EXPIRED  # it waits for the revival
    assert paid_target(OrderStatus.AWAITING_PAYMENT, covered) is OrderStatus.EFFECTIVE
    for role in (Role.ORDER_GROUP, Role.FINANCE):
        check_step(Action.REVIVE, OrderStatus.EXPIRED, ACTORS[role], PARTIES)
    with pytest.raises(NotPermitted, match="needs the finance or order group role"):
        check_step(Action.REVIVE, OrderStatus.EXPIRED, ACTORS[Role.SALES], PARTIES)
    with pytest.raises(WrongState):
        check_step(Action.REVIVE, OrderStatus.AWAITING_PAYMENT, ACTORS[Role.FINANCE], PARTIES)
    # Effective on the value date of the payment that completed the money, in the order the money arrived.
    late, early = (Decimal("7000"), date(2026, 12, 30)), (Decimal("5000"), date(2026, 11, 2))
    done = settle_kept_money(Decimal("12000"), [late, early, (Decimal("100"), date(2027, 1, 5))])
    assert (done.target, done.effective_on, done.overpaid) == (OrderStatus.EFFECTIVE, date(2026, 12, 30),
                                                               Decimal("100"))
    assert settle_kept_money(Decimal("12000"), [early]).target is OrderStatus.AWAITING_PAYMENT


def test_losses():
    assert lost_target(OrderStatus.ISSUED) is OrderStatus.VOID
    assert lost_target(OrderStatus.AWAITING_ORIGINAL) is OrderStatus.LOST


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
    assert check_issue("BJ100001", RANGE, amy, alice, "alice", existing_status=None) is RANGE
    with pytest.raises(Refused, match="not in a number range of your partners"):
        check_issue("BJ200001", None, amy, alice, "alice", existing_status=None)
    with pytest.raises(Refused, match="already been issued"):
        check_issue("BJ100001", RANGE, amy, alice, "alice", "EFFECTIVE")
    with pytest.raises(Refused, match="was voided and can never be issued again"):
        check_issue("BJ100001", RANGE, amy, alice, "alice", "VOID")
    with pytest.raises(Refused, match="only go to an active sales rep of partner BJ; 'zed' is not one"):
        check_issue("BJ100001", RANGE, amy, None, "zed", existing_status=None)
    with pytest.raises(Refused, match="only go to an active sales rep of partner BJ; 'carol' is not one"):
        check_issue("BJ100001", RANGE, amy, Actor("carol", Role.SALES, frozenset({"SH"})), "carol", None)
    with pytest.raises(Refused, match="only go to an active sales rep of partner BJ; 'fay' is not one"):
        check_issue("BJ100001", RANGE, amy, ACTORS[Role.FINANCE], "fay", existing_status=None)
    with pytest.raises(Refused, match=r"BJ100001 is not in a number range of your partners \(SH\)"):
        check_issue("BJ100001", RANGE, Actor("sue", Role.ASSISTANT, frozenset({"SH"})), alice, "alice", None)


def test_the_next_number_comes_from_the_rep_s_partner():
    """An assistant serving BJ and SH draws an SH rep's number from SH (issue #16); for anyone a form cannot go to,
    from all the assistant's partners, so check_issue refuses them as it refuses a named number."""
    ann = Actor("ann", Role.ASSISTANT, frozenset({"BJ", "SH"}))
    carol, alice = Actor("carol", Role.SALES, frozenset({"SH"})), ACTORS[Role.SALES]
    assert next_number_partners(ann, carol) == {"SH"}
    assert next_number_partners(ann, alice) == {"BJ"}
    assert next_number_partners(ACTORS[Role.ASSISTANT], alice) == {"BJ"}
    gone = Actor("carol", Role.SALES, frozenset({"SH"}), active=False)
    others = (Actor("sam", Role.SUPERVISOR, frozenset({"SH"})), Actor("gus", Role.SALES, frozenset({"GZ"})))
    for nobody in (None, gone, *others):
        assert next_number_partners(ann, nobody) == {"BJ", "SH"}


def test_a_payment_restarts_the_payment_wait_from_its_value_date_never_earlier():
    from datetime import UTC, date, datetime, timedelta

    from domain.timers import Chase, Policy, deadlines, payment_window_from, wait_start

    since = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    window = payment_window_from(date(2026, 11, 21))
    assert window == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # 00:00 in China (UTC+8)
    start = wait_start(since, window)
    expiry = [d.at for d in deadlines(OrderStatus.AWAITING_PAYMENT, start, Policy()) if d.chase is Chase.EXPIRY]
    assert expiry == [window + timedelta(days=30)]
    assert wait_start(since, payment_window_from(date(2026, 10, 1))) == since  # an old value date moves nothing
    assert wait_start(since, None) == since
