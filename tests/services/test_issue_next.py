"""`order issue --next` called as the API calls it, by an assistant serving two partners: the number comes from
the ranges of the rep's partner, and a rep the form cannot go to gets the answer a named number gets (issue #16)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from db.models import User
from db.org_repo import UserSpec, save_user
from domain.errors import Refused
from domain.people import Role
from services import orders
from services.context import Services
from tests.services.test_orders import client, services, who  # noqa: F401 - the fixtures, shared

__all__ = ["client", "services"]


def _assistant_of_bj_and_sh(services: Services) -> None:  # noqa: F811
    with services.transaction() as session:
        save_user(session, UserSpec("ann", "Ann An", Role.ASSISTANT, ["BJ", "SH"], None), "test", datetime.now(UTC))


async def test_the_next_number_comes_from_the_rep_s_partner(services: Services):  # noqa: F811
    _assistant_of_bj_and_sh(services)
    ann = who(services, "ann")
    sh = await orders.issue(services, ann, "carol")  # carol is SH's rep: BJ comes first alphabetically
    assert (sh.number, sh.partner, sh.rep) == ("SH200000", "SH", "carol")
    bj = await orders.issue(services, ann, "alice")
    assert (bj.number, bj.partner, bj.rep) == ("BJ100000", "BJ", "alice")
    assert (await orders.issue(services, ann, "carol")).number == "SH200001"
    assert (await orders.issue(services, ann, "bob")).number == "BJ100001"


async def test_a_rep_the_form_cannot_go_to_is_refused_as_for_a_named_number(services: Services):  # noqa: F811
    """Missing, deactivated, not a sales rep, a partner the assistant does not serve: one answer, naming none of
    their partners; a single-partner assistant answers as before."""
    _assistant_of_bj_and_sh(services)
    with services.transaction() as session:
        session.get(User, "bob").active = False  # type: ignore[union-attr]
    ann, sue = who(services, "ann"), who(services, "sue")
    for assistant, rep, partner, number in ((ann, "zed", "BJ", "BJ100000"), (ann, "bob", "BJ", "BJ100000"),
                                            (ann, "fay", "BJ", "BJ100000"), (ann, "sam", "BJ", "BJ100000"),
                                            (sue, "alice", "SH", "SH200000")):
        with pytest.raises(Refused) as caught:
            await orders.issue(services, assistant, rep)
        with pytest.raises(Refused) as named:
            await orders.issue(services, assistant, rep, number)
        said = f"order {number} can only go to an active sales rep of partner {partner}; '{rep}' is not one"
        assert caught.value.message == named.value.message == said
    assert orders.list_orders(services, who(services, "olga")) == []
