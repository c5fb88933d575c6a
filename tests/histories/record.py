"""Record real histories of every workflow path into tests/histories/*.json:
`.venv/bin/python -m tests.histories.record` writes the paths that have no history yet;
`... record NAME ...` re-records those paths after a deliberate, patched change. Histories recorded by older
code are kept on purpose: test_replay.py replays them all, so a change that would break running workflows
fails the build."""

from __future__ import annotations

import asyncio
import shutil
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from temporalio.client import WithStartWorkflowOperation, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.order import OrderStatus, restorable
from domain.payments import MatchKind
from domain.people import Role
from domain.rejections import Reason
from orderflow import search_attributes
from orderflow.certification_contracts import AnswerInput, CertificationInput, EscalationInput, SubmitInput
from orderflow.contracts import (
    ActorRef,
    ChangeInput,
    IssuedInput,
    NoteInput,
    OrderView,
    PaidLine,
    PayInput,
    ReassignInput,
    ReissueInput,
    RejectInput,
    ReverseInput,
    SlipInput,
    UnmatchInput,
    WithdrawInput,
)
from orderflow.customer_contracts import DecideInput, TransferInput
from tests.helpers import ASSISTANT, FINANCE, ORDER_GROUP, OTHER_REP, REP, eventually, issue, pay
from tests.workflow.drive import drive
from tests.workflow.standins import StandIns
from tests.workflow.test_certification_workflow import CLERK, CertStandIns
from tests.workflow.test_customer_workflows import TransferStandIns
from workflows.certification import CertificationWorkflow
from workflows.customers import TransferInWorkflow
from workflows.order import OrderWorkflow

HERE = Path(__file__).resolve().parent
SUPERVISOR = ActorRef(username="sam", role=Role.SUPERVISOR, partners=["BJ"])
APPROVER = ActorRef(username="gao", role=Role.APPROVAL_GROUP)
PARTNER = ActorRef(username="bjagency", role=Role.PARTNER, partners=["BJ"])
MANAGER = ActorRef(username="mia", role=Role.MANAGER)

Path_ = Callable[[WorkflowEnvironment, WorkflowHandle], Awaitable[None]]  # type: ignore[type-arg]


async def happy(env, h):  # type: ignore[no-untyped-def]
    view = await drive(h, OrderStatus.AWAITING_PAYMENT)
    await h.execute_update(OrderWorkflow.pay, pay("5000.00", view.fields.signed_on))
    await h.execute_update(OrderWorkflow.pay, pay("7000.00", view.fields.signed_on))


async def loops(env, h):  # type: ignore[no-untyped-def]
    await drive(h, OrderStatus.FIRST_REVIEW)
    await h.execute_update(OrderWorkflow.reject, RejectInput(actor=ASSISTANT, reasons=[Reason.AMOUNT_MISMATCH],
                                                             note="amount"))
    await h.execute_update(OrderWorkflow.correct, ChangeInput(actor=REP, note="fixed", amount=Decimal("11000.00")))
    await drive(h, OrderStatus.SECOND_REVIEW)
    await h.execute_update(OrderWorkflow.modify, ChangeInput(actor=ORDER_GROUP, note="typo", product="Ads"))
    while True:  # rejected until the third round escalates to the supervisor
        view = await h.execute_update(OrderWorkflow.reject, RejectInput(
            actor=ORDER_GROUP, reasons=[Reason.MISSING_STAMP], note="stamp"))
        if view.status is OrderStatus.ESCALATED:
            break
        await h.execute_update(OrderWorkflow.resend_original, NoteInput(actor=REP, note="re-stamped"))
        await drive(h, OrderStatus.SECOND_REVIEW)
    await h.execute_update(OrderWorkflow.allow_round, NoteInput(actor=SUPERVISOR, note="one more"))
    await h.execute_update(OrderWorkflow.correct, ChangeInput(actor=REP, note="fixed"))
    await drive(h, OrderStatus.SECOND_REVIEW)
    await h.execute_update(OrderWorkflow.reject, RejectInput(actor=ORDER_GROUP, reasons=[Reason.OTHER], note="x"))
    await h.execute_update(OrderWorkflow.void, NoteInput(actor=SUPERVISOR, note="give up"))


