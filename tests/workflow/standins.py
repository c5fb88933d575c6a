"""Stand-ins for the activities, for workflow unit tests only: they remember what they were asked."""

from __future__ import annotations

from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from domain.errors import CustomerNotOwned
from orderflow.contracts import (
    HoldInput,
    NotifyInput,
    PaidLine,
    PromoteScanInput,
    PromoteSlipInput,
    QueuedLinesInput,
    ScanVersion,
    SlipVersion,
    TransitionRecord,
)
from orderflow.failures import to_application_error
from tests.helpers import queue
from workflows.order import OrderWorkflow


class StandIns:
    def __init__(self) -> None:
        self.steps: list[TransitionRecord] = []
        self.scans: list[PromoteScanInput] = []
        self.notes: list[NotifyInput] = []
        self.slips: list[PromoteSlipInput] = []
        self.holds: list[HoldInput] = []
        self.customer_taken = False  # the database says the customer moved away since the CLI looked
        self.queued: list[PaidLine] = []  # bank lines waiting for an order of the payer; each fits once
        self.queue_asked: list[QueuedLinesInput] = []

    @activity.defn(name="record_step")
    async def record_step(self, rec: TransitionRecord) -> bool:
        if self.customer_taken and rec.action == "sign":
            raise to_application_error(CustomerNotOwned(1, "美来尔", "bob (Bob Li, partner BJ)", rec.rep))
        self.steps.append(rec)
        return True

    @activity.defn(name="find_queued_line")
    async def find_queued_line(self, inp: QueuedLinesInput) -> PaidLine | None:
        self.queue_asked.append(inp)
        claimed = {s.line_ref for s in self.steps if s.line_ref}
        return next((line for line in self.queued if line.ref not in claimed), None)

    @activity.defn(name="notify")
    async def notify(self, note: NotifyInput) -> bool:
        if all(n.key != note.key for n in self.notes):
            self.notes.append(note)
        return True

    @activity.defn(name="promote_scan")
    async def promote_scan(self, inp: PromoteScanInput) -> ScanVersion:
        self.scans.append(inp)
        return ScanVersion(version=len(self.scans), key=f"orders/{inp.partner}/{inp.order_number}/scan-v1.pdf",
                           size=inp.size, sha256=inp.sha256, content_type="application/pdf",
                           uploaded_by=inp.uploaded_by)


    @activity.defn(name="promote_slip")
    async def promote_slip(self, inp: PromoteSlipInput) -> SlipVersion:
        self.slips.append(inp)
        return SlipVersion(version=len(self.slips), key=f"orders/{inp.partner}/{inp.order_number}/slip-v1.jpg",
                           size=inp.size, sha256=inp.sha256, content_type="image/jpeg", uploaded_by=inp.uploaded_by,
                           claimed_amount=inp.claimed_amount, claimed_on=inp.claimed_on)


    @activity.defn(name="hold_scans")
    async def hold_scans(self, inp: HoldInput) -> str:
        self.holds.append(inp)
        return f"legal hold on {len(inp.keys)} scan version(s) of order {inp.order_number}"


def worker_with(client: Client, standins: StandIns) -> tuple[Worker, str]:
    task_queue = queue()
    return Worker(client, task_queue=task_queue, workflows=[OrderWorkflow],
                  activities=[standins.record_step, standins.promote_scan, standins.promote_slip,
                              standins.hold_scans, standins.notify, standins.find_queued_line]), task_queue
