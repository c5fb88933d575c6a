"""Filing an uploaded file (a scan or a remittance slip) through its promotion activity."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.machine import OUTAGE_RETRY

# Hashing and copying a file of up to the size limit; heartbeats show it is still alive.
FILE_TIMEOUT = timedelta(minutes=10)
FILE_HEARTBEAT = timedelta(seconds=30)


async def promote(activity: Any, inp: Any, summary: str) -> Any:
    """Run a promotion activity: verified and versioned once, however often it is retried."""
    return await workflow.execute_activity_method(
        activity, inp, start_to_close_timeout=FILE_TIMEOUT, heartbeat_timeout=FILE_HEARTBEAT,
        retry_policy=OUTAGE_RETRY, summary=summary,
    )
