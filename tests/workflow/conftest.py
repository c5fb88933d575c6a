"""Fixtures for workflow tests on the dev server."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from orderflow.contracts import OrderView
from tests.helpers import eventually, issue
from tests.workflow.standins import StandIns, worker_with
from workflows.order import OrderWorkflow


@dataclass
class Order:
    handle: WorkflowHandle[OrderWorkflow, OrderView]
    standins: StandIns


@pytest.fixture
async def issued(dev_env: WorkflowEnvironment) -> AsyncIterator[Order]:
    """A freshly issued order, its issue already recorded."""
    standins = StandIns()
    worker, task_queue = worker_with(dev_env.client, standins)
    async with worker:
        handle = await dev_env.client.start_workflow(
            OrderWorkflow.run, issue(), id=f"order-test-{uuid.uuid4().hex}", task_queue=task_queue)
        await eventually(lambda: handle.query(OrderWorkflow.view), lambda v: bool(v.timeline))
        yield Order(handle, standins)
        await handle.terminate("test over")
