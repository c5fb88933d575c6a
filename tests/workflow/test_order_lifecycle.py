"""The order workflow's happy path on the time-skipping server, with stand-in activities."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from temporalio.testing import WorkflowEnvironment

from domain.fields import business_date
from domain.order import Action, OrderStatus
from orderflow.contracts import ScanInput
from tests.helpers import ASSISTANT, issue, pay, second_review, sign, step
from tests.workflow.standins import StandIns, worker_with
from workflows.order import OrderWorkflow


async def test_order_goes_from_issue_to_effective_on_the_completing_payment_date(ts_env: WorkflowEnvironment):
    standins = StandIns()
    worker, task_queue = worker_with(ts_env.client, standins)
    number = f"BJ{uuid.uuid4().int % 10**6:06d}"
    async with worker:
        handle = await ts_env.client.start_workflow(
            OrderWorkflow.run, issue(number).model_copy(update={"number": number}),
            id=f"order-{number}", task_queue=task_queue,
        )
        await ts_env.sleep(timedelta(days=2))
        signed_on = business_date(await ts_env.get_current_time())
        await handle.execute_update(OrderWorkflow.sign, sign("12000.00", signed_on))
        await handle.execute_update(OrderWorkflow.receive, step())
        await handle.execute_update(OrderWorkflow.first_review, step())
        await handle.execute_update(OrderWorkflow.scan, ScanInput(
            actor=ASSISTANT, staging_key="staging/x", size=10, sha256="a" * 64, filename="scan.pdf"))
        await handle.execute_update(OrderWorkflow.second_review, second_review())
        partial = await handle.execute_update(OrderWorkflow.pay, pay("5000.00", signed_on))
        assert partial.status is OrderStatus.AWAITING_PAYMENT
        assert partial.fields.paid_total == Decimal("5000.00")
        await ts_env.sleep(timedelta(days=4))
        completed_on = business_date(await ts_env.get_current_time()) - timedelta(days=1)
        result = await handle.execute_update(OrderWorkflow.pay, pay("7000.00", completed_on))
        final = await handle.result()

    assert result.status is OrderStatus.EFFECTIVE
    assert final.fields.effective_on == completed_on != signed_on
    assert [e.action for e in final.timeline] == [
        Action.ISSUE, Action.SIGN, Action.RECEIVE, Action.FIRST_REVIEW, Action.SCAN,
        Action.SECOND_REVIEW, Action.PAY, Action.PAY,
    ]
    assert [r.seq for r in standins.steps] == list(range(1, 9))
    assert standins.steps[-1].payment == Decimal("7000.00")
    assert final.scans[0].version == 1 and final.fields.location == "Cabinet 3, shelf 2"
    assert [h.keys for h in standins.holds] == [[final.scans[0].key]]  # approved: its scans are held
    assert final.fields.first_reviewer == "amy"