async def rescans(env, h):  # type: ignore[no-untyped-def]
    """Both reviews reject for the scan: the first comes back through the first review, the second goes back to
    the scan (before the `first-review-rejection-returns-to-first-review` patch, both went to the scan)."""
    await drive(h, OrderStatus.FIRST_REVIEW)
    for reviewer in (ASSISTANT, ORDER_GROUP):
        await h.execute_update(OrderWorkflow.reject, RejectInput(actor=reviewer, reasons=[Reason.ILLEGIBLE_SCAN],
                                                                 note="illegible"))
        await h.execute_update(OrderWorkflow.correct, ChangeInput(actor=REP, note="new scan please"))
        await drive(h, OrderStatus.SECOND_REVIEW)
    view = await drive(h, OrderStatus.AWAITING_PAYMENT)
    await h.execute_update(OrderWorkflow.pay, pay("12000.00", view.fields.signed_on))


async def lost_and_reissued(env, h):  # type: ignore[no-untyped-def]
    await drive(h, OrderStatus.AWAITING_ORIGINAL)
    await env.sleep(timedelta(days=22))  # reminder, escalation, presumed lost
    await h.execute_update(OrderWorkflow.reissue, ReissueInput(actor=ASSISTANT, new_number="BJ999998"))
    successor = env.client.get_workflow_handle("order-BJ999998")
    await eventually(lambda: successor.query(OrderWorkflow.view), lambda v: bool(v.timeline))
    await successor.terminate("recorded")  # its own life is recorded by the other paths


async def late_original(env, h):  # type: ignore[no-untyped-def]
    """Lost and reissued; the original turns up while the reissue is unsigned: the reissue is voided (its own
    history is kept too), and the order goes on from the first review to the money."""
    await drive(h, OrderStatus.AWAITING_ORIGINAL)
    await h.execute_update(OrderWorkflow.report_lost, NoteInput(actor=REP, note="the courier lost it"))
    await h.execute_update(OrderWorkflow.reissue, ReissueInput(actor=ASSISTANT, new_number="BJ999997"))
    successor = env.client.get_workflow_handle("order-BJ999997")
    await eventually(lambda: successor.query(OrderWorkflow.view), lambda v: bool(v.timeline))
    await successor.execute_update(OrderWorkflow.withdraw_reissue,
                                   WithdrawInput(actor=ASSISTANT, original="BJ999999", reason="found"))
    await successor.result()
    history = (await successor.fetch_history()).to_json()
    (HERE / f"order-reissue-withdrawn{GENERATION}.json").write_text(history, encoding="utf-8")
    await h.execute_update(OrderWorkflow.receive_late, NoteInput(actor=ASSISTANT, note="the courier found it"))
    view = await drive(h, OrderStatus.AWAITING_PAYMENT)
    await h.execute_update(OrderWorkflow.pay, pay("12000.00", view.fields.signed_on))


async def money_taken_back(env, h):  # type: ignore[no-untyped-def]
    """Money kept on a lost original leaves it before the reissue: its bank line goes back to the queue, and the
    payment recorded by hand is reversed (both with a reason)."""
    view = await drive(h, OrderStatus.AWAITING_ORIGINAL)
    await h.execute_update(OrderWorkflow.pay, PayInput(actor=FINANCE, amount=Decimal("2000.00"),
                                                       paid_on=view.fields.signed_on, line_ref="M1",
                                                       match=MatchKind.MANUAL))
    await h.execute_update(OrderWorkflow.pay, pay("500.00", view.fields.signed_on))
    await h.execute_update(OrderWorkflow.report_lost, NoteInput(actor=REP, note="the courier lost it"))
    await h.execute_update(OrderWorkflow.reverse_payment, ReverseInput(
        actor=FINANCE, payment=2, amount=Decimal("500.00"), paid_on=view.fields.signed_on,
        reason="to be recorded on the reissue"))
    await h.execute_update(OrderWorkflow.unmatch, UnmatchInput(actor=FINANCE, line_ref="M1", reason="for the reissue"))
    await h.execute_update(OrderWorkflow.reissue, ReissueInput(actor=ASSISTANT, new_number="BJ999996"))
    successor = env.client.get_workflow_handle("order-BJ999996")
    await eventually(lambda: successor.query(OrderWorkflow.view), lambda v: bool(v.timeline))
    await successor.terminate("recorded")


