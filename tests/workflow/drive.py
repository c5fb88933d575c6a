"""Drive an order workflow to a given state with stand-in activities."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.fields import business_date
from domain.order import OrderStatus
from domain.timers import Policy
from orderflow.contracts import OrderView, ScanInput
from tests.helpers import ASSISTANT, eventually, issue, second_review, sign, step
from tests.workflow.standins import StandIns, worker_with
from workflows.order import OrderWorkflow

ORDER_OF_STEPS = [
    OrderStatus.ISSUED, OrderStatus.AWAITING_ORIGINAL, OrderStatus.FIRST_REVIEW, OrderStatus.AWAITING_SCAN,
    OrderStatus.SECOND_REVIEW, OrderStatus.AWAITING_PAYMENT,
]


def scan_input(key: str = "staging/k") -> ScanInput:
    return ScanInput(actor=ASSISTANT, staging_key=key, size=3, sha256="b" * 64, filename="x.pdf")


async def drive(handle: WorkflowHandle[OrderWorkflow, OrderView], to: OrderStatus) -> OrderView:
    """From wherever the order is on the happy path, forward to `to`."""
    view = await handle.query(OrderWorkflow.view)
    while view.status is not to:
        match view.status:
            case OrderStatus.ISSUED:
                # The workflow's clock, which on the time-skipping server runs ahead of ours.
                view = await handle.execute_update(OrderWorkflow.sign,
                                                   sign(signed_on=business_date(view.timeline[-1].at)))
            case OrderStatus.AWAITING_ORIGINAL:
                view = await handle.execute_update(OrderWorkflow.receive, step())
            case OrderStatus.FIRST_REVIEW:
                view = await handle.execute_update(OrderWorkflow.first_review, step())
            case OrderStatus.AWAITING_SCAN:
                view = await handle.execute_update(OrderWorkflow.scan, scan_input(f"staging/{len(view.timeline)}"))
            case OrderStatus.SECOND_REVIEW:
                view = await handle.execute_update(OrderWorkflow.second_review, second_review())
            case _:
                raise AssertionError(f"cannot drive from {view.status} to {to}")
    return view


@asynccontextmanager
async def started_order(env: WorkflowEnvironment, standins: StandIns, policy: Policy | None = None,
                        history_limit: int = 10_000) -> AsyncIterator[WorkflowHandle[OrderWorkflow, OrderView]]:
    """A fresh order (a random BJ number) on its own worker with `standins`, its issue already recorded; the
    worker runs until the block ends."""
    worker, task_queue = worker_with(env.client, standins)
    number = f"BJ{uuid.uuid4().int % 10**6:06d}"
    async with worker:
        handle = await env.client.start_workflow(OrderWorkflow.run, issue(number, policy, history_limit),
                                                 id=f"order-{number}", task_queue=task_queue)
        await eventually(lambda: handle.query(OrderWorkflow.view), lambda v: bool(v.timeline))
        yield handle
