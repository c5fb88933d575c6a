"""Transfer-in applications and recycling: timers on the time-skipping server, the schedule on the dev server."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.customers import CustomerActivities
from db.customer_repo import add_customer
from db.engine import create_schema, make_engine, session_factory, unit_of_work
from db.models import Customer, Notification
from db.org_repo import load_org
from db.warehouse_repo import add_note
from domain.errors import Refused
from domain.people import Role
from orderflow.contracts import ActorRef, NotifyInput
from orderflow.customer_contracts import ApplicationRecord, DecideInput, RecycleInput, TransferInput, TransferMove
from orderflow.failures import kind_of, to_application_error
from orderflow.notify import LogSender
from orderflow.orgfile import read_org_file
from orderflow.settings import Settings
from services.schedules import RECYCLE_SCHEDULE, SCHEDULES, ensure_schedules
from tests.helpers import REP, entry, queue
from workflows.customers import RecycleWorkflow, TransferInWorkflow

APPROVER = ActorRef(username="gao", role=Role.APPROVAL_GROUP)
ROOT = Path(__file__).resolve().parents[2]


class TransferStandIns:
    def __init__(self, refuse_move: bool = False) -> None:
        self.records: list[ApplicationRecord] = []
        self.moves: list[TransferMove] = []
        self.notes: list[NotifyInput] = []
        self.refuse_move = refuse_move

    @activity.defn(name="record_application")
    async def record_application(self, rec: ApplicationRecord) -> None:
        self.records.append(rec)

    @activity.defn(name="transfer_in")
    async def transfer_in(self, move: TransferMove) -> str:
        if self.refuse_move:
            raise to_application_error(Refused("bob's warehouse holds 400 customers; the cap for a sales is 400"))
        self.moves.append(move)
        return move.region

    @activity.defn(name="notify")
    async def notify(self, note: NotifyInput) -> bool:
        self.notes.append(note)
        return True


async def _apply(env: WorkflowEnvironment, standins: TransferStandIns):  # type: ignore[no-untyped-def]
    task_queue = queue()
    worker = Worker(env.client, task_queue=task_queue, workflows=[TransferInWorkflow],
                    activities=[standins.record_application, standins.transfer_in, standins.notify])
    app_id = f"transfer-in-{uuid.uuid4().hex[:8]}"
    inp = TransferInput(application_id=app_id, customer_id=7, customer_name="长城建材", rep=REP, region="北京",
                        reason="customer moved its office to Beijing", approvers=["gao"])
    return worker, lambda: env.client.start_workflow(TransferInWorkflow.run, inp, id=app_id, task_queue=task_queue)


async def test_an_approved_application_moves_the_customer(ts_env: WorkflowEnvironment):
    standins = TransferStandIns()
    worker, start = await _apply(ts_env, standins)
    async with worker:
        handle = await start()
        view = await handle.execute_update(TransferInWorkflow.decide, DecideInput(actor=APPROVER, approve=True,
                                                                                  reason="licence shows Beijing"))
        assert view.status == "APPROVED" and view.decided_by == "gao"
    assert [m.rep for m in standins.moves] == ["alice"]
    assert [r.status for r in standins.records] == ["FILED", "APPROVED"]
    assert [n.kind for n in standins.notes] == ["transfer-in-filed", "transfer-in"]


async def test_a_rejected_or_unmovable_application_moves_nothing(ts_env: WorkflowEnvironment):
    for refuse_move, approve, expected in [(False, False, "not our customer"), (True, True, "approved, but bob's")]:
        standins = TransferStandIns(refuse_move=refuse_move)
        worker, start = await _apply(ts_env, standins)
        async with worker:
            handle = await start()
            view = await handle.execute_update(TransferInWorkflow.decide, DecideInput(
                actor=APPROVER, approve=approve, reason="not our customer"))
            assert view.status == "REJECTED" and view.decision.startswith(expected)
        assert standins.moves == []


async def test_the_group_is_reminded_after_two_days_and_silence_rejects_after_seven(ts_env: WorkflowEnvironment):
    standins = TransferStandIns()
    worker, start = await _apply(ts_env, standins)
    async with worker:
        handle = await start()
        await ts_env.sleep(timedelta(days=2, hours=1))
        assert [n.kind for n in standins.notes] == ["transfer-in-filed", "transfer-in-reminder"]
        result = await handle.result()
    assert result.status == "REJECTED" and result.decided_by == "system"
    assert result.decision == "no decision within 7 days" and standins.moves == []


async def test_only_the_approval_group_decides(dev_env: WorkflowEnvironment):
    standins = TransferStandIns()
    worker, start = await _apply(dev_env, standins)
    async with worker:
        handle = await start()
        with pytest.raises(WorkflowUpdateFailedError) as caught:
            await handle.execute_update(TransferInWorkflow.decide, DecideInput(actor=REP, approve=True, reason="me"))
        assert kind_of(caught.value).value == "forbidden"  # type: ignore[union-attr]
        assert "needs the approval group role" in str(caught.value.cause)
        await handle.execute_update(TransferInWorkflow.decide, DecideInput(actor=APPROVER, approve=False,
                                                                           reason="no"))
        # Decided: the workflow has closed, and a second decision finds nothing to decide.
        with pytest.raises(RPCError, match="already completed"):
            await handle.execute_update(TransferInWorkflow.decide, DecideInput(actor=APPROVER, approve=True,
                                                                               reason="changed my mind"))


async def test_recycling_warns_then_returns_customers_without_follow_up(ts_env: WorkflowEnvironment, tmp_path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    create_schema(engine)
    sessions = session_factory(engine)
    start = await ts_env.get_current_time()
    with unit_of_work(sessions) as session:
        load_org(session, *read_org_file(ROOT / "examples" / "org.yaml"))
        for i, name in enumerate(["一号贸易有限公司", "二号科技有限公司"]):
            add_customer(session, entry(name, f"010-6900{i:04d}", f"010-6800{i:04d}"), owner="alice",
                         role=Role.SALES, partner="BJ", at=start)
    acts = CustomerActivities(sessions, {Role.SALES: 400}, LogSender())
    task_queue = queue()
    with ThreadPoolExecutor(4) as pool:
        async with Worker(ts_env.client, task_queue=task_queue, workflows=[RecycleWorkflow],
                          activities=[acts.recycle], activity_executor=pool):
            async def run_once():  # type: ignore[no-untyped-def]
                # Only the sleeps below move the clock; awaiting a result would otherwise skip ahead.
                with ts_env.auto_time_skipping_disabled():
                    return await ts_env.client.execute_workflow(RecycleWorkflow.run, RecycleInput(),
                                                                task_queue=task_queue, id=f"recycle-{uuid.uuid4().hex}")

            await ts_env.sleep(timedelta(days=20))
            with unit_of_work(sessions) as session:  # the rep follows the second customer up on day 20
                from db.org_repo import load_actor

                add_note(session, 2, load_actor(session, "alice"), "called", await ts_env.get_current_time())
            await ts_env.sleep(timedelta(days=7, hours=1))
            first = await run_once()
            again = await run_once()  # a re-run the same day warns nobody twice
            await ts_env.sleep(timedelta(days=3))
            last = await run_once()
    assert (first.warned, first.recycled, again.warned, last.recycled) == (1, 0, 0, 1)
    with unit_of_work(sessions) as session:
        owners = dict(session.execute(select(Customer.id, Customer.owner)).all())
        assert owners == {1: None, 2: "alice"}
        kinds = session.scalars(select(Notification.kind).order_by(Notification.id)).all()
        assert kinds == ["recycle-warning", "recycled"]
    engine.dispose()


async def test_the_recycling_schedule_is_created_then_updated(dev_env: WorkflowEnvironment):
    settings = Settings(task_queue=queue(), recycle_after_days=45)
    assert await ensure_schedules(dev_env.client, settings)  # created, or updated from an earlier test
    assert await ensure_schedules(dev_env.client, settings) == dict.fromkeys(SCHEDULES, "updated")
    described = await dev_env.client.get_schedule_handle(RECYCLE_SCHEDULE).describe()
    assert described.schedule.spec.time_zone_name == "Asia/Shanghai"
    # 02:00 in Beijing is 18:00 UTC the day before.
    assert {(t.hour, t.minute) for t in described.info.next_action_times} == {(18, 0)}
    action = described.schedule.action
    assert action.workflow == "RecycleWorkflow" and action.task_queue == settings.task_queue  # type: ignore[attr-defined]
