"""认证: one order's certification, from the documents to the agency's answer, chased by timers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.certifications import CertificationActivities
    from activities.notifications import NotificationActivities
    from domain.certification import (
        DOCUMENT_REASONS,
        FINAL,
        MAX_VERSIONS_PER_KIND,
        PENDING_ROLE,
        REASON_LABELS,
        CertStatus,
        DocumentKind,
        after_failure,
        check_cert_step,
        parse_reasons,
        service_start,
    )
    from domain.errors import DomainError, InvalidInput
    from domain.fields import business_date, clean_text
    from domain.people import Role, desk_address
    from orderflow import search_attributes as sa
    from orderflow.certification_contracts import (
        AnswerInput,
        CertDocument,
        CertificationContext,
        CertificationInput,
        CertificationView,
        CertRecord,
        DocumentInput,
        EscalationInput,
        HandInInput,
        OpenInput,
        PromoteDocumentInput,
        ReturnInput,
        SubmitInput,
    )
    from orderflow.contracts import ActorRef, NotifyInput
    from orderflow.failures import rethrow_activity_failure, to_application_error
    from workflows.files import promote
    from workflows.machine import OUTAGE_RETRY, RECORD_TIMEOUT


def _checked(check: Callable[[], Any]) -> Any:
    try:
        return check()
    except DomainError as err:
        raise to_application_error(err) from err


@workflow.defn
class CertificationWorkflow:
    """One certification, id `cert-<order number>`. Guarantees: each step is checked (role, the order's own rep or
    supervisor, the partner, the status) in its validator and again under the lock, and written to the read model
    before the state moves; each reminder is sent once per wait; identity documents travel as S3 keys only."""

    @workflow.init
    def __init__(self, inp: CertificationInput) -> None:
        self._number = inp.order_number
        self._ctx: CertificationContext | None = None
        self._status: CertStatus | None = None
        self._since: datetime | None = None
        self._rounds, self._allowed = 0, 0
        self._documents: list[CertDocument] = []
        self._position: str | None = None
        self._reasons: list[Any] = []
        self._note: str | None = None
        self._certified_on: Any = None
        self._starts_on: Any = None
        self._seq = 0
        self._docs_at_failure = 0  # documents on file when the last failure for a document reason came
        self._stage = 0  # a new wait each time the status moves: its reminders fire once
        self._lock = asyncio.Lock()

    @workflow.run
    async def run(self, inp: CertificationInput) -> CertificationView:
        ctx = await workflow.execute_activity_method(
            CertificationActivities.open_certification, OpenInput(order_number=self._number, at=workflow.now()),
            start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY, summary="read the order")
        self._ctx, self._allowed = ctx, ctx.policy.max_rounds
        # A restart (the earlier run failed or was terminated) goes on from its row: its steps, rounds, documents.
        self._seq, self._rounds, self._documents = ctx.last_seq, ctx.rounds, list(ctx.documents)
        if not ctx.needed:
            self._status, self._since = CertStatus.NOT_NEEDED, workflow.now()
            self._publish()
            await workflow.wait_condition(workflow.all_handlers_finished)
            return self._view()
        async with self._lock:
            await self._move(CertStatus.AWAITING_DOCUMENTS, inp.started_by)
            await self._tell(ctx.rep, "cert-documents",
                             f"订单 {self._number} 已生效,需要认证:请上传营业执照、申请人身份证件并填写申请人职务。")
        while self._status not in FINAL:
            stage = self._stage
            chases = [c for c in self._chases() if c[0] > workflow.now()]
            if not chases:
                await workflow.wait_condition(lambda stage=stage: self._stage != stage)  # type: ignore[misc]
                continue
            at, kind, recipients, text = chases[0]
            try:
                await workflow.wait_condition(lambda stage=stage: self._stage != stage,  # type: ignore[misc]
                                              timeout=at - workflow.now(),
                                              timeout_summary=f"{self._status} until {kind}")
            except TimeoutError:
                async with self._lock:
                    if self._stage == stage:
                        for recipient in recipients:
                            await self._tell(recipient, kind, text)
                        if kind == "cert-documents-escalation":
                            # The supervisor is told, and can now decide: one more chance, or close it.
                            await self._move(CertStatus.ESCALATED, "system")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view()

    def _chases(self) -> list[tuple[datetime, str, list[str], str]]:
        """The reminders of the current wait, in order: each fires at most once, as the stage moves on after."""
        ctx, since = self._ctx, self._since
        assert ctx is not None and since is not None
        p, n = ctx.policy, self._number
        if self._status is CertStatus.AWAITING_DOCUMENTS:
            return [(since + p.documents_reminder, "cert-documents-reminder", [ctx.rep],
                     f"提醒:订单 {n} 的认证材料仍未提交,请尽快上传。"),
                    (since + p.documents_escalation, "cert-documents-escalation", [ctx.supervisor or ctx.rep],
                     f"升级:订单 {n}({ctx.rep})的认证材料已超过 {p.documents_escalation.days} 天未提交。")]
        if self._status is CertStatus.CHECKING:
            return [(since + p.submission_reminder, "cert-submission-reminder",
                     ctx.assistants or [desk_address(Role.ASSISTANT)],
                     f"提醒:订单 {n} 的认证材料等待核对并提交认证机构。")]
        if self._status is CertStatus.AT_AGENCY:
            return [(since + p.agency_reminder, "cert-agency-reminder",
                     [desk_address(Role.AGENCY_CLERK), desk_address(Role.ORDER_GROUP)],
                     f"提醒:订单 {n} 的认证已提交 {p.agency_reminder.days} 天,认证机构尚未答复。")]
        if self._status is CertStatus.ESCALATED:
            return [(since + p.escalation_reminder, "cert-escalation-reminder", [self._decider()],
                     f"提醒:订单 {n} 的认证等待您决定再给一次机会或关闭。")]
        return []

    def _decider(self) -> str:
        """Who decides an escalation: the order's supervisor, or the order group when it has none."""
        assert self._ctx is not None
        return self._ctx.supervisor or desk_address(Role.ORDER_GROUP)

    # --- queries and what the Web UI shows ------------------------------------------------------------
    @workflow.query
    def view(self) -> CertificationView:
        return self._view()

    def _view(self) -> CertificationView:
        ctx = self._ctx
        return CertificationView(
            order_number=self._number, status=self._status, partner=ctx.partner if ctx else None,
            rep=ctx.rep if ctx else None, supervisor=ctx.supervisor if ctx else None, since=self._since,
            rounds=self._rounds, allowed_rounds=self._allowed, documents=list(self._documents),
            position=self._position, reasons=list(self._reasons), note=self._note, certified_on=self._certified_on,
            service_starts_on=self._starts_on, why=ctx.why if ctx else None)

    def _pending_user(self, status: CertStatus | None) -> str | None:
        ctx = self._ctx
        if ctx is None:
            return None
        if status is CertStatus.AWAITING_DOCUMENTS:
            return ctx.rep
        if status is CertStatus.ESCALATED:
            return ctx.supervisor
        return None

    def _pending_role(self, status: CertStatus) -> Role | None:
        assert self._ctx is not None
        if status is CertStatus.ESCALATED and not self._ctx.supervisor:
            return Role.ORDER_GROUP
        return PENDING_ROLE[status]

    def _publish(self) -> None:
        # No personal data: the status, the order and its people by username, the wait's times.
        ctx, status = self._ctx, self._status
        assert ctx is not None and status is not None
        role, user = self._pending_role(status), self._pending_user(status)
        due = next((c[0] for c in self._chases() if c[0] > workflow.now()), None)
        updates: list[SearchAttributeUpdate[Any]] = [
            sa.CERTIFICATION_STATUS.value_set(status.value),
            sa.ORDER_NUMBER.value_set(self._number),
            sa.CHANNEL_PARTNER.value_set(ctx.partner),
            sa.SALES_REP.value_set(ctx.rep),
            sa.PENDING_ROLE.value_set(role.value) if role else sa.PENDING_ROLE.value_unset(),
            sa.PENDING_USER.value_set(user) if user else sa.PENDING_USER.value_unset(),
            sa.DUE_AT.value_set(due) if due else sa.DUE_AT.value_unset(),
            sa.STATUS_SINCE.value_set(self._since or workflow.now()),
        ]
        workflow.upsert_search_attributes(updates)
        workflow.set_current_details(f"**certification {status.value}** of order {self._number}; round "
                                     f"{self._rounds} of {self._allowed}")

    # --- recording ---------------------------------------------------------------------------------
    async def _move(self, status: CertStatus, actor: str, *, reasons: list[Any] | None = None,
                    note: str | None = None, position: str | None = None) -> None:
        """Write the step through the read model first; only then does the state move."""
        now = workflow.now()
        role, user = self._pending_role(status), self._pending_user(status)
        if status is CertStatus.PASSED:
            assert self._ctx is not None
            self._certified_on, self._starts_on = business_date(now), service_start(self._ctx.effective_on, now)
        rec = CertRecord(seq=self._seq + 1, order_number=self._number, status=status,
                         pending_role=role.value if role else None, pending_user=user, rounds=self._rounds,
                         allowed_rounds=self._allowed, at=now, actor=actor, reasons=reasons, note=note,
                         position=position, certified_on=self._certified_on, service_starts_on=self._starts_on)
        await workflow.execute_activity_method(
            CertificationActivities.record_certification, rec, start_to_close_timeout=RECORD_TIMEOUT,
            retry_policy=OUTAGE_RETRY, summary=f"record certification {status.value}")
        self._seq += 1
        if status is not self._status:
            self._since, self._stage = now, self._stage + 1
        self._status = status
        if reasons is not None:
            self._reasons, self._note = list(reasons), note
        if position is not None:
            self._position = position
        self._publish()

    async def _tell(self, recipient: str, kind: str, text: str) -> None:
        await workflow.execute_activity_method(
            NotificationActivities.notify,
            NotifyInput(key=f"cert:{self._number}:{self._stage}:{kind}:{recipient}", recipient=recipient,
                        order_number=self._number, kind=kind, due_at=None, text=text),
            start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY, summary=f"tell {recipient}: {kind}")

    def _check(self, step: str, actor: ActorRef, standing_in: bool = False) -> None:
        ctx = self._ctx
        if ctx is None or self._status is None:
            return  # still reading the order: the handler waits for it and checks then
        _checked(lambda: check_cert_step(step, self._status, actor.to_domain(),  # type: ignore[arg-type]
                                         number=self._number, partner=ctx.partner, rep=ctx.rep,
                                         supervisor=ctx.supervisor,
                                         deputy=actor.username if standing_in else None))

    async def _ready(self) -> None:
        await workflow.wait_condition(lambda: self._status is not None)

    # --- the rep: the documents ----------------------------------------------------------------------
    @workflow.update
    async def attach_document(self, inp: DocumentInput) -> CertificationView:
        await self._ready()
        async with self._lock:
            self._validate_attach(inp)
            assert self._ctx is not None
            try:
                doc = await promote(CertificationActivities.promote_document, PromoteDocumentInput(
                    order_number=self._number, partner=self._ctx.partner, kind=inp.kind, file=inp.file,
                    uploaded_by=inp.actor.username), f"verify and file the {inp.kind.value} document")
            except ActivityError as err:
                raise rethrow_activity_failure(err) from err
            if all(d.key != doc.key for d in self._documents):
                self._documents.append(doc)
            return self._view()

    @attach_document.validator
    def _validate_attach(self, inp: DocumentInput) -> None:
        self._check("documents", inp.actor, inp.standing_in)
        _checked(lambda: clean_text(inp.file.filename, "file name", max_len=255))
        if sum(d.kind is inp.kind for d in self._documents) >= MAX_VERSIONS_PER_KIND:
            raise to_application_error(InvalidInput(
                f"order {self._number} already has {MAX_VERSIONS_PER_KIND} {inp.kind.value} documents: no more "
                "may be uploaded"))

    @workflow.update
    async def hand_in(self, inp: HandInInput) -> CertificationView:
        await self._ready()
        async with self._lock:
            self._validate_hand_in(inp)
            position = clean_text(inp.position, "position", max_len=200)
            await self._move(CertStatus.CHECKING, inp.actor.username, position=position)
            assert self._ctx is not None
            for assistant in self._ctx.assistants or [desk_address(Role.ASSISTANT)]:
                await self._tell(assistant, "cert-check", f"订单 {self._number} 的认证材料已提交,请核对客户记录后"
                                                         "提交认证机构,或退回销售。")
            return self._view()

    @hand_in.validator
    def _validate_hand_in(self, inp: HandInInput) -> None:
        self._check("documents", inp.actor, inp.standing_in)
        _checked(lambda: clean_text(inp.position, "position", max_len=200))
        missing = [k.value for k in DocumentKind if all(d.kind is not k for d in self._documents)]
        if missing:
            raise to_application_error(InvalidInput(
                f"order {self._number} has no {' or '.join(missing)} document yet: upload it first"))
        if DOCUMENT_REASONS & set(self._reasons) and len(self._documents) <= self._docs_at_failure:
            raise to_application_error(InvalidInput(
                f"the certification of order {self._number} failed on its documents: upload a new one first"))

    # --- the assistant: check and submit, or return --------------------------------------------------
    @workflow.update
    async def submit(self, inp: SubmitInput) -> CertificationView:
        await self._ready()
        async with self._lock:
            self._validate_submit(inp)
            note = clean_text(inp.note, "note", max_len=1000) if inp.note else None
            await self._move(CertStatus.AT_AGENCY, inp.actor.username, note=note)
            await self._tell(desk_address(Role.AGENCY_CLERK), "cert-submitted",
                             f"订单 {self._number} 的认证材料已提交,请审核并答复。")
            return self._view()

    @submit.validator
    def _validate_submit(self, inp: SubmitInput) -> None:
        self._check("check", inp.actor)
        if inp.note:
            _checked(lambda: clean_text(inp.note or "", "note", max_len=1000))

    @workflow.update
    async def return_to_rep(self, inp: ReturnInput) -> CertificationView:
        await self._ready()
        async with self._lock:
            self._validate_return(inp)
            await self._fail(inp.actor.username, inp.reasons, inp.note, "退回")
            return self._view()

    @return_to_rep.validator
    def _validate_return(self, inp: ReturnInput) -> None:
        self._check("check", inp.actor)
        _checked(lambda: parse_reasons([r.value for r in inp.reasons], inp.note))
        if inp.note:  # the handler cleans it: refuse here what it would fail on
            _checked(lambda: clean_text(inp.note or "", "note", max_len=1000))

    # --- the agency: pass or fail ------------------------------------------------------------------------
    @workflow.update
    async def answer(self, inp: AnswerInput) -> CertificationView:
        await self._ready()
        async with self._lock:
            self._validate_answer(inp)
            if not inp.passed:
                await self._fail(inp.actor.username, inp.reasons, inp.note, "认证未通过")
                return self._view()
            note = clean_text(inp.note, "note", max_len=1000) if inp.note else None
            await self._move(CertStatus.PASSED, inp.actor.username, reasons=[], note=note)
            assert self._ctx is not None
            await self._tell(self._ctx.rep, "cert-passed", f"订单 {self._number} 认证通过,服务自 "
                                                           f"{self._starts_on} 起开始。")
            return self._view()

    @answer.validator
    def _validate_answer(self, inp: AnswerInput) -> None:
        self._check("answer", inp.actor)
        if not inp.passed:
            _checked(lambda: parse_reasons([r.value for r in inp.reasons], inp.note))
        elif inp.reasons:
            raise to_application_error(InvalidInput("a pass carries no failure reasons"))
        if inp.note:
            _checked(lambda: clean_text(inp.note or "", "note", max_len=1000))

    async def _fail(self, actor: str, reasons: list[Any], note: str | None, what: str) -> None:
        """A return or a failure uses a round: back to the rep with the reasons, or up to the supervisor."""
        assert self._ctx is not None
        clean = clean_text(note, "note", max_len=1000) if note else None
        self._rounds += 1
        target = after_failure(self._rounds, self._allowed)
        await self._move(target, actor, reasons=list(reasons), note=clean)
        self._docs_at_failure = len(self._documents)
        # Reason labels only: the note may name people; it stays in the certification's row.
        why = ";".join(REASON_LABELS[r] for r in reasons)
        await self._tell(self._ctx.rep, "cert-returned", f"订单 {self._number} 的认证{what}:{why}。"
                         + ("请补正材料后重新提交。" if target is CertStatus.AWAITING_DOCUMENTS else
                            "已用完补正次数,转交主管决定。"))
        if target is CertStatus.ESCALATED:
            await self._tell(self._decider(), "cert-escalation",
                             f"订单 {self._number} 的认证已失败 {self._rounds} 次({why}):请决定再给一次机会或关闭。")

    # --- the supervisor: one more round, or close it --------------------------------------------------
    @workflow.update
    async def decide_escalation(self, inp: EscalationInput) -> CertificationView:
        await self._ready()
        async with self._lock:
            self._validate_escalation(inp)
            note = clean_text(inp.note, "note", max_len=1000)
            if inp.allow:
                # Escalated for documents that never came, a round is left: it is the same round, not one more.
                if self._rounds >= self._allowed:
                    self._allowed += 1
                await self._move(CertStatus.AWAITING_DOCUMENTS, inp.actor.username, note=note)
                assert self._ctx is not None
                await self._tell(self._ctx.rep, "cert-round-allowed",
                                 f"主管同意订单 {self._number} 再提交一次认证材料。")
            else:
                await self._move(CertStatus.FAILED, inp.actor.username, note=note)
            return self._view()

    @decide_escalation.validator
    def _validate_escalation(self, inp: EscalationInput) -> None:
        self._check("escalation", inp.actor, inp.standing_in)
        _checked(lambda: clean_text(inp.note, "note", max_len=1000))


