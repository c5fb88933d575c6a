"""A special follow-up (其它特殊问题跟进): one case per workflow, id `followup-<case>`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.follow_ups import FollowUpActivities
    from activities.notifications import NotificationActivities
    from domain.errors import DomainError, InvalidInput, Refused
    from domain.fields import business_date, clean_text
    from domain.follow_ups import (
        CLOSED,
        MAX_ATTACHMENTS,
        MAX_COMMENTS,
        OPEN,
        OUTCOME_LABELS,
        FollowUpType,
        Parties,
        check_close,
        check_may_act,
        check_open,
        check_room,
        parse_outcome,
    )
    from orderflow.contracts import NotifyInput
    from orderflow.failures import to_application_error
    from orderflow.follow_up_contracts import (
        Acting,
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
        OpenedInput,
        RecipientInput,
    )
    from workflows.files import promote
    from workflows.follow_up_view import details, label, search_updates, subject
    from workflows.machine import OUTAGE_RETRY, RECORD_TIMEOUT


def workflow_id(case_id: str) -> str:
    return f"followup-{case_id}"


@workflow.defn
class FollowUpWorkflow:
    """Guarantees: the assignee is reminded once per wait before the due time, and the escalation target told
    once per wait when it passes; a new due date or assignee starts a new wait; closing ends every timer."""

    @workflow.init
    def __init__(self, inp: FollowUpInput) -> None:
        self._inp = inp
        self._view = FollowUpView(
            case_id=inp.case_id, type=inp.type, order_number=inp.order_number, customer_id=inp.customer_id,
            partner=inp.partner, opener=inp.opener.username, description=inp.description, assignee=inp.assignee,
            escalate_to=inp.escalate_to, due_on=inp.due_on, due_at=inp.due_at, status=OPEN,
            correction_id=inp.correction_id, opened_at=workflow.now())
        self._assignee_role = inp.assignee_role
        self._wait_since = workflow.now()
        self._lock = asyncio.Lock()  # an update and a timer never both change the case
        self._ready = False
        self._seq = 0

    @workflow.run
    async def run(self, inp: FollowUpInput) -> FollowUpView:
        async with self._lock:
            await self._record("opened", inp.opener.username,
                               f"{self._label()} for {self._view.assignee}, due {inp.due_on.isoformat()}")
            await self._tell(self._view.assignee, "follow-up-assigned",
                             f"新的跟进事项 {self._subject()}：{self._label()}，到期日 {inp.due_on.isoformat()}")
            self._ready = True
            self._publish()
        while self._view.status == OPEN:
            wait = self._view.wait
            remind = self._view.due_at - inp.policy.remind_before
            if not await self._until(remind, wait, "waiting for the assignee"):
                continue
            async with self._lock:
                # A wait that began inside the reminder window got its notice when it began.
                if self._same(wait) and not self._view.reminded and self._wait_since < remind:
                    await self._remind(wait)
            if not await self._until(self._view.due_at, wait, "waiting for the assignee (reminded)"):
                continue
            async with self._lock:
                if self._same(wait) and not self._view.overdue:
                    await self._escalate(wait)
            await self._until_changed(wait)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view

    @workflow.query
    def view(self) -> FollowUpView:
        return self._view

    # -- updates ----------------------------------------------------------------------------------------------

    @workflow.update
    async def opened(self, inp: OpenedInput) -> FollowUpView:
        """The opening request's answer (update-with-start): the case once its opening is recorded, so the next
        command finds it in the read model without polling."""
        await workflow.wait_condition(lambda: self._ready)
        return self._view

    @opened.validator
    def _validate_opened(self, inp: OpenedInput) -> None:
        if inp.case_id != self._inp.case_id:
            raise to_application_error(Refused(f"this is follow-up {self._inp.case_id}, not {inp.case_id}"))

    @workflow.update
    async def comment(self, inp: CommentInput) -> FollowUpView:
        async with self._turn():
            self._validate_comment(inp)
            text = clean_text(inp.text, "comment", max_len=4000)
            self._view = self._view.model_copy(update={"comments": self._view.comments + 1})
            await self._record("comment", inp.actor.username, "", comment=text)
            if inp.actor.username != self._view.assignee:
                await self._tell(await self._recipient(self._view.assignee), "follow-up-comment",
                                 f"{inp.actor.username} 在跟进事项 {self._subject()} 留言：{text}",
                                 key=f"comment:{self._seq}")
            return self._view

    @comment.validator
    def _validate_comment(self, inp: CommentInput) -> None:
        def room() -> None:
            clean_text(inp.text, "comment", max_len=4000)
            check_room(self._view.comments, MAX_COMMENTS, "comments", self._inp.case_id)

        self._check(inp, "comment on it", room)

    @workflow.update
    async def attach(self, inp: AttachInput) -> FollowUpView:
        async with self._turn():
            self._validate_attach(inp)
            # Hashing a large file takes a while: the scans' timeout and heartbeat, not a record's.
            added: AttachmentView = await promote(
                FollowUpActivities.promote_follow_up_file,
                FollowUpFileInput(case_id=self._inp.case_id, staging_key=inp.staging_key, size=inp.size,
                                  sha256=inp.sha256, filename=inp.filename, uploaded_by=inp.actor.username),
                "file an attachment")
            self._view = self._view.model_copy(update={"attachments": [*self._view.attachments, added]})
            await self._record("attached", inp.actor.username, f"v{added.version} ({added.size:,} bytes)")
            return self._view

    @attach.validator
    def _validate_attach(self, inp: AttachInput) -> None:
        def room() -> None:
            clean_text(inp.filename, "file name")
            check_room(len(self._view.attachments), MAX_ATTACHMENTS, "attachments", self._inp.case_id)

        self._check(inp, "attach files to it", room)

    @workflow.update
    async def assign(self, inp: AssignInput) -> FollowUpView:
        async with self._turn():
            self._validate_assign(inp)
            before = self._view.assignee
            # The due time stays: an overdue case stays overdue (escalated once) until a new due date.
            self._new_wait(assignee=inp.assignee, escalate_to=inp.escalate_to, overdue=self._view.overdue)
            self._assignee_role = inp.assignee_role
            await self._record("assigned", inp.actor.username, f"{before} -> {inp.assignee}: {inp.reason}")
            await self._tell(inp.assignee, "follow-up-assigned",
                             f"跟进事项 {self._subject()}（{self._label()}）转给你处理，到期日 "
                             f"{self._view.due_on.isoformat()}：{inp.reason}")
            self._publish()
            return self._view

    @assign.validator
    def _validate_assign(self, inp: AssignInput) -> None:
        def same() -> None:
            clean_text(inp.reason, "reason", max_len=1000)
            if inp.assignee == self._view.assignee:
                raise Refused(f"follow-up {self._inp.case_id} is already assigned to {inp.assignee}")

        self._check(inp, "reassign it", same)

    @workflow.update
    async def set_due(self, inp: DueInput) -> FollowUpView:
        async with self._turn():
            self._validate_due(inp)
            before = self._view.due_on
            self._new_wait(due_on=inp.due_on, due_at=inp.due_at)
            await self._record("due", inp.actor.username, f"{before.isoformat()} -> {inp.due_on.isoformat()}")
            if inp.actor.username != self._view.assignee:
                await self._tell(await self._recipient(self._view.assignee), "follow-up-due",
                                 f"跟进事项 {self._subject()} 的到期日改为 {inp.due_on.isoformat()}")
            self._publish()
            return self._view

    @set_due.validator
    def _validate_due(self, inp: DueInput) -> None:
        def dated() -> None:
            if inp.due_on < business_date(workflow.now()):
                raise InvalidInput(f"due date {inp.due_on.isoformat()} is in the past")
            if inp.due_on == self._view.due_on:
                raise Refused(f"follow-up {self._inp.case_id} is already due on {inp.due_on.isoformat()}")

        self._check(inp, "change its due date", dated)

    @workflow.update
    async def close(self, inp: CloseInput) -> FollowUpView:
        async with self._turn():
            self._validate_close(inp)
            outcome = parse_outcome(inp.outcome)
            self._view = self._view.model_copy(update={
                "status": CLOSED, "outcome": outcome.value, "resolution": clean_text(inp.resolution, "resolution",
                                                                                     max_len=4000),
                "reference": inp.reference, "closed_at": workflow.now()})
            await self._record("closed", inp.actor.username, f"{outcome.value}: {self._view.resolution}")
            word = OUTCOME_LABELS[outcome]
            for who in sorted({self._view.opener, self._view.assignee} - {inp.actor.username}):
                await self._tell(await self._recipient(who), "follow-up-closed",
                                 f"跟进事项 {self._subject()}（{self._label()}）已结案"
                                 f"（{word}）：{self._view.resolution}")
            self._publish()
            return self._view

    @close.validator
    def _validate_close(self, inp: CloseInput) -> None:
        def closable() -> None:
            clean_text(inp.resolution, "resolution", max_len=4000)
            check_close(FollowUpType(self._view.type), parse_outcome(inp.outcome), inp.reference,
                        inp.correction_status)

        self._check(inp, "close it", closable)

    # -- the parts ---------------------------------------------------------------------------------------------

    def _check(self, inp: Acting, what: str, more: Any) -> None:
        try:
            check_may_act(inp.actor.to_domain(), Parties(self._inp.case_id, self._view.opener, self._view.assignee),
                          inp.covers, what)
            check_open(self._view.status, self._inp.case_id)
            more()
        except DomainError as err:
            raise to_application_error(err) from err

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """One change at a time, and none before the case is recorded as opened."""
        await workflow.wait_condition(lambda: self._ready)
        async with self._lock:
            yield

    def _same(self, wait: int) -> bool:
        return self._view.wait == wait and self._view.status == OPEN

    async def _until(self, moment: datetime, wait: int, summary: str) -> bool:
        """Whether `moment` came with the same wait and the case still open."""
        left = moment - workflow.now()
        if left.total_seconds() > 0:
            with suppress(TimeoutError):
                await workflow.wait_condition(lambda: not self._same(wait), timeout=left, timeout_summary=summary)
        return self._same(wait)

    async def _until_changed(self, wait: int) -> None:
        """Overdue and escalated: no more timers until a new due date, a new assignee or the close."""
        await workflow.wait_condition(lambda: not self._same(wait))

    def _new_wait(self, **changes: Any) -> None:
        self._view = self._view.model_copy(update={"overdue": False, **changes, "wait": self._view.wait + 1,
                                                   "reminded": False})
        self._wait_since = workflow.now()

    async def _remind(self, wait: int) -> None:
        self._view = self._view.model_copy(update={"reminded": True})
        who = await self._recipient(self._view.assignee)
        await self._record("reminded", "system", f"reminded {who}", key=f"reminded:{wait}")
        await self._tell(who, "follow-up-reminder", f"提醒：跟进事项 {self._subject()}（{self._label()}）"
                         f"将于 {self._view.due_on.isoformat()} 到期", key=f"reminder:{wait}")

    async def _escalate(self, wait: int) -> None:
        self._view = self._view.model_copy(update={"overdue": True})
        who = await self._recipient(self._view.escalate_to)
        await self._record("escalated", "system", f"overdue: escalated to {who}", key=f"escalated:{wait}")
        await self._tell(who, "follow-up-overdue", f"跟进事项 {self._subject()}（{self._label()}）已逾期"
                         f"（到期日 {self._view.due_on.isoformat()}，负责人 {self._view.assignee}），请督办",
                         key=f"escalation:{wait}")
        self._publish()

    async def _recipient(self, username: str) -> str:
        # The escalation target's own fallback is the opener, never itself.
        fallback = self._view.opener if username == self._view.escalate_to else self._view.escalate_to
        found: str = await workflow.execute_activity_method(
            FollowUpActivities.follow_up_recipient,
            RecipientInput(username=username, fallback=fallback),
            start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY, summary=f"who answers for {username}")
        return found

    async def _record(self, event: str, actor: str, detail: str, comment: str | None = None,
                      key: str | None = None) -> None:
        self._seq += 1
        partner: str | None = await workflow.execute_activity_method(
            FollowUpActivities.record_follow_up,
            FollowUpRecord(view=self._view if event == "opened" else self._lean(), seq=self._seq,
                           event_key=f"{self._inp.case_id}:{key or f'{event}:{self._seq}'}",
                           event=event, actor=actor, at=workflow.now(), detail=detail, comment=comment),
            start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY, summary=f"record {event}")
        # The customer moved to another partner: the case follows, its search attribute at the next publish.
        if partner is not None and partner != self._view.partner:
            self._view = self._view.model_copy(update={"partner": partner})

    def _lean(self) -> FollowUpView:
        """The case without what never changes after the opening (its description) or is filed elsewhere (its
        attachments): each record stays small in the history. The opening record, which writes them, comes first."""
        return self._view.model_copy(update={"description": "", "attachments": []})

    async def _tell(self, recipient: str, kind: str, text: str, key: str | None = None) -> None:
        await workflow.execute_activity_method(
            NotificationActivities.notify,
            NotifyInput(key=f"{workflow_id(self._inp.case_id)}:{key or f'{kind}:{self._seq}'}:{recipient}",
                        recipient=recipient, order_number=f"follow-up:{self._inp.case_id}", kind=kind,
                        due_at=self._view.due_at, text=text),
            start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY, summary=f"tell {recipient}: {kind}")

    def _label(self) -> str:
        return label(self._view)

    def _subject(self) -> str:
        return subject(self._view)

    def _publish(self) -> None:
        workflow.upsert_search_attributes(search_updates(self._view, self._assignee_role, self._wait_since))
        workflow.set_current_details(details(self._view))
