"""The daily digest: one keyed notification per person with something waiting, on the time-skipping server with
stand-ins for the activities; its schedule at 09:00 Beijing time on the dev server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from temporalio import activity
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.fields import business_date
from orderflow.contracts import NotifyInput
from orderflow.digest_contracts import DigestFor, DigestInput, DigestPeople, DigestResult, DigestRun
from orderflow.settings import Settings
from services.schedules import DIGEST_SCHEDULE, digest_schedule, ensure_schedule, ensure_schedules
from tests.helpers import queue
from workflows.digest import DigestWorkflow


class DigestStandIns:
    """alice and amy have items; sue had one when the people were listed, and none left when her turn came."""

    def __init__(self) -> None:
        self.runs: list[DigestRun] = []
        self.asked: list[DigestFor] = []
        self.notes: list[NotifyInput] = []

    @activity.defn(name="digest_people")
    async def digest_people(self, run: DigestRun) -> DigestPeople:
        self.runs.append(run)
        return DigestPeople(usernames=["alice", "amy", "sue"])

    @activity.defn(name="digest_note")
    async def digest_note(self, who: DigestFor) -> NotifyInput | None:
        self.asked.append(who)
        if who.username == "sue":
            return None
        day = who.day.isoformat()
        return NotifyInput(key=f"digest:{day}:{who.username}", recipient=who.username, order_number=f"digest:{day}",
                           kind="digest", due_at=None, text=f"{day} 每日摘要：等待您处理 1 项")

    @activity.defn(name="notify")
    async def notify(self, note: NotifyInput) -> bool:
        if any(n.key == note.key for n in self.notes):
            return False  # as the real activity: a key is written once
        self.notes.append(note)
        return True


async def _run(env: WorkflowEnvironment, standins: DigestStandIns, inp: DigestInput) -> DigestResult:
    task_queue = queue()
    async with Worker(env.client, task_queue=task_queue, workflows=[DigestWorkflow],
                      activities=[standins.digest_people, standins.digest_note, standins.notify]):
        # Nothing in the run waits on a timer: awaiting its result must not skip the clock to another day.
        with env.auto_time_skipping_disabled():
            return await env.client.execute_workflow(DigestWorkflow.run, inp, id=f"digest-{uuid.uuid4().hex}",
                                                     task_queue=task_queue)


async def test_each_person_with_items_gets_one_digest_keyed_by_day_and_a_rerun_sends_none(
        ts_env: WorkflowEnvironment):
    standins = DigestStandIns()
    first = await _run(ts_env, standins, DigestInput())
    again = await _run(ts_env, standins, DigestInput())  # the same day: the schedule's retry, or a manual run
    assert (first.people, first.sent, again.sent) == (3, 2, 0)
    (run, _) = standins.runs
    day = business_date(run.as_of)
    assert [n.key for n in standins.notes] == [f"digest:{day.isoformat()}:alice", f"digest:{day.isoformat()}:amy"]
    assert {(a.day, a.as_of) for a in standins.asked[:3]} == {(day, run.as_of)}  # one moment for the whole run
    assert [n.kind for n in standins.notes] == ["digest", "digest"]


async def test_a_continued_run_keeps_its_day_and_reaches_only_those_left(ts_env: WorkflowEnvironment):
    standins = DigestStandIns()
    as_of = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 December in Beijing
    done = await _run(ts_env, standins, DigestInput(as_of=as_of, people=["amy"], per_section=5))
    assert standins.runs == [] and done.sent == 1
    (asked,) = standins.asked
    assert (asked.day.isoformat(), asked.per_section) == ("2026-12-02", 5)
    assert standins.notes[0].key == "digest:2026-12-02:amy"


def test_the_schedule_runs_the_digest_at_nine_in_beijing():
    spec = digest_schedule(Settings()).spec
    assert spec.cron_expressions == ["0 9 * * *"] and spec.time_zone_name == "Asia/Shanghai"


async def test_the_digest_schedule_is_created_with_the_others_then_updated(dev_env: WorkflowEnvironment):
    settings = Settings(task_queue=queue())
    await ensure_schedules(dev_env.client, settings)
    assert await ensure_schedule(dev_env.client, DIGEST_SCHEDULE, digest_schedule(settings)) == "updated"
    described = await dev_env.client.get_schedule_handle(DIGEST_SCHEDULE).describe()
    assert described.schedule.spec.time_zone_name == "Asia/Shanghai"
    # 09:00 in Beijing is 01:00 UTC.
    assert {(t.hour, t.minute) for t in described.info.next_action_times} == {(1, 0)}
    action = described.schedule.action
    assert action.workflow == "DigestWorkflow" and action.task_queue == settings.task_queue  # type: ignore[attr-defined]
