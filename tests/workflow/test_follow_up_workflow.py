"""The follow-up workflow: its timers on the time-skipping server (stand-in activities), its validators' refusals
on the dev server."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.fields import business_date
from domain.follow_ups import due_moment
from domain.people import Role
from orderflow.contracts import ActorRef, NotifyInput
from orderflow.failures import kind_of
from orderflow.follow_up_contracts import (
    AssignInput,
    AttachInput,
    AttachmentView,
    CloseInput,
    CommentInput,
    DueInput,
    FollowUpFileInput,
    FollowUpInput,
    FollowUpRecord,
    FollowUpView,
    RecipientInput,
)
from tests.helpers import FINANCE, REP, eventually, queue
from workflows.follow_up import FollowUpWorkflow, workflow_id

AMY = ActorRef(username="amy", role=Role.ASSISTANT, partners=["BJ"])
STRANGER = ActorRef(username="sue", role=Role.ASSISTANT, partners=["SH"])


class FollowUpStandIns:
    def __init__(self, gone: frozenset[str] = frozenset()) -> None:
        self.records: list[FollowUpRecord] = []
        self.notes: list[NotifyInput] = []
        self.gone = gone  # deactivated users; their manager is "sam"

    @activity.defn(name="record_follow_up")
    async def record_follow_up(self, rec: FollowUpRecord) -> str | None:
        self.records.append(rec)
        return rec.view.partner

    @activity.defn(name="promote_follow_up_file")
    async def promote_follow_up_file(self, inp: FollowUpFileInput) -> AttachmentView:
        return AttachmentView(version=1, key=f"follow-ups/{inp.case_id}/attachment-v1.pdf", size=inp.size,
                              sha256=inp.sha256, content_type="application/pdf", filename=inp.filename,
                              uploaded_by=inp.uploaded_by)

    @activity.defn(name="follow_up_recipient")
    async def follow_up_recipient(self, inp: RecipientInput) -> str:
        return "sam" if inp.username in self.gone else inp.username

    @activity.defn(name="notify")
    async def notify(self, note: NotifyInput) -> bool:
        self.notes.append(note)
        return True

    def kinds(self) -> list[tuple[str, str]]:
        return [(n.kind, n.recipient) for n in self.notes]


def case_input(today: date, due_in_days: int = 5, **overrides: Any) -> FollowUpInput:
    due = today + timedelta(days=due_in_days)
    fields: dict[str, Any] = dict(
        case_id=f"261130-{uuid.uuid4().hex[:6]}", type="dispute", order_number="BJ100001", partner="BJ",
        opener=REP, description="客户对年费有异议", assignee="amy", assignee_role="assistant", escalate_to="mike",
        due_on=due, due_at=due_moment(due))
    return FollowUpInput(**{**fields, **overrides})


Start = Callable[..., Any]


async def _running(env: WorkflowEnvironment, standins: FollowUpStandIns) -> tuple[Worker, Start]:
    task_queue = queue()
    worker = Worker(env.client, task_queue=task_queue, workflows=[FollowUpWorkflow],
                    activities=[standins.record_follow_up, standins.promote_follow_up_file,
                                standins.follow_up_recipient, standins.notify])

    async def start(inp: FollowUpInput) -> WorkflowHandle[FollowUpWorkflow, FollowUpView]:
        return await env.client.start_workflow(FollowUpWorkflow.run, inp, id=workflow_id(inp.case_id),
                                               task_queue=task_queue)

    return worker, start


async def _today(env: WorkflowEnvironment) -> date:
    return business_date(await env.get_current_time())


async def _past(env: WorkflowEnvironment, moment: datetime) -> None:
    """Let the server's clock run to an hour past `moment`, whatever the time of day the test starts at."""
    await env.sleep(moment + timedelta(hours=1) - await env.get_current_time())


async def test_the_assignee_is_reminded_once_then_the_manager_told_once_when_overdue(ts_env: WorkflowEnvironment):
    standins = FollowUpStandIns()
    worker, start = await _running(ts_env, standins)
    async with worker:
        inp = case_input(await _today(ts_env))
        handle = await start(inp)
        await _past(ts_env, inp.due_at - timedelta(days=1))  # the reminder: a day before the due time
        assert standins.kinds() == [("follow-up-assigned", "amy"), ("follow-up-reminder", "amy")]
        await _past(ts_env, inp.due_at)  # past the due time: escalated, once
        await ts_env.sleep(timedelta(days=10))
        assert standins.kinds()[2:] == [("follow-up-overdue", "mike")]
        view = await handle.query(FollowUpWorkflow.view)
        assert view.overdue and view.reminded
        await handle.execute_update(FollowUpWorkflow.close, CloseInput(
            actor=AMY, outcome="resolved", resolution="explained the fee"))
        result = await handle.result()
    assert result.status == "CLOSED" and result.outcome == "resolved"
    assert [r.event for r in standins.records] == ["opened", "reminded", "escalated", "closed"]
    # Only the opening's record carries the description: the history does not repeat it at every step.
    assert [bool(r.view.description) for r in standins.records] == [True, False, False, False]
    assert len({n.key for n in standins.notes}) == len(standins.notes)


