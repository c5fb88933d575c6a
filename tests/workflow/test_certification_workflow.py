"""CertificationWorkflow (认证) on the time-skipping server with stand-in activities: documents that never arrive,
an agency that never answers, fail-resubmit-pass, capped rounds; and the validators' refusals on the dev server."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.certification import CertStatus, DocumentKind, FailReason
from domain.order import OrderKind
from domain.people import Role
from orderflow.certification_contracts import (
    AnswerInput,
    CertDocument,
    CertificationContext,
    CertificationInput,
    CertificationView,
    CertPolicyModel,
    CertRecord,
    DocumentInput,
    EscalationInput,
    HandInInput,
    OpenInput,
    PromoteDocumentInput,
    ReturnInput,
    StagedFile,
    SubmitInput,
    SweepInput,
    SweepRun,
)
from orderflow.contracts import ActorRef, NotifyInput
from tests.helpers import ASSISTANT, OTHER_REP, REP, eventually, queue
from workflows.certification import CertificationWorkflow
from workflows.certification_sweep import CertificationSweepWorkflow

CLERK = ActorRef(username="vera", role=Role.AGENCY_CLERK)
SUPERVISOR = ActorRef(username="sam", role=Role.SUPERVISOR, partners=["BJ"])


class CertStandIns:
    def __init__(self, needed: bool = True, max_rounds: int = 3, supervisor: str | None = "sam",
                 earlier: dict[str, object] | None = None) -> None:
        self.supervisor, self.earlier = supervisor, earlier or {}
        self.records: list[CertRecord] = []
        self.notes: list[NotifyInput] = []
        self.files: list[PromoteDocumentInput] = []
        self.needed, self.max_rounds = needed, max_rounds
        self.uncertified: list[str] = []

    @activity.defn(name="open_certification")
    async def open_certification(self, inp: OpenInput) -> CertificationContext:
        return CertificationContext(needed=self.needed, why="test", order_number=inp.order_number, partner="BJ",
                                    rep="alice", supervisor=self.supervisor, customer_id=1, kind=OrderKind.NEW,
                                    effective_on=date(2026, 1, 5), assistants=["amy"],
                                    policy=CertPolicyModel(max_rounds=self.max_rounds),
                                    **self.earlier)  # type: ignore[arg-type]

    @activity.defn(name="record_certification")
    async def record_certification(self, rec: CertRecord) -> bool:
        self.records.append(rec)
        return True

    @activity.defn(name="promote_document")
    async def promote_document(self, inp: PromoteDocumentInput) -> CertDocument:
        self.files.append(inp)
        n = len(self.files)
        return CertDocument(kind=inp.kind, version=n, key=f"certifications/BJ/x/{inp.kind.value}-v{n}.pdf",
                            sha256=inp.file.sha256, size=inp.file.size, content_type="application/pdf")

    @activity.defn(name="uncertified_orders")
    async def uncertified_orders(self, run: SweepRun) -> list[str]:
        return list(self.uncertified)

    @activity.defn(name="notify")
    async def notify(self, note: NotifyInput) -> bool:
        if all(n.key != note.key for n in self.notes):
            self.notes.append(note)
        return True

    def kinds(self) -> list[str]:
        return [n.kind for n in self.notes]


def _worker(env: WorkflowEnvironment, standins: CertStandIns) -> tuple[Worker, str]:
    task_queue = queue()
    return Worker(env.client, task_queue=task_queue,
                  workflows=[CertificationWorkflow, CertificationSweepWorkflow],
                  activities=[standins.open_certification, standins.record_certification,
                              standins.promote_document, standins.notify, standins.uncertified_orders]), task_queue


async def _start(env: WorkflowEnvironment, task_queue: str) -> WorkflowHandle[CertificationWorkflow,
                                                                               CertificationView]:
    return await env.client.start_workflow(CertificationWorkflow.run, CertificationInput(order_number="BJ100001"),
                                           id=f"cert-{uuid.uuid4().hex[:8]}", task_queue=task_queue)


def _file(n: int) -> StagedFile:
    return StagedFile(staging_key=f"staging/BJ100001/{n}", size=3000, sha256=f"{n:064x}", filename=f"d{n}.pdf")


async def _hand_in(h: WorkflowHandle, n: int) -> None:  # type: ignore[type-arg]
    for i, kind in enumerate(DocumentKind):
        await h.execute_update(CertificationWorkflow.attach_document,
                               DocumentInput(actor=REP, kind=kind, file=_file(n * 10 + i)))
    await h.execute_update(CertificationWorkflow.hand_in, HandInInput(actor=REP, position="总经理"))


async def _fail(h: WorkflowHandle) -> CertificationView:  # type: ignore[type-arg]
    await h.execute_update(CertificationWorkflow.submit, SubmitInput(actor=ASSISTANT))
    view: CertificationView = await h.execute_update(CertificationWorkflow.answer, AnswerInput(
        actor=CLERK, passed=False, reasons=[FailReason.ILLEGIBLE], note="blurred"))
    return view


async def test_documents_never_arrive_remind_once_then_escalate(ts_env: WorkflowEnvironment):
    """Reminded, then escalated to the supervisor, who is reminded once and can close it."""
    standins = CertStandIns()
    worker, task_queue = _worker(ts_env, standins)
    async with worker:
        h = await _start(ts_env, task_queue)
        await ts_env.sleep(timedelta(days=20))
        view = await h.query(CertificationWorkflow.view)
        closed = await h.execute_update(CertificationWorkflow.decide_escalation,
                                        EscalationInput(actor=SUPERVISOR, allow=False, note="no documents"))
        await h.result()
    assert view.status is CertStatus.ESCALATED and view.rounds == 0
    assert standins.kinds() == ["cert-documents", "cert-documents-reminder", "cert-documents-escalation",
                                "cert-escalation-reminder"]
    assert [n.recipient for n in standins.notes] == ["alice", "alice", "sam", "sam"]
    assert "营业执照" in standins.notes[0].text
    assert closed.status is CertStatus.FAILED


async def test_escalated_for_missing_documents_the_supervisor_gives_the_same_round_again(
        ts_env: WorkflowEnvironment):
    standins = CertStandIns()
    worker, task_queue = _worker(ts_env, standins)
    async with worker:
        h = await _start(ts_env, task_queue)
        await ts_env.sleep(timedelta(days=8))
        allowed = await h.execute_update(CertificationWorkflow.decide_escalation,
                                         EscalationInput(actor=SUPERVISOR, allow=True, note="one more week"))
        await h.terminate("test over")
    assert allowed.status is CertStatus.AWAITING_DOCUMENTS and allowed.allowed_rounds == 3
    assert all("one more week" not in n.text for n in standins.notes)


async def test_agency_never_answers_reminds_the_desks_once(ts_env: WorkflowEnvironment):
    standins = CertStandIns()
    worker, task_queue = _worker(ts_env, standins)
    async with worker:
        h = await _start(ts_env, task_queue)
        await _hand_in(h, 1)
        await h.execute_update(CertificationWorkflow.submit, SubmitInput(actor=ASSISTANT, note="all match"))
        await ts_env.sleep(timedelta(days=30))
        view = await h.query(CertificationWorkflow.view)
    assert view.status is CertStatus.AT_AGENCY
    reminders = [n for n in standins.notes if n.kind == "cert-agency-reminder"]
    assert sorted(n.recipient for n in reminders) == ["desk:agency_clerk", "desk:order_group"]
    assert [r.status for r in standins.records] == [CertStatus.AWAITING_DOCUMENTS, CertStatus.CHECKING,
                                                    CertStatus.AT_AGENCY]
    # Identity documents travel as keys and hashes: the activity got the staging key, never the bytes.
    assert {f.kind for f in standins.files} == set(DocumentKind)


async def test_fail_resubmit_pass_sets_the_service_start(ts_env: WorkflowEnvironment):
    standins = CertStandIns()
    worker, task_queue = _worker(ts_env, standins)
    async with worker:
        h = await _start(ts_env, task_queue)
        await _hand_in(h, 1)
        failed = await _fail(h)
        assert failed.status is CertStatus.AWAITING_DOCUMENTS and failed.rounds == 1
        assert failed.reasons == [FailReason.ILLEGIBLE]
        await _hand_in(h, 2)
        await h.execute_update(CertificationWorkflow.submit, SubmitInput(actor=ASSISTANT))
        passed = await h.execute_update(CertificationWorkflow.answer, AnswerInput(actor=CLERK, passed=True))
        result = await h.result()
    assert passed.status is CertStatus.PASSED and result.status is CertStatus.PASSED
    assert result.service_starts_on is not None and result.service_starts_on >= date(2026, 1, 5)
    assert standins.records[-1].service_starts_on == result.service_starts_on
    returned = next(n for n in standins.notes if n.kind == "cert-returned")
    # The reason's label is told; the note (it may name people) stays in the certification's row.
    assert returned.recipient == "alice" and "材料无法辨认" in returned.text and "blurred" not in returned.text
    assert "cert-passed" in standins.kinds()


async def test_capped_rounds_escalate_to_the_supervisor(ts_env: WorkflowEnvironment):
    standins = CertStandIns(max_rounds=2)
    worker, task_queue = _worker(ts_env, standins)
    async with worker:
        h = await _start(ts_env, task_queue)
        await _hand_in(h, 1)
        await h.execute_update(CertificationWorkflow.return_to_rep, ReturnInput(
            actor=ASSISTANT, reasons=[FailReason.NAME_MISMATCH], note="licence says 股份"))
        await _hand_in(h, 2)
        view = await _fail(h)
        assert view.status is CertStatus.ESCALATED and view.rounds == 2
        assert any(n.kind == "cert-escalation" and n.recipient == "sam" for n in standins.notes)
        allowed = await h.execute_update(CertificationWorkflow.decide_escalation,
                                         EscalationInput(actor=SUPERVISOR, allow=True, note="one more"))
        assert allowed.status is CertStatus.AWAITING_DOCUMENTS and allowed.allowed_rounds == 3
        await _hand_in(h, 3)
        again = await _fail(h)
        assert again.status is CertStatus.ESCALATED
        closed = await h.execute_update(CertificationWorkflow.decide_escalation,
                                        EscalationInput(actor=SUPERVISOR, allow=False, note="give up"))
        await h.result()
    assert closed.status is CertStatus.FAILED
    assert not any(word in n.text for n in standins.notes for word in ("股份", "blurred", "one more", "give up"))


async def test_without_a_supervisor_the_order_group_decides(ts_env: WorkflowEnvironment):
    standins = CertStandIns(max_rounds=1, supervisor=None)
    worker, task_queue = _worker(ts_env, standins)
    async with worker:
        h = await _start(ts_env, task_queue)
        await _hand_in(h, 1)
        view = await _fail(h)
        assert view.status is CertStatus.ESCALATED
        closed = await h.execute_update(CertificationWorkflow.decide_escalation, EscalationInput(
            actor=ActorRef(username="olga", role=Role.ORDER_GROUP), allow=False, note="closed"))
        await h.result()
    assert closed.status is CertStatus.FAILED
    assert [r.pending_role for r in standins.records if r.status is CertStatus.ESCALATED] == ["order_group"]
    assert any(n.kind == "cert-escalation" and n.recipient == "desk:order_group" for n in standins.notes)


async def test_the_deactivated_reps_manager_hands_in_for_them(ts_env: WorkflowEnvironment):
    """The service sets standing_in once it found the rep deactivated and reporting to the actor."""
    standins = CertStandIns()
    worker, task_queue = _worker(ts_env, standins)
    boss = ActorRef(username="sam", role=Role.SUPERVISOR, partners=["BJ"])
    async with worker:
        h = await _start(ts_env, task_queue)
        for i, kind in enumerate(DocumentKind):
            await h.execute_update(CertificationWorkflow.attach_document,
                                   DocumentInput(actor=boss, kind=kind, file=_file(i), standing_in=True))
        view = await h.execute_update(CertificationWorkflow.hand_in,
                                      HandInInput(actor=boss, position="经理", standing_in=True))
        await h.terminate("test over")
    assert view.status is CertStatus.CHECKING and standins.records[-1].actor == "sam"


async def test_a_failure_on_the_documents_needs_a_new_document(ts_env: WorkflowEnvironment):
    standins = CertStandIns()
    worker, task_queue = _worker(ts_env, standins)
    async with worker:
        h = await _start(ts_env, task_queue)
        await _hand_in(h, 1)
        await _fail(h)  # illegible
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(CertificationWorkflow.hand_in, HandInInput(actor=REP, position="总经理"))
        await h.execute_update(CertificationWorkflow.attach_document,
                               DocumentInput(actor=REP, kind=DocumentKind.IDENTITY, file=_file(99)))
        view = await h.execute_update(CertificationWorkflow.hand_in, HandInInput(actor=REP, position="总经理"))
        await h.terminate("test over")
    assert "upload a new one first" in str(err.value.cause)
    assert view.status is CertStatus.CHECKING


async def test_uploads_of_a_kind_are_capped(ts_env: WorkflowEnvironment):
    from domain.certification import MAX_VERSIONS_PER_KIND

    standins = CertStandIns()
    worker, task_queue = _worker(ts_env, standins)
    async with worker:
        h = await _start(ts_env, task_queue)
        for i in range(MAX_VERSIONS_PER_KIND):
            await h.execute_update(CertificationWorkflow.attach_document,
                                   DocumentInput(actor=REP, kind=DocumentKind.LICENCE, file=_file(i)))
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(CertificationWorkflow.attach_document,
                                   DocumentInput(actor=REP, kind=DocumentKind.LICENCE, file=_file(99)))
        await h.execute_update(CertificationWorkflow.attach_document,
                               DocumentInput(actor=REP, kind=DocumentKind.IDENTITY, file=_file(98)))
        await h.terminate("test over")
    assert "no more may be uploaded" in str(err.value.cause) and len(standins.files) == MAX_VERSIONS_PER_KIND + 1


async def test_a_restart_goes_on_from_where_the_earlier_run_left_it(ts_env: WorkflowEnvironment):
    doc = CertDocument(kind=DocumentKind.LICENCE, version=1, key="certifications/BJ/BJ100001/licence-v1.pdf",
                       sha256="0" * 64, size=3000, content_type="application/pdf")
    standins = CertStandIns(earlier={"last_seq": 4, "rounds": 1, "documents": [doc]})
    worker, task_queue = _worker(ts_env, standins)
    async with worker:
        h = await _start(ts_env, task_queue)
        view = await eventually(lambda: h.query(CertificationWorkflow.view), lambda v: v.status is not None)
        await h.terminate("test over")
    assert [r.seq for r in standins.records] == [5]  # the activity ignores a seq it has written already
    assert view.rounds == 1 and [d.kind for d in view.documents] == [DocumentKind.LICENCE]


async def test_an_unchanged_renewal_needs_no_certification(ts_env: WorkflowEnvironment):
    standins = CertStandIns(needed=False)
    worker, task_queue = _worker(ts_env, standins)
    async with worker:
        result = await (await _start(ts_env, task_queue)).result()
    assert result.status is CertStatus.NOT_NEEDED and standins.notes == [] and standins.records == []


@pytest.mark.parametrize("update, inp, words", [
    ("hand_in", HandInInput(actor=REP, position="经理"), "no licence or identity document"),
    ("attach_document", DocumentInput(actor=OTHER_REP, kind=DocumentKind.LICENCE, file=_file(1)), "alice's order"),
    ("submit", SubmitInput(actor=ASSISTANT), "not CHECKING"),
    ("answer", AnswerInput(actor=REP, passed=True), "certification agency role"),
    ("answer", AnswerInput(actor=CLERK, passed=False, reasons=[FailReason.OTHER]), "not AT_AGENCY"),
])
async def test_validators_refuse_before_anything_is_recorded(dev_env: WorkflowEnvironment, update: str,
                                                             inp: object, words: str):
    standins = CertStandIns()
    worker, task_queue = _worker(dev_env, standins)
    async with worker:
        h = await _start(dev_env, task_queue)
        await eventually(lambda: h.query(CertificationWorkflow.view), lambda v: v.status is not None)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(update, inp, result_type=CertificationView)
        await h.terminate("test over")
    assert words in str(err.value.cause)
    assert len(standins.records) <= 1 and standins.files == []


async def test_a_return_whose_note_the_handler_would_refuse_is_refused_by_its_validator(dev_env: WorkflowEnvironment):
    standins = CertStandIns()
    worker, task_queue = _worker(dev_env, standins)
    async with worker:
        h = await _start(dev_env, task_queue)
        await eventually(lambda: h.query(CertificationWorkflow.view), lambda v: v.status is not None)
        await _hand_in(h, 1)
        with pytest.raises(WorkflowUpdateFailedError) as err:
            await h.execute_update(CertificationWorkflow.return_to_rep, ReturnInput(
                actor=ASSISTANT, reasons=[FailReason.ILLEGIBLE], note="   "))
        view = await h.query(CertificationWorkflow.view)
        await h.terminate("test over")
    assert "note must not be empty" in str(err.value.cause)
    assert view.status is CertStatus.CHECKING and view.rounds == 0


async def test_the_sweep_starts_each_uncertified_order_once(ts_env: WorkflowEnvironment):
    standins = CertStandIns()
    standins.uncertified = ["BJ100071", "BJ100072"]
    worker, task_queue = _worker(ts_env, standins)
    async with worker:
        first = await ts_env.client.execute_workflow(CertificationSweepWorkflow.run, SweepInput(),
                                                     id=f"sweep-{uuid.uuid4().hex[:6]}", task_queue=task_queue)
        again = await ts_env.client.execute_workflow(CertificationSweepWorkflow.run, SweepInput(),
                                                     id=f"sweep-{uuid.uuid4().hex[:6]}", task_queue=task_queue)
        for number in first.started:  # abandoned children outlive this test's worker: ended here
            await ts_env.client.get_workflow_handle(f"cert-{number}").terminate("test over")
    assert first.started == ["BJ100071", "BJ100072"] and again.started == []


async def test_the_saved_query_finds_a_certification_at_the_agency_and_no_personal_data(dev_env: WorkflowEnvironment):
    from datetime import datetime

    from orderflow import search_attributes as sa
    from orderflow.ops.queries import saved_queries

    standins = CertStandIns()
    worker, task_queue = _worker(dev_env, standins)
    async with worker:
        h = await _start(dev_env, task_queue)
        await eventually(lambda: h.query(CertificationWorkflow.view), lambda v: v.status is not None)
        await _hand_in(h, 1)
        await h.execute_update(CertificationWorkflow.submit, SubmitInput(actor=ASSISTANT))
        # Six days on, it has waited at the agency for longer than five.
        later = datetime.now().astimezone() + timedelta(days=6)
        query = next(q.query for q in saved_queries(later) if q.name.startswith("certifications waiting"))

        async def found() -> list[str]:
            return [w.id async for w in dev_env.client.list_workflows(f"{query} AND WorkflowId = '{h.id}'")]

        assert await eventually(found, lambda ids: ids == [h.id]) == [h.id]
        attributes = (await h.describe()).typed_search_attributes
        assert attributes.get(sa.CERTIFICATION_STATUS) == "AT_AGENCY" and attributes.get(sa.PENDING_ROLE) == \
            "agency_clerk"
        assert attributes.get(sa.ORDER_NUMBER) == "BJ100001" and attributes.get(sa.SALES_REP) == "alice"
        assert not any("总经理" in str(p.value) for p in attributes)  # the applicant's position stays out
        await h.terminate("test over")
