"""Every refused step, on the dev server: the caller reads the reason, and the order is unchanged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from orderflow.contracts import CustomerRef, NoteInput, ScanInput
from orderflow.failures import kind_of
from tests.dates import today
from tests.helpers import (
    ASSISTANT,
    FINANCE,
    OTHER_ASSISTANT,
    OTHER_REP,
    REP,
    pay,
    second_review,
    sign,
    step,
)
from tests.workflow.conftest import Order
from workflows.order import OrderWorkflow


@pytest.fixture
async def order(issued: Order) -> Order:
    """A signed order, waiting for its original."""
    await issued.handle.execute_update(OrderWorkflow.sign, sign("12000.00", today()))
    return issued


async def assert_refused(order: Order, update, arg, kind: str, message: str) -> None:  # type: ignore[no-untyped-def]
    before = await order.handle.query(OrderWorkflow.view)
    written = len(order.standins.steps)
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await order.handle.execute_update(update, arg)
    assert kind_of(caught.value) is not None and kind_of(caught.value).value == kind
    assert message in str(caught.value.cause)
    assert await order.handle.query(OrderWorkflow.view) == before
    assert len(order.standins.steps) == written


async def test_wrong_state_is_refused(order: Order):
    await assert_refused(order, OrderWorkflow.first_review, step(), "refused",
                         "is AWAITING_ORIGINAL; 'first_review' needs it to be FIRST_REVIEW")
    await assert_refused(order, OrderWorkflow.sign, sign(), "refused", "is AWAITING_ORIGINAL; 'sign' needs")
    # A payment is no longer one of them: money on a signed order is kept (test_payments).
    await assert_refused(order, OrderWorkflow.revive, NoteInput(actor=FINANCE, note="x"), "refused",
                         "'revive' needs it to be EXPIRED")


async def test_wrong_role_and_scope_are_refused(order: Order):
    await assert_refused(order, OrderWorkflow.receive, step(REP), "forbidden", "needs the channel assistant role")
    await assert_refused(order, OrderWorkflow.receive, step(FINANCE), "forbidden", "needs the channel assistant")
    await assert_refused(order, OrderWorkflow.receive, step(OTHER_ASSISTANT), "forbidden",
                         "belongs to partner BJ, outside the user's partners")


async def test_bad_data_is_refused(issued: Order):
    order = issued
    await assert_refused(order, OrderWorkflow.sign, sign("-5"), "invalid", "must be greater than zero")
    await assert_refused(order, OrderWorkflow.sign, sign("0.001"), "invalid", "more than two decimal places")
    await assert_refused(order, OrderWorkflow.sign, sign(signed_on=today() + timedelta(days=2)), "invalid",
                         "is in the future")
    await assert_refused(order, OrderWorkflow.sign, sign(signed_on=today() - timedelta(days=3)), "invalid",
                         "before")
    await assert_refused(order, OrderWorkflow.sign, sign(actor=OTHER_REP), "forbidden",
                         "the form was issued to alice")
    theirs = CustomerRef(id=9, name="美来尔工程技术(北京)有限公司", owner="bob", holder="bob (Bob Li, partner BJ)")
    await assert_refused(order, OrderWorkflow.sign, sign(customer=theirs), "refused",
                         "held by bob (Bob Li, partner BJ). Sign for it once it is yours")


async def test_a_customer_taken_since_the_check_is_refused_by_the_database(issued: Order):
    """The activity has the last word: ownership is checked again in the write's transaction."""
    issued.standins.customer_taken = True
    await assert_refused(issued, OrderWorkflow.sign, sign(), "refused", "is held by bob")


async def test_second_review_needs_a_filing_location_and_another_reviewer(order: Order):
    h = order.handle
    await h.execute_update(OrderWorkflow.receive, step())
    await h.execute_update(OrderWorkflow.first_review, step())
    await h.execute_update(OrderWorkflow.scan, ScanInput(actor=ASSISTANT, staging_key="staging/k", size=3,
                                                          sha256="b" * 64, filename="x.pdf"))
    await assert_refused(order, OrderWorkflow.second_review, second_review(location="  "), "invalid",
                         "filing location must not be empty")
    await assert_refused(order, OrderWorkflow.second_review, second_review(actor=ASSISTANT), "forbidden",
                         "needs the order group role")
    await assert_refused(order, OrderWorkflow.pay, pay("100.00", today(), actor=REP), "forbidden",
                         "needs the finance role")