async def test_a_new_due_date_starts_a_new_wait_and_closing_ends_it(ts_env: WorkflowEnvironment):
    standins = FollowUpStandIns()
    worker, start = await _running(ts_env, standins)
    async with worker:
        today = await _today(ts_env)
        first = case_input(today, due_in_days=2)
        handle = await start(first)
        await _past(ts_env, first.due_at - timedelta(days=1))  # reminded for the first wait
        assert [k for k, _ in standins.kinds()] == ["follow-up-assigned", "follow-up-reminder"]
        later = today + timedelta(days=10)
        view = await handle.execute_update(FollowUpWorkflow.set_due, DueInput(
            actor=REP, covers=True, due_on=later, due_at=due_moment(later)))
        assert view.wait == 2 and not view.reminded
        await _past(ts_env, first.due_at + timedelta(days=2))  # the first due time passes: nothing, the wait is new
        assert [k for k, _ in standins.kinds()] == ["follow-up-assigned", "follow-up-reminder", "follow-up-due"]
        await _past(ts_env, due_moment(later) - timedelta(days=1))  # the new wait's reminder
        assert [k for k, _ in standins.kinds()][-1] == "follow-up-reminder"
        await handle.execute_update(FollowUpWorkflow.close, CloseInput(
            actor=REP, outcome="withdrawn", resolution="the customer paid after all"))
        await handle.result()
        told = len(standins.notes)
        await ts_env.sleep(timedelta(days=30))
    assert len(standins.notes) == told  # closed: no escalation ever
    assert "escalated" not in [r.event for r in standins.records]


async def test_a_reassignment_restarts_the_wait_and_a_deactivated_assignee_reaches_their_manager(
        ts_env: WorkflowEnvironment):
    standins = FollowUpStandIns(gone=frozenset({"bob"}))
    worker, start = await _running(ts_env, standins)
    async with worker:
        inp = case_input(await _today(ts_env), due_in_days=3)
        handle = await start(inp)
        await handle.execute_update(FollowUpWorkflow.assign, AssignInput(
            actor=REP, assignee="bob", assignee_role="sales", escalate_to="sam", reason="bob knows the customer"))
        await _past(ts_env, inp.due_at - timedelta(days=1))
        assert ("follow-up-reminder", "sam") in standins.kinds()  # bob left: his manager hears
        await handle.execute_update(FollowUpWorkflow.assign, AssignInput(
            actor=REP, assignee="desk:finance", assignee_role="finance", escalate_to="mike", reason="fee question"))
        await _past(ts_env, inp.due_at)
        view = await handle.query(FollowUpWorkflow.view)
        assert view.assignee == "desk:finance" and view.wait == 3 and view.overdue
        assert standins.kinds()[-1] == ("follow-up-overdue", "mike")
        await handle.execute_update(FollowUpWorkflow.comment, CommentInput(actor=FINANCE, text="looking"))
        await handle.terminate("test over")


async def _refused(handle: WorkflowHandle[FollowUpWorkflow, FollowUpView], update: Any, inp: Any) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await handle.execute_update(update, inp)
    kind = kind_of(caught.value)
    assert kind is not None
    return f"{kind.value}: {caught.value.cause}"


async def test_validators_refuse_strangers_bad_dates_and_a_refund_without_reference(dev_env: WorkflowEnvironment):
    standins = FollowUpStandIns()
    worker, start = await _running(dev_env, standins)
    async with worker:
        today = business_date(datetime.now().astimezone())
        handle = await start(case_input(today, type="refund", assignee="desk:finance", assignee_role="finance"))
        said = await _refused(handle, FollowUpWorkflow.comment, CommentInput(actor=STRANGER, text="hi"))
        assert said.startswith("forbidden") and "only its opener" in said
        # A supervisor over the case may act; the service says whether the case's partner is in their scope.
        sam = ActorRef(username="sam", role=Role.SUPERVISOR, partners=["BJ"])
        assert "forbidden" in await _refused(handle, FollowUpWorkflow.comment, CommentInput(actor=sam, text="x"))
        await handle.execute_update(FollowUpWorkflow.comment, CommentInput(actor=sam, covers=True, text="x"))
        past = today - timedelta(days=1)
        said = await _refused(handle, FollowUpWorkflow.set_due, DueInput(actor=REP, due_on=past,
                                                                          due_at=due_moment(past)))
        assert said.startswith("invalid") and "in the past" in said
        said = await _refused(handle, FollowUpWorkflow.close, CloseInput(actor=FINANCE, outcome="resolved",
                                                                          resolution="paid back"))
        assert said.startswith("invalid") and "reference" in said
        said = await _refused(handle, FollowUpWorkflow.assign, AssignInput(
            actor=FINANCE, assignee="desk:finance", assignee_role="finance", escalate_to="mike", reason="x"))
        assert said.startswith("refused") and "already assigned" in said
        view = await handle.execute_update(FollowUpWorkflow.close, CloseInput(
            actor=FINANCE, outcome="resolved", resolution="paid back", reference="TB-20261130-1"))
        assert view.status == "CLOSED" and view.reference == "TB-20261130-1"
        await handle.result()
    # Nothing half-written: only the accepted comment and the close were recorded after the opening.
    assert [r.event for r in standins.records] == ["opened", "comment", "closed"]


