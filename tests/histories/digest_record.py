"""Record the daily digest's path (tests/histories/record.py calls this): three people listed, two digests sent,
one person with nothing left when their turn came."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from orderflow.digest_contracts import DigestInput
from tests.workflow.test_digest_workflow import DigestStandIns
from workflows.digest import DigestWorkflow

PATHS = ("digest",)


async def record_digest(env: WorkflowEnvironment, wanted: Callable[[str], bool], here: Path) -> None:
    if not wanted("digest"):
        return
    standins, queue = DigestStandIns(), f"rec-{uuid.uuid4().hex}"
    async with Worker(env.client, task_queue=queue, workflows=[DigestWorkflow],
                      activities=[standins.digest_people, standins.digest_note, standins.notify]):
        with env.auto_time_skipping_disabled():
            h = await env.client.start_workflow(DigestWorkflow.run, DigestInput(), id=f"rec-{uuid.uuid4().hex}",
                                                task_queue=queue)
            await h.result()
        (here / "digest.json").write_text((await h.fetch_history()).to_json(), encoding="utf-8")