async def returned_escalation(env, h):  # type: ignore[no-untyped-def]
    """A correction overdue and escalated: the supervisor allows another round (a fresh wait), then voids it."""
    await drive(h, OrderStatus.FIRST_REVIEW)
    await h.execute_update(OrderWorkflow.reject, RejectInput(actor=ASSISTANT, reasons=[Reason.AMOUNT_MISMATCH],
                                                             note="amount"))
    await env.sleep(timedelta(days=11))  # reminded, escalated
    await h.execute_update(OrderWorkflow.allow_round, NoteInput(actor=SUPERVISOR, note="one more week"))
    await env.sleep(timedelta(days=11))  # reminded, escalated again
    await h.execute_update(OrderWorkflow.void, NoteInput(actor=SUPERVISOR, note="give up"))


async def expired(env, h):  # type: ignore[no-untyped-def]
    """Expired unpaid; since `expired-order-keeps-money` it stays open, keeps the late money and is revived."""
    view = await drive(h, OrderStatus.AWAITING_PAYMENT)
    await env.sleep(timedelta(days=31))
    late = view.fields.signed_on + timedelta(days=31)
    await h.execute_update(OrderWorkflow.pay, pay("12000.00", late))
    await h.execute_update(OrderWorkflow.revive, NoteInput(actor=ORDER_GROUP, note="paid late"))


async def revived_to_wait(env, h):  # type: ignore[no-untyped-def]
    """Expired with part of its money; revived, it waits in a fresh window, and the rest completes it."""
    view = await drive(h, OrderStatus.AWAITING_PAYMENT)
    await h.execute_update(OrderWorkflow.pay, pay("2000.00", view.fields.signed_on))
    await env.sleep(timedelta(days=31))
    await h.execute_update(OrderWorkflow.revive, NoteInput(actor=FINANCE, note="customer promised the rest"))
    await env.sleep(timedelta(days=8))  # reminded in the fresh window
    await h.execute_update(OrderWorkflow.pay, pay("10000.00", view.fields.signed_on + timedelta(days=39)))


async def form_lost(env, h):  # type: ignore[no-untyped-def]
    """Day 51 voided the blank form; since `blank-form-asks-rep-before-voiding` it asks the rep, whose report voids
    it, and since `void-blank-form-awaits-restore` the supervisor restores it once (the rep had it after all) and it
    is reported lost again."""
    await env.sleep(timedelta(days=52))
    if (await h.query(OrderWorkflow.view)).status is OrderStatus.ISSUED:
        await h.execute_update(OrderWorkflow.report_lost, NoteInput(actor=REP, note="lost in a taxi"))
        await h.execute_update(OrderWorkflow.restore, NoteInput(actor=SUPERVISOR, note="found in the car"))
        await h.execute_update(OrderWorkflow.report_lost, NoteInput(actor=REP, note="lost for good"))


async def reported_lost(env, h):  # type: ignore[no-untyped-def]
    await h.execute_update(OrderWorkflow.report_lost, NoteInput(actor=REP, note="lost in a taxi"))


async def payments(env, h):  # type: ignore[no-untyped-def]
    """A slip, a partial bank line, a wrong one undone, and an overpaying line that completes the order."""
    view = await drive(h, OrderStatus.AWAITING_PAYMENT)
    day = view.fields.signed_on
    await h.execute_update(OrderWorkflow.attach_slip, SlipInput(
        actor=REP, staging_key="staging/slip", size=100, sha256="c" * 64, filename="slip.jpg",
        claimed_amount=Decimal("4000.00"), claimed_on=day))
    for ref, amount in (("L1", "4000.00"), ("L9", "100.00")):
        await h.execute_update(OrderWorkflow.pay, PayInput(actor=FINANCE, amount=Decimal(amount), paid_on=day,
                                                           line_ref=ref, match=MatchKind.MANUAL))
    await h.execute_update(OrderWorkflow.unmatch, UnmatchInput(actor=FINANCE, line_ref="L9", reason="wrong"))
    await env.sleep(timedelta(days=2))
    await h.execute_update(OrderWorkflow.pay, PayInput(actor=FINANCE, amount=Decimal("9000.00"), paid_on=day,
                                                       line_ref="L2", match=MatchKind.AUTO))


async def paid_in_part(env, h):  # type: ignore[no-untyped-def]
    """A partial payment on day 20 restarts the payment wait: reminded again, alive past day 30, then paid."""
    view = await drive(h, OrderStatus.AWAITING_PAYMENT)
    await env.sleep(timedelta(days=20))
    day = view.fields.signed_on + timedelta(days=20)
    await h.execute_update(OrderWorkflow.pay, pay("2000.00", day))
    await env.sleep(timedelta(days=15))
    await h.execute_update(OrderWorkflow.pay, pay("10000.00", day + timedelta(days=15)))