async def test_an_overdue_case_is_found_by_the_saved_query_and_its_attributes_hold_no_personal_data(
        dev_env: WorkflowEnvironment):
    from orderflow import search_attributes as sa
    from orderflow.ops.queries import saved_queries

    standins = FollowUpStandIns()
    worker, start = await _running(dev_env, standins)
    async with worker:
        yesterday = business_date(datetime.now().astimezone()) - timedelta(days=2)
        inp = case_input(yesterday, due_in_days=0)  # already past its due time: escalated at once
        handle = await start(inp)
        await eventually(lambda: handle.query(FollowUpWorkflow.view), lambda v: v.overdue)
        query = next(q.query for q in saved_queries(datetime.now().astimezone()) if q.name == "follow-ups overdue")

        async def found() -> list[str]:
            return [w.id async for w in dev_env.client.list_workflows(f"{query} AND WorkflowId = '{handle.id}'")]

        assert await eventually(found, lambda ids: ids == [handle.id]) == [handle.id]
        # Published once the escalation is recorded and sent.
        described = await eventually(handle.describe,
                                     lambda d: d.typed_search_attributes.get(sa.FOLLOW_UP_STATUS) == "OVERDUE")
        attributes = described.typed_search_attributes
        assert attributes.get(sa.PENDING_USER) == "amy"
        assert attributes.get(sa.CHANNEL_PARTNER) == "BJ" and attributes.get(sa.ORDER_NUMBER) == "BJ100001"
        assert not any(inp.description in str(p.value) for p in attributes)
        assert [k for k, _ in standins.kinds()] == ["follow-up-assigned", "follow-up-overdue"]  # no late reminder
        await handle.terminate("test over")


async def test_an_overdue_case_reassigned_stays_overdue_and_notices_reach_a_deactivated_assignees_manager(
        ts_env: WorkflowEnvironment):
    standins = FollowUpStandIns(gone=frozenset({"bob"}))
    worker, start = await _running(ts_env, standins)
    async with worker:
        inp = case_input(await _today(ts_env), due_in_days=1, assignee="bob", assignee_role="sales")
        handle = await start(inp)
        await _past(ts_env, inp.due_at)
        assert [k for k, _ in standins.kinds()].count("follow-up-overdue") == 1
        view = await handle.execute_update(FollowUpWorkflow.assign, AssignInput(
            actor=REP, assignee="amy", assignee_role="assistant", escalate_to="mike", reason="amy takes it"))
        assert view.overdue and view.wait == 2
        await ts_env.sleep(timedelta(days=5))
        assert [k for k, _ in standins.kinds()].count("follow-up-overdue") == 1  # not escalated again
        # The due date is what starts a fresh wait (and a fresh escalation).
        later = await _today(ts_env) + timedelta(days=3)
        view = await handle.execute_update(FollowUpWorkflow.set_due, DueInput(
            actor=REP, due_on=later, due_at=due_moment(later)))
        assert not view.overdue
        await handle.execute_update(FollowUpWorkflow.assign, AssignInput(
            actor=REP, assignee="bob", assignee_role="sales", escalate_to="sam", reason="back to bob"))
        await handle.execute_update(FollowUpWorkflow.comment, CommentInput(actor=REP, text="please call"))
        await handle.execute_update(FollowUpWorkflow.close, CloseInput(actor=REP, outcome="withdrawn",
                                                                      resolution="no longer asked"))
        await handle.result()
    # bob left: the comment's and the close's notices reach his manager, not his dead mailbox.
    told = {kind: who for kind, who in standins.kinds()}
    assert told["follow-up-comment"] == "sam" and told["follow-up-closed"] == "sam"
    assert "bob" not in [who for kind, who in standins.kinds() if kind != "follow-up-assigned"]


async def test_an_attachment_is_filed_with_the_scans_timeout_and_heartbeat(ts_env: WorkflowEnvironment):
    from temporalio.api.enums.v1 import EventType

    from workflows.files import FILE_HEARTBEAT, FILE_TIMEOUT

    standins = FollowUpStandIns()
    worker, start = await _running(ts_env, standins)
    async with worker:
        handle = await start(case_input(await _today(ts_env)))
        await handle.execute_update(FollowUpWorkflow.attach, AttachInput(
            actor=AMY, staging_key="staging/follow-ups/x/1", size=3000, sha256="0" * 64, filename="a.pdf"))
        history = await handle.fetch_history()
        await handle.terminate("test over")
    scheduled = [e.activity_task_scheduled_event_attributes for e in history.events
                 if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
                 and e.activity_task_scheduled_event_attributes.activity_type.name == "promote_follow_up_file"]
    assert len(scheduled) == 1
    assert scheduled[0].start_to_close_timeout.ToTimedelta() == FILE_TIMEOUT
    assert scheduled[0].heartbeat_timeout.ToTimedelta() == FILE_HEARTBEAT
