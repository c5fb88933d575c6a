"""`order issue` is one update-with-start: the `issued` update answers once the issue is recorded, only to the
request that issued the order, and carries the database's refusal when the issue itself is refused."""

from __future__ import annotations

import uuid

import pytest
from temporalio import activity
from temporalio.client import WithStartWorkflowOperation, WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.testing import WorkflowEnvironment

from domain.errors import Refused
from domain.order import OrderStatus
from orderflow.contracts import IssuedInput, TransitionRecord
from orderflow.failures import kind_of, to_application_error
from tests.helpers import issue
from tests.workflow.standins import StandIns, worker_with
from workflows.order import OrderWorkflow


def _start(inp, task_queue: str) -> WithStartWorkflowOperation:  # type: ignore[no-untyped-def]
    return WithStartWorkflowOperation(OrderWorkflow.run, inp, id=f"order-test-{uuid.uuid4().hex}",
                                      task_queue=task_queue, id_conflict_policy=WorkflowIDConflictPolicy.FAIL)


async def test_issue_returns_the_recorded_order(dev_env: WorkflowEnvironment):
    standins = StandIns()
    worker, task_queue = worker_with(dev_env.client, standins)
    async with worker:
        inp = issue()
        start = _start(inp, task_queue)
        view = await dev_env.client.execute_update_with_start_workflow(
            OrderWorkflow.issued, IssuedInput(issue_id=inp.issue_id), start_workflow_operation=start)
        # Returned only after the issue was written: the read model already has it.
        assert view.status is OrderStatus.ISSUED and [e.action.value for e in view.timeline] == ["issue"]
        assert [s.issue_id for s in standins.steps] == [inp.issue_id]
        handle = await start.workflow_handle()
        # Asked again by the same request (a retry), it answers the same; another request is refused.
        assert await handle.execute_update(OrderWorkflow.issued, IssuedInput(issue_id=inp.issue_id)) == view
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await handle.execute_update(OrderWorkflow.issued, IssuedInput(issue_id="someone-else"))
        assert "was issued by another request" in str(caught.value.cause)
        await handle.terminate("test over")


class RefusingStandIns(StandIns):
    """The database refuses the number: it was reserved for a reissue a moment ago."""

    @activity.defn(name="record_step")
    async def record_step(self, rec: TransitionRecord) -> bool:
        raise to_application_error(Refused(f"order number {rec.order_number} is already taken"))


async def test_a_refused_issue_answers_the_request_with_the_reason(dev_env: WorkflowEnvironment):
    worker, task_queue = worker_with(dev_env.client, RefusingStandIns())
    async with worker:
        inp = issue()
        start = _start(inp, task_queue)
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await dev_env.client.execute_update_with_start_workflow(
                OrderWorkflow.issued, IssuedInput(issue_id=inp.issue_id), start_workflow_operation=start)
        assert kind_of(caught.value) is not None and kind_of(caught.value).value == "refused"
        assert "is already taken" in str(caught.value.cause)
        with pytest.raises(WorkflowFailureError) as failed:  # and the order itself ends there
            await (await start.workflow_handle()).result()
        assert "is already taken" in str(failed.value.cause)
