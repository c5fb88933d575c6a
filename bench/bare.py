"""The baseline: a bare workflow with the order's shape (the same updates and activities) doing nothing,
run by a bare worker. `python -m bench.bare` runs that worker against ORDERFLOW_* settings."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.worker import Worker

STEPS = {"sign": 1, "receive": 1, "first_review": 1, "scan": 2, "second_review": 2, "pay": 1}
# In orderflow's shape, the steps' database writes are local activities and only the scan's promotion and the
# second review's legal hold (S3) are regular ones; the issue is an update-with-start.
REGULAR = {"scan": 1, "second_review": 1}


@activity.defn(name="bare_noop")
async def noop(step: str) -> str:
    return step


@workflow.defn(name="BareOrder")
class BareOrder:
    """shape "plain": every activity a regular one (the issue's baseline); "orderflow": orderflow's own shape."""

    @workflow.init
    def __init__(self, number: str, shape: str = "plain") -> None:
        self._done = 0
        self._started = False
        self._shape = shape  # an update can come in the first task, before run begins

    @workflow.run
    async def run(self, number: str, shape: str = "plain") -> int:
        await self._work("issue", 1)
        self._started = True
        await workflow.wait_condition(lambda: self._done == len(STEPS) and workflow.all_handlers_finished())
        return self._done

    async def _work(self, step: str, activities: int) -> int:
        for i in range(activities):
            if self._shape == "orderflow" and i >= REGULAR.get(step, 0):
                await workflow.execute_local_activity(noop, step, start_to_close_timeout=timedelta(seconds=30))
            else:
                await workflow.execute_activity(noop, step, start_to_close_timeout=timedelta(seconds=30))
        return self._done

    @workflow.update
    async def issued(self) -> int:
        await workflow.wait_condition(lambda: self._started)
        return self._done

    @workflow.update
    async def step(self, name: str) -> int:
        await self._work(name, STEPS[name])
        self._done += 1
        return self._done


async def serve() -> None:
    from orderflow.settings import Settings
    from orderflow.temporal import connect

    settings = Settings()
    client = await connect(settings)
    from worker import WORKFLOW_RUNNER

    # The same workflow runner as orderflow's worker, so the ratio compares the work, not the runner.
    async with Worker(client, task_queue=settings.task_queue + "-bare", workflows=[BareOrder], activities=[noop],
                      max_cached_workflows=settings.worker_max_cached_workflows, workflow_runner=WORKFLOW_RUNNER):
        print("bare worker polling", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    from orderflow.process import exit_now

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    exit_now(0)


if __name__ == "__main__":
    import signal

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    main()
