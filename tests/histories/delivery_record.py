"""Record the delivery paths (tests/histories/record.py calls this): one channel delivered after an hour of
retries and one given up after days down; and the sweep restarting one notification's delivery."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from orderflow.delivery_contracts import DeliveryInput, SweepInput, SweepResult, delivery_workflow_id
from tests.workflow.test_delivery_workflow import Channels
from workflows.delivery import DeliverySweepWorkflow, DeliveryWorkflow

PATHS = ("delivery", "delivery-sweep")


@activity.defn(name="sweep_deliveries")
async def sweep(inp: SweepInput) -> SweepResult:
    return SweepResult(started=1)


async def record_deliveries(env: WorkflowEnvironment, wanted: Callable[[str], bool], here: Path) -> None:
    if wanted("delivery"):
        channels, queue = Channels(), f"rec-{uuid.uuid4().hex}"
        async with Worker(env.client, task_queue=queue, workflows=[DeliveryWorkflow],
                          activities=[channels.delivery_plan, channels.deliver, channels.give_up]):
            h = await env.client.start_workflow(DeliveryWorkflow.run, DeliveryInput(key="BJ999999:2:reminder:alice"),
                                                id=delivery_workflow_id(f"rec-{uuid.uuid4().hex}"), task_queue=queue)
            await h.result()
        (here / "delivery.json").write_text((await h.fetch_history()).to_json(), encoding="utf-8")
    if wanted("delivery-sweep"):
        queue = f"rec-{uuid.uuid4().hex}"
        async with Worker(env.client, task_queue=queue, workflows=[DeliverySweepWorkflow], activities=[sweep]):
            h = await env.client.start_workflow(DeliverySweepWorkflow.run, SweepInput(),
                                                id=f"rec-{uuid.uuid4().hex}", task_queue=queue)
            await h.result()
        (here / "delivery-sweep.json").write_text((await h.fetch_history()).to_json(), encoding="utf-8")
