"""A rep who leaves strands no order: the partner account or the manager reassigns it (issue #16, item 3)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.fields import business_date
from domain.order import Action, OrderStatus
from domain.people import Role
from domain.rejections import Reason
from orderflow.contracts import ActorRef, ChangeInput, NoteInput, ReassignInput, ReissueInput, RejectInput
from tests.dates import today
from tests.helpers import ASSISTANT, OTHER_REP, REP, eventually, sign, step
from tests.workflow.conftest import Order
from tests.workflow.drive import started_order
from tests.workflow.standins import StandIns
from tests.workflow.test_refusals import assert_refused
from workflows.order import OrderWorkflow

PARTNER = ActorRef(username="bjagency", role=Role.PARTNER, partners=["BJ"])
OTHER_PARTNER = ActorRef(username="shagency", role=Role.PARTNER, partners=["SH"])
MANAGER = ActorRef(username="mia", role=Role.MANAGER)


def to_bob(actor: ActorRef = PARTNER, to: str = "bob") -> ReassignInput:
    return ReassignInput(actor=actor, to=to, supervisor="sol", reason="alice left")


@pytest.fixture
async def returned(issued: Order) -> Order:
    """A signed order returned to its rep for a correction."""
    h = issued.handle
    await h.execute_update(OrderWorkflow.sign, sign("12000.00", today()))
    await h.execute_update(OrderWorkflow.receive, step())
    await h.execute_update(OrderWorkflow.reject, RejectInput(actor=ASSISTANT, reasons=[Reason.AMOUNT_MISMATCH],
                                                             note="amount in words differs"))
    return issued


async def test_reassigned_order_is_the_new_reps(returned: Order):
    view = await returned.handle.execute_update(OrderWorkflow.reassign, to_bob())
    assert view.rep == "bob" and view.supervisor == "sol" and view.status is OrderStatus.RETURNED
    assert view.pending_user == "bob"
    last = view.timeline[-1]
    assert last.action is Action.REASSIGN and last.actor == "bjagency"
    assert last.note == "reassigned from alice to bob: alice left"
    rec = returned.standins.steps[-1]
    assert rec.rep == "bob" and rec.supervisor == "sol" and rec.pending_user == "bob"
    assert rec.data == {"from": "alice", "to": "bob", "reason": "alice left"}
    assert [n.recipient for n in returned.standins.notes if n.kind == "reassigned"] == ["bob"]
    # Every rep step is now the new rep's, and not the old one's.
    fix = ChangeInput(actor=REP, note="fixed", amount=None, product=None)
    await assert_refused(returned, OrderWorkflow.correct, fix, "forbidden", "the form was issued to bob")
    done = await returned.handle.execute_update(OrderWorkflow.correct, fix.model_copy(update={"actor": OTHER_REP}))
    assert done.status is OrderStatus.FIRST_REVIEW and done.timeline[-1].actor == "bob"


async def test_manager_reassigns_too(returned: Order):
    view = await returned.handle.execute_update(OrderWorkflow.reassign, to_bob(MANAGER))
    assert view.rep == "bob" and view.timeline[-1].actor == "mia"


async def test_reassign_refusals_leave_the_order_alone(returned: Order):
    await assert_refused(returned, OrderWorkflow.reassign, to_bob(REP), "forbidden",
                         "needs the channel manager or channel partner role")
    await assert_refused(returned, OrderWorkflow.reassign, to_bob(OTHER_PARTNER), "forbidden",
                         "it belongs to partner BJ, outside the user's partners")
    await assert_refused(returned, OrderWorkflow.reassign, to_bob(to="alice"), "refused", "is already alice's")
    bad = ReassignInput(actor=PARTNER, to="bob", reason="left\x00")
    await assert_refused(returned, OrderWorkflow.reassign, bad, "invalid", "reason for reassigning")


async def test_lost_order_of_a_leaver_is_reissued_to_the_new_rep(returned: Order):
    h = returned.handle
    await h.execute_update(OrderWorkflow.resend_original, NoteInput(actor=REP, note="re-stamped"))
    await h.execute_update(OrderWorkflow.report_lost, NoteInput(actor=REP, note="courier lost it"))
    await h.execute_update(OrderWorkflow.reassign, to_bob())
    new = f"BJ{uuid.uuid4().int % 10**6:06d}"
    view = await h.execute_update(OrderWorkflow.reissue, ReissueInput(actor=ASSISTANT, new_number=new))
    assert view.status is OrderStatus.REISSUED
    reserved = next(s for s in returned.standins.steps if s.order_number == new)
    assert reserved.rep == "bob" and reserved.supervisor == "sol"
    child = returned.handle._client.get_workflow_handle_for(OrderWorkflow.run, f"order-{new}")
    issued = await eventually(lambda: child.query(OrderWorkflow.view), lambda v: bool(v.timeline))
    assert issued.rep == "bob"
    await child.terminate("test over")


async def test_final_orders_are_not_reassigned(issued: Order):
    await issued.handle.execute_update(OrderWorkflow.report_lost, NoteInput(actor=REP, note="lost blank"))
    await assert_refused(issued, OrderWorkflow.reassign, to_bob(), "refused", "'reassign' needs it to be")


@pytest.fixture
async def ts_returned(ts_env: WorkflowEnvironment) -> AsyncIterator[Order]:
    standins = StandIns()
    async with started_order(ts_env, standins) as handle:
        view = await handle.query(OrderWorkflow.view)
        await handle.execute_update(OrderWorkflow.sign, sign(signed_on=business_date(view.timeline[-1].at)))
        yield Order(handle, standins)
        await handle.terminate("test over")


async def test_deadlines_chase_the_new_rep_and_supervisor(ts_env: WorkflowEnvironment, ts_returned: Order):
    """The wait goes on (no fresh deadline), but its reminder and escalation reach the new rep's people."""
    await ts_returned.handle.execute_update(OrderWorkflow.reassign, to_bob())
    await ts_env.sleep(timedelta(days=8))
    notes = {n.kind: n.recipient for n in ts_returned.standins.notes}
    assert notes["reminder"] == "bob" and notes["escalation"] == "sol"
