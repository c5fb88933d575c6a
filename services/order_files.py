"""Scans and slips: the file is checked here, staged in S3, and filed by the workflow's activity, which checks
it again; a refused file, or a retry's second copy, leaves nothing staged."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowUpdateFailedError

from db.engine import unit_of_work
from domain.errors import DomainError, InvalidInput, Unavailable
from domain.order import Action, OrderStatus, check_step
from domain.people import Actor
from domain.scans import HEAD_BYTES, TAIL_BYTES, inspect_scan
from orderflow.contracts import OrderView, ScanInput
from orderflow.s3 import StagedUpload
from services.order_desk_base import DeskBase, actor_ref
from workflows.order import OrderWorkflow

# Receives an uploaded file and yields it as a local path, removing it afterwards (the API's streamed body).
FileSource = Callable[[], AbstractAsyncContextManager[Path]]


def local_file(path: Path) -> FileSource:
    """A file already on disk, as a `FileSource` (the benchmark and the load test)."""

    @asynccontextmanager
    async def source() -> AsyncIterator[Path]:
        yield path

    return source


class FileDesk(DeskBase):
    async def scan(self, actor: Actor, number: str, path: Path) -> OrderView:
        """The first scan, or a re-upload (重传) that adds a version once the order is past the scan."""
        return await self.scan_from(actor, number, local_file(path))

    async def scan_from(self, actor: Actor, number: str, receive: FileSource) -> OrderView:
        """As `scan`, receiving the file only once the step is known to be new and allowed: a retry (same key)
        answers as the first attempt did and a refused step, with nothing received or staged."""
        if (answered := await self.replayed(number)) is not None:
            return answered
        now = await self._standing(number)
        action = Action.SCAN if now.status is OrderStatus.AWAITING_SCAN else Action.RESCAN
        update = OrderWorkflow.scan if action is Action.SCAN else OrderWorkflow.rescan
        # Refuse before uploading anything: the same checks the workflow and the activity make.
        check_step(action, now.status, actor, now.parties)
        async with receive() as path:
            return await self.send_file(now.parties.number, path, "scan", update, lambda staged: ScanInput(
                actor=actor_ref(actor), staging_key=staged.key, size=staged.size, sha256=staged.sha256,
                filename=path.name))

    async def send_file(self, number: str, path: Path, what: str, update: Any,
                        make_input: Callable[[StagedUpload], Any]) -> OrderView:
        """Check the file here, stage it in S3, and let the workflow's activity verify and file it."""
        from orderflow.s3 import sse_args, upload_staging

        inspect_local_scan(path, self._settings.scan_max_bytes, what)
        staged = await asyncio.to_thread(upload_staging, self._s3, self._settings.s3_bucket, path, number,
                                         sse_args(self._settings))
        try:
            view = await self._send(self._handle(number), update, make_input(staged))
        except (WorkflowUpdateFailedError, DomainError) as err:
            if isinstance(err, Unavailable):
                raise  # no answer yet: the step may still run, and it needs the staged file
            # Nothing half-written: a refused file leaves no staged object behind.
            await asyncio.to_thread(self._s3.delete_object, Bucket=self._settings.s3_bucket, Key=staged.key)
            raise
        if self._request_id is not None:
            await asyncio.to_thread(self._drop_if_unfiled, staged.key, what)
        return view

    def _drop_if_unfiled(self, staging_key: str, what: str) -> None:
        """A retried upload (same Idempotency-Key) is answered with the first attempt's result, and its own staged
        copy is never filed: remove it. A filed upload's staged object is already gone (`promote_scan`)."""
        from db.models import Scan, Slip
        from db.order_repo import file_by_staging_key

        with unit_of_work(self._sessions) as session:
            row = (file_by_staging_key(session, Slip, staging_key) if what == "slip"
                   else file_by_staging_key(session, Scan, staging_key))
        if row is None:
            self._s3.delete_object(Bucket=self._settings.s3_bucket, Key=staging_key)


def inspect_local_scan(path: Path, max_bytes: int, what: str = "scan") -> None:
    if not path.is_file():
        raise InvalidInput(f"{what} file {path} does not exist or is not a file")
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
        fh.seek(max(0, size - TAIL_BYTES))
        tail = fh.read(TAIL_BYTES)
    inspect_scan(path.name, size, head, tail, max_bytes, what)