async def paid_before_approval(env, h):  # type: ignore[no-untyped-def]
    """Money dated before the signing, and more during the reviews, kept on the order; the second review finds it
    all there and the order takes effect at once."""
    view = await drive(h, OrderStatus.AWAITING_ORIGINAL)
    early = view.fields.signed_on - timedelta(days=2)
    await h.execute_update(OrderWorkflow.pay, PayInput(actor=FINANCE, amount=Decimal("2000.00"), paid_on=early,
                                                       line_ref="P1", match=MatchKind.MANUAL))
    await drive(h, OrderStatus.SECOND_REVIEW)
    await h.execute_update(OrderWorkflow.pay, pay("10000.00", view.fields.signed_on))
    await drive(h, OrderStatus.EFFECTIVE)


async def queued_line(env, h):  # type: ignore[no-untyped-def]
    """A bank line queued before approval (QUEUED below) is matched by the order itself when it waits for payment."""
    await drive(h, OrderStatus.AWAITING_PAYMENT)
    await eventually(lambda: h.query(OrderWorkflow.view), lambda v: v.status is OrderStatus.EFFECTIVE)


# What the stand-in queue holds for a path: bank lines waiting for an order of their payer.
QUEUED = {"queued-line": [PaidLine(ref="Q1", amount=Decimal("12000.00"), paid_on=date(2026, 1, 5))]}

# Order histories recorded by today's code carry this suffix, and older ones stay, so every kind keeps replaying:
async def rep_left(env, h):  # type: ignore[no-untyped-def]
    """The rep leaves with an order returned to them: the partner reassigns it to bob, who is reminded and corrects
    it; the manager reassigns it once more while it waits for the money, and it is paid."""
    await drive(h, OrderStatus.FIRST_REVIEW)
    await h.execute_update(OrderWorkflow.reject, RejectInput(actor=ASSISTANT, reasons=[Reason.AMOUNT_MISMATCH],
                                                             note="amount"))
    await h.execute_update(OrderWorkflow.reassign, ReassignInput(actor=PARTNER, to="bob", supervisor="sol",
                                                                 reason="alice left"))
    await env.sleep(timedelta(days=6))  # bob is reminded
    await h.execute_update(OrderWorkflow.correct, ChangeInput(actor=OTHER_REP, note="customer confirmed"))
    view = await drive(h, OrderStatus.AWAITING_PAYMENT)
    await h.execute_update(OrderWorkflow.reassign, ReassignInput(actor=MANAGER, to="carl", reason="bob left"))
    await h.execute_update(OrderWorkflow.pay, pay("12000.00", view.fields.signed_on))


# none, before the `local-record-and-notify` patch (steps written by regular activities); `-local-writes`, before
# `first-review-rejection-returns-to-first-review` (order-rescans-local-writes skips the first review);
# `-first-review-return`, before `payment-restarts-payment-wait` (a partial payment left the deadline alone);
# `-payment-restarts-wait`, before `expired-order-keeps-money` (an expired order closed at once);
# `-expired-keeps-money`, before `retry-queued-lines-on-awaiting-payment` (the queue waited for the next import);
# `-queue-retried`, before `reissued-order-awaits-late-original`, `blank-form-asks-rep-before-voiding` and
# `void-blank-form-awaits-restore` (a reissued or voided order closed; a blank form was voided at its deadline);
# `-ways-back`, before the `reassign` update (no patch: a new handler; `order-rep-left-…` records it);
# `-reassigned`, before `tell-when-money-reaches-an-expired-order` (late money on an expired order told no one);
# `-expired-money-told`, before `void-refuses-money-recorded-by-hand` (a void counted bank lines only).
GENERATION = "-void-refuses-hand-money"

ORDER_PATHS: dict[str, Path_] = {"happy": happy, "loops": loops, "lost-and-reissued": lost_and_reissued,
                                 "expired": expired, "form-lost": form_lost, "reported-lost": reported_lost,
                                 "payments": payments, "approved-and-held": happy, "rescans": rescans,
                                 "paid-in-part": paid_in_part, "revived-to-wait": revived_to_wait,
                                 "paid-before-approval": paid_before_approval, "queued-line": queued_line,
                                 "late-original": late_original, "returned-escalation": returned_escalation,
                                 "rep-left": rep_left, "money-taken-back": money_taken_back}


