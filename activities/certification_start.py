"""Starting an order's certification the moment the order is written EFFECTIVE (by `record_step`), instead of at the
next certification sweep. Not from OrderWorkflow itself: a child workflow would change every order's history, and
on the shared time-skipping test server a child outliving its test blocks time skipping (services/certifications.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import Future

from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError

from orderflow.certification_contracts import CERT_ID_REUSE, CERTIFICATION_WORKFLOW, CertificationInput, cert_id

log = logging.getLogger("orderflow.certifications")


class CertificationStart:
    """Best effort, and never waited for: `record_step` runs in the worker's thread pool (as a local activity with a
    short timeout), so the start is handed to the worker's event loop and the step returns at once. A start that
    fails (Temporal unreachable, the worker stopping) is logged, and the sweep starts it later. An order that needs
    no certification (an unchanged renewal) finds that out in its CertificationWorkflow, as a swept one does."""

    def __init__(self, client: Client, task_queue: str, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._client, self._task_queue = client, task_queue
        self._loop = loop or asyncio.get_running_loop()

    async def _start(self, number: str) -> None:
        # Already started: by the sweep, by hand, or by an earlier attempt of the same step.
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await self._client.start_workflow(CERTIFICATION_WORKFLOW, CertificationInput(order_number=number),
                                              id=cert_id(number), task_queue=self._task_queue,
                                              id_reuse_policy=CERT_ID_REUSE,
                                              static_summary=f"Certification of order {number}")

    def __call__(self, number: str) -> None:
        def done(future: Future[None]) -> None:
            error = None if future.cancelled() else future.exception()
            if future.cancelled() or error is not None:
                log.warning("could not start the certification of order %s now (%s); the sweep will", number,
                            type(error).__name__ if error else "cancelled")

        try:
            asyncio.run_coroutine_threadsafe(self._start(number), self._loop).add_done_callback(done)
        except RuntimeError:  # the worker's loop is closed: the worker is stopping
            log.warning("could not start the certification of order %s now (the worker is stopping); the sweep "
                        "will", number)
