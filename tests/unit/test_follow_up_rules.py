"""The follow-up rules of domain/follow_ups.py: who may act, assignees, due dates, closing, escalation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from domain.errors import InvalidInput, NotPermitted, Refused
from domain.fields import BUSINESS_TZ
from domain.follow_ups import (
    MAX_COMMENTS,
    FollowUpType,
    Outcome,
    Parties,
    check_close,
    check_due,
    check_may_act,
    check_refund_assignee,
    check_room,
    desk_role,
    due_moment,
    escalation_target,
    parse_type,
)
from domain.people import Actor, Role

CASE = Parties("261130-abcdef", opener="alice", assignee="desk:finance")
TODAY = date(2026, 11, 30)


def test_the_opener_the_assignee_desk_and_those_over_them_may_act() -> None:
    check_may_act(Actor("alice", Role.SALES), CASE, covers_partner=False, what="comment")
    check_may_act(Actor("fay", Role.FINANCE), CASE, covers_partner=True, what="comment")
    check_may_act(Actor("sam", Role.SUPERVISOR, frozenset({"BJ"})), CASE, covers_partner=True, what="comment")
    for stranger, covers in ((Actor("bob", Role.SALES), True), (Actor("amy", Role.ASSISTANT), True),
                             (Actor("mary", Role.MANAGER), False), (Actor("olga", Role.ORDER_GROUP), True)):
        with pytest.raises(NotPermitted, match="only its opener"):
            check_may_act(stranger, CASE, covers, "comment")
    with pytest.raises(NotPermitted, match="deactivated"):
        check_may_act(Actor("alice", Role.SALES, active=False), CASE, False, "comment")


def test_desks_types_and_refunds() -> None:
    assert desk_role("desk:finance") is Role.FINANCE and desk_role("amy") is None
    for bad in ("desk:sales", "desk:nobody"):
        with pytest.raises(InvalidInput, match="is not a desk"):
            desk_role(bad)
    assert parse_type(" Refund ") is FollowUpType.REFUND
    with pytest.raises(InvalidInput, match="is not one of"):
        parse_type("lawsuit")
    check_refund_assignee(FollowUpType.REFUND, Role.FINANCE)
    with pytest.raises(Refused, match="stays with finance"):
        check_refund_assignee(FollowUpType.REFUND, Role.ASSISTANT)


def test_due_dates_are_beijing_days_from_today_and_not_absurdly_far() -> None:
    assert check_due(TODAY, TODAY) == TODAY
    with pytest.raises(InvalidInput, match="in the past"):
        check_due(TODAY - timedelta(days=1), TODAY)
    with pytest.raises(InvalidInput, match="check the year"):
        check_due(date(2062, 11, 30), TODAY)
    assert due_moment(TODAY) == datetime(2026, 12, 1, tzinfo=BUSINESS_TZ)


def test_closing_and_escalation() -> None:
    with pytest.raises(InvalidInput, match="reference"):
        check_close(FollowUpType.REFUND, Outcome.RESOLVED, None, None)
    check_close(FollowUpType.REFUND, Outcome.DECLINED, None, None)
    with pytest.raises(InvalidInput, match="only a refund"):
        check_close(FollowUpType.INVOICE, Outcome.RESOLVED, "TB-1", None)
    with pytest.raises(Refused, match="order group"):
        check_close(FollowUpType.NAME_CHANGE, Outcome.RESOLVED, None, "pending")
    check_close(FollowUpType.NAME_CHANGE, Outcome.RESOLVED, None, "applied")
    ok = {"sam": True, "mike": True}
    assert escalation_target(["sam", "mike", "sam"], ok, "alice") == "sam"
    assert escalation_target([None, "mike", "sam"], ok, "alice") == "mike"
    assert escalation_target([None, None, None], ok, "alice") == "alice"
    # A manager who may not act on the case (deactivated, or not over its partner) is skipped.
    assert escalation_target(["fred", "mike"], {**ok, "fred": False}, "alice") == "mike"
    assert escalation_target(["fred", None, "gone"], {"fred": False, "gone": False}, "alice") == "alice"


def test_a_name_change_resolves_only_once_its_correction_is_applied() -> None:
    with pytest.raises(Refused, match="rejected"):
        check_close(FollowUpType.NAME_CHANGE, Outcome.RESOLVED, None, "rejected")
    check_close(FollowUpType.NAME_CHANGE, Outcome.DECLINED, None, "rejected")
    with pytest.raises(Refused, match="not applied"):
        check_close(FollowUpType.NAME_CHANGE, Outcome.RESOLVED, None, None)


def test_comments_and_attachments_are_capped() -> None:
    check_room(MAX_COMMENTS - 1, MAX_COMMENTS, "comments", "261130-000001")
    with pytest.raises(Refused, match="already has 200 comments"):
        check_room(MAX_COMMENTS, MAX_COMMENTS, "comments", "261130-000001")
