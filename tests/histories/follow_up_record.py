"""Record the follow-up workflow's paths (tests/histories/record.py calls this): one case reminded, escalated,
given a new due date and closed; one commented, given an attachment, reassigned and closed at once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.fields import business_date
from domain.follow_ups import due_moment
from orderflow.follow_up_contracts import AssignInput, AttachInput, CloseInput, CommentInput, DueInput, OpenedInput
from tests.helpers import REP
from tests.workflow.test_follow_up_workflow import AMY, FollowUpStandIns, case_input
from workflows.follow_up import FollowUpWorkflow, workflow_id

PATHS = ("follow-up-escalated", "follow-up-worked")


async def record_follow_ups(env: WorkflowEnvironment, wanted: Callable[[str], bool], here: Path) -> None:
    for name in PATHS:
        if not wanted(name):
            continue
        standins, queue = FollowUpStandIns(gone=frozenset({"bob"})), f"rec-{uuid.uuid4().hex}"
        async with Worker(env.client, task_queue=queue, workflows=[FollowUpWorkflow],
                          activities=[standins.record_follow_up, standins.promote_follow_up_file,
                                      standins.follow_up_recipient, standins.notify]):
            today = business_date(await env.get_current_time())
            inp = case_input(today, due_in_days=3)
            # As `follow-up open` does it: one update-with-start that answers once the opening is recorded.
            start = WithStartWorkflowOperation(FollowUpWorkflow.run, inp, id=workflow_id(inp.case_id),
                                               task_queue=queue, id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
            await env.client.execute_update_with_start_workflow(
                FollowUpWorkflow.opened, OpenedInput(case_id=inp.case_id), start_workflow_operation=start)
            h = await start.workflow_handle()
            if name == "follow-up-escalated":
                await env.sleep(inp.due_at + timedelta(hours=1) - await env.get_current_time())
                later = today + timedelta(days=10)
                await h.execute_update(FollowUpWorkflow.set_due, DueInput(actor=REP, due_on=later,
                                                                          due_at=due_moment(later)))
                await h.execute_update(FollowUpWorkflow.close, CloseInput(actor=AMY, outcome="resolved",
                                                                          resolution="explained"))
            else:
                await h.execute_update(FollowUpWorkflow.comment, CommentInput(actor=AMY, text="called"))
                await h.execute_update(FollowUpWorkflow.attach, AttachInput(
                    actor=AMY, staging_key="staging/follow-ups/x/1", size=3000, sha256="0" * 64, filename="a.pdf"))
                await h.execute_update(FollowUpWorkflow.assign, AssignInput(
                    actor=REP, assignee="bob", assignee_role="sales", escalate_to="sam", reason="his customer"))
                await h.execute_update(FollowUpWorkflow.close, CloseInput(actor=REP, outcome="withdrawn",
                                                                          resolution="no longer asked"))
            await h.result()
            (here / f"{name}.json").write_text((await h.fetch_history()).to_json(), encoding="utf-8")
