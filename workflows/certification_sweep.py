"""The certification sweep: orders that took effect lately without a certification get one (the safety net of
the start on taking effect, activities/certification_start.py)."""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.certifications import CertificationActivities
    from orderflow.certification_contracts import (
        CERT_ID_REUSE,
        CertificationInput,
        SweepInput,
        SweepResult,
        SweepRun,
        cert_id,
    )
    from workflows.certification import CertificationWorkflow
    from workflows.machine import OUTAGE_RETRY, RECORD_TIMEOUT


@workflow.defn
class CertificationSweepWorkflow:
    """Run every few minutes by a Temporal Schedule: each order that took effect lately and has no certification
    gets its CertificationWorkflow (id `cert-<number>`, which outlives the sweep). Not started from OrderWorkflow
    itself: see services/certifications.py for why."""

    @workflow.run
    async def run(self, inp: SweepInput) -> SweepResult:
        numbers: list[str] = await workflow.execute_activity_method(
            CertificationActivities.uncertified_orders, SweepRun(since=workflow.now() - inp.lookback),
            start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY, summary="effective orders to certify")
        started: list[str] = []
        for number in numbers:
            try:
                await workflow.start_child_workflow(
                    CertificationWorkflow.run, CertificationInput(order_number=number), id=cert_id(number),
                    parent_close_policy=ParentClosePolicy.ABANDON, id_reuse_policy=CERT_ID_REUSE,
                    static_summary=f"Certification of order {number}")
                started.append(number)
            except WorkflowAlreadyStartedError:
                pass  # started by hand meanwhile, or by an earlier sweep whose row is not written yet
        return SweepResult(started=started)
