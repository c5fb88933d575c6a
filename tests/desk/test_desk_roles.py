"""Who may take which step through the desk, read from the one table (domain.order.STEPS, and the reviews'
shared door in services.orders): every role the table does not allow is refused every step's form with 403 in
words, and the order is untouched; an order's page offers each person exactly their steps."""

from __future__ import annotations

import re

from db.models import Order
from domain.order import STEPS, Action
from domain.people import Role
from services.orders import REVIEWERS
from tests.desk.conftest import Desk, hidden
from tests.desk.test_desk_security import issued
from web.steps import STEPS as FORMS

USERS = {Role.SALES: "alice", Role.SUPERVISOR: "sam", Role.PARTNER: "bjpartner", Role.MANAGER: "mike",
         Role.HQ_REP: "hank", Role.DIRECTOR: "dora", Role.ASSISTANT: "amy", Role.ORDER_GROUP: "olga",
         Role.APPROVAL_GROUP: "gao", Role.FINANCE: "fay", Role.AGENCY_CLERK: "vera"}


# Every form's fields filled in well, so that only the role can be what refuses a step (as the API's matrix does).
FILLED = {"customer": "1", "product": "会员服务", "kind": "new", "amount": "1.00", "signed_on": "", "note": "x",
          "reason": "x", "reasons": "other", "location": "x", "paid_on": "2026-12-01", "new_number": "BJ100999"}


def door(action: Action) -> frozenset[Role]:
    return REVIEWERS if action in (Action.FIRST_REVIEW, Action.SECOND_REVIEW) else STEPS[action].roles


def test_every_role_has_a_user() -> None:
    assert set(USERS) == set(Role)


async def test_a_role_the_table_does_not_allow_is_refused_every_step(desk: Desk) -> None:
    number = await issued(desk)
    with desk.api.services.transaction() as session:
        before = session.get(Order, number).last_seq  # type: ignore[union-attr]
    for role, user in USERS.items():
        person = await desk.person(user)
        csrf = hidden((await person.get("/desk/inbox")).text, "csrf")
        for action in FORMS:
            if role in door(action):
                continue
            answer = await person.http.post(f"/desk/orders/{number}/{action.value}",
                                            data={"csrf": csrf, "step_key": f"desk-m-{action.value}", **FILLED})
            assert answer.status_code == 403, f"{user} ({role}) {action}: {answer.status_code}"
            assert "您无权执行此操作" in answer.text and "may not" in answer.text
    with desk.api.services.transaction() as session:
        assert session.get(Order, number).last_seq == before  # type: ignore[union-attr]


async def test_the_page_offers_each_person_their_steps_only(desk: Desk) -> None:
    number = await issued(desk)
    expected = {"alice": {"登记签约", "报失"}, "amy": set(), "olga": set(), "sam": set(), "fay": set(),
                "mike": set()}
    for user, steps in expected.items():
        page = await (await desk.person(user)).order(number)
        assert set(re.findall(r"<summary>(.*?)</summary>", page)) == steps, user
        assert ("您现在可以" in page) is bool(steps)