def _waits(view: OrderView) -> bool:
    """A final order whose workflow stays open (machine.py: _run_until_closed)."""
    last = view.timeline[-1]
    return view.status is OrderStatus.REISSUED or (view.status is OrderStatus.VOID
                                                   and restorable(last.action, last.source))


def _wanted(name: str) -> bool:
    asked = sys.argv[1:]
    return name in asked if asked else not (HERE / f"{name}.json").exists()


async def record() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=shutil.which("temporal-test-server") or str(Path(sys.executable).parent
                                                                              / "temporal-test-server"),
        data_converter=pydantic_data_converter)
    async with env:
        await search_attributes.register(env.client)
        for name, path in ORDER_PATHS.items():
            if not _wanted(f"order-{name}{GENERATION}"):
                continue
            standins, queue = StandIns(), f"rec-{uuid.uuid4().hex}"
            standins.queued = list(QUEUED.get(name, []))
            async with Worker(env.client, task_queue=queue, workflows=[OrderWorkflow],
                              activities=[standins.record_step, standins.promote_scan, standins.promote_slip,
                                          standins.hold_scans, standins.notify, standins.find_queued_line]):
                # As `order issue` does it: one update-with-start that answers once the issue is recorded.
                inp = issue("BJ999999")
                start = WithStartWorkflowOperation(OrderWorkflow.run, inp, id=f"order-{name}-{uuid.uuid4().hex[:6]}",
                                                   task_queue=queue, id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
                await env.client.execute_update_with_start_workflow(
                    OrderWorkflow.issued, IssuedInput(issue_id=inp.issue_id), start_workflow_operation=start)
                h = await start.workflow_handle()
                await path(env, h)
                if (await h.query(OrderWorkflow.view)).status not in (OrderStatus.EFFECTIVE, OrderStatus.VOID,
                                                                      OrderStatus.REISSUED, OrderStatus.EXPIRED):
                    raise AssertionError(f"path {name} did not close its order")
                if _waits(await h.query(OrderWorkflow.view)):
                    # Since `reissued-order-awaits-late-original` a reissued order waits for its original, and since
                    # `void-blank-form-awaits-restore` a form voided as lost for a restore: recorded up to there.
                    await h.terminate("recorded")
                else:
                    await h.result()
                history = (await h.fetch_history()).to_json()
                (HERE / f"order-{name}{GENERATION}.json").write_text(history, encoding="utf-8")
        for name, approve in (("approved", True), ("timed-out", None)):
            if not _wanted(f"transfer-{name}"):
                continue
            transfer, queue = TransferStandIns(), f"rec-{uuid.uuid4().hex}"
            async with Worker(env.client, task_queue=queue, workflows=[TransferInWorkflow],
                              activities=[transfer.record_application, transfer.transfer_in, transfer.notify]):
                inp = TransferInput(application_id=f"transfer-in-{name}", customer_id=7, customer_name="长城",
                                    rep=REP, region="北京", reason="moved", approvers=["gao"])
                h = await env.client.start_workflow(TransferInWorkflow.run, inp, id=f"rec-{uuid.uuid4().hex}",
                                                    task_queue=queue)
                if approve:
                    await h.execute_update(TransferInWorkflow.decide, DecideInput(actor=APPROVER, approve=True,
                                                                                  reason="ok"))
                await h.result()
                (HERE / f"transfer-{name}.json").write_text((await h.fetch_history()).to_json(), encoding="utf-8")
        if _wanted("recycle"):
            await _recycle(env)
        from tests.histories.delivery_record import record_deliveries

        await record_deliveries(env, _wanted, HERE)
        from tests.histories.digest_record import record_digest  # the daily digest

        await record_digest(env, _wanted, HERE)
        for name in ("passed", "escalated", "unattended"):
            if _wanted(f"certification-{name}"):
                await _certification(env, name)
        if _wanted("certification-sweep"):
            await _certification_sweep(env)
        from tests.histories.follow_up_record import record_follow_ups

        await record_follow_ups(env, _wanted, HERE)
    print(f"histories are in {HERE}")


async def _certification(env: WorkflowEnvironment, name: str) -> None:
    """认证: documents, a failure, documents again and a pass; or rounds used up, then closed by the supervisor; or
    no documents at all, escalated by its timers and closed."""
    from tests.workflow.test_certification_workflow import _fail, _hand_in

    certs, queue = CertStandIns(max_rounds=1 if name == "escalated" else 3), f"rec-{uuid.uuid4().hex}"
    async with Worker(env.client, task_queue=queue, workflows=[CertificationWorkflow],
                      activities=[certs.open_certification, certs.record_certification, certs.promote_document,
                                  certs.notify]):
        h = await env.client.start_workflow(CertificationWorkflow.run, CertificationInput(order_number="BJ999999"),
                                            id=f"rec-{uuid.uuid4().hex}", task_queue=queue)
        if name == "unattended":  # no documents: reminded, escalated, the supervisor reminded, then closes it
            await env.sleep(timedelta(days=11))
            await h.execute_update(CertificationWorkflow.decide_escalation,
                                   EscalationInput(actor=SUPERVISOR, allow=False, note="no documents"))
            await h.result()
            (HERE / f"certification-{name}.json").write_text((await h.fetch_history()).to_json(), encoding="utf-8")
            return
        await env.sleep(timedelta(days=4))  # the rep is reminded
        await _hand_in(h, 1)
        await _fail(h)
        if name == "escalated":
            await h.execute_update(CertificationWorkflow.decide_escalation,
                                   EscalationInput(actor=SUPERVISOR, allow=False, note="give up"))
        else:
            await _hand_in(h, 2)
            await h.execute_update(CertificationWorkflow.submit, SubmitInput(actor=ASSISTANT))
            await env.sleep(timedelta(days=6))  # the agency's desk is reminded
            await h.execute_update(CertificationWorkflow.answer, AnswerInput(actor=CLERK, passed=True))
        await h.result()
        (HERE / f"certification-{name}.json").write_text((await h.fetch_history()).to_json(), encoding="utf-8")


async def _certification_sweep(env: WorkflowEnvironment) -> None:
    """The schedule's sweep starting one certification (ended at once: its own life is recorded above)."""
    from orderflow.certification_contracts import SweepInput
    from workflows.certification_sweep import CertificationSweepWorkflow

    certs, queue = CertStandIns(), f"rec-{uuid.uuid4().hex}"
    certs.uncertified = ["BJ999990"]
    async with Worker(env.client, task_queue=queue, workflows=[CertificationSweepWorkflow, CertificationWorkflow],
                      activities=[certs.uncertified_orders, certs.open_certification, certs.record_certification,
                                  certs.notify]):
        h = await env.client.start_workflow(CertificationSweepWorkflow.run, SweepInput(),
                                            id=f"rec-{uuid.uuid4().hex}", task_queue=queue)
        await h.result()
        await env.client.get_workflow_handle("cert-BJ999990").terminate("recorded")
        (HERE / "certification-sweep.json").write_text((await h.fetch_history()).to_json(), encoding="utf-8")


async def _recycle(env: WorkflowEnvironment) -> None:
    """The nightly recycling run, against a real SQLite database with one customer to warn and one to recycle."""
    import tempfile
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime

    from activities.customers import CustomerActivities
    from db.customer_repo import add_customer
    from db.engine import create_schema, make_engine, session_factory, unit_of_work
    from db.org_repo import load_org
    from orderflow.customer_contracts import RecycleInput
    from orderflow.notify import LogSender
    from orderflow.orgfile import read_org_file
    from tests.helpers import entry
    from workflows.customers import RecycleWorkflow

    with tempfile.TemporaryDirectory() as tmp:
        sessions = session_factory(make_engine(f"sqlite:///{tmp}/r.db"))
        create_schema(sessions.kw["bind"])
        with unit_of_work(sessions) as session:
            load_org(session, *read_org_file(HERE.parents[1] / "examples" / "org.yaml"))
            add_customer(session, entry("一号贸易有限公司"), owner="alice", role=Role.SALES, partner="BJ",
                         at=datetime(2020, 1, 1, tzinfo=UTC))
        acts, queue = CustomerActivities(sessions, {Role.SALES: 400}, LogSender()), f"rec-{uuid.uuid4().hex}"
        with ThreadPoolExecutor(2) as pool:
            async with Worker(env.client, task_queue=queue, workflows=[RecycleWorkflow], activities=[acts.recycle],
                              activity_executor=pool):
                h = await env.client.start_workflow(RecycleWorkflow.run, RecycleInput(), task_queue=queue,
                                                    id=f"rec-{uuid.uuid4().hex}")
                await h.result()
                (HERE / "recycle.json").write_text((await h.fetch_history()).to_json(), encoding="utf-8")


if __name__ == "__main__":
    from orderflow.process import exit_now

    asyncio.run(record())
    exit_now(0)  # Temporal's runtime can abort interpreter finalization; see orderflow/process.py
