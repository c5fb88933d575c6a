"""Transfer-in applications through the service, on the Temporal dev server with a worker over the same database:
filing, the scoped list, deciding, and what each role may do."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.customers import CustomerActivities
from activities.notifications import NotificationActivities
from db.customer_repo import add_customer
from db.engine import unit_of_work
from db.models import Customer
from db.warehouse_repo import move
from domain.errors import InvalidInput, NotFound, NotPermitted, Refused
from domain.people import Actor, Role
from orderflow.customer_contracts import ApplicationView
from orderflow.notify import LogSender
from orderflow.settings import Settings
from services import transfers
from services.context import Services
from tests.helpers import entry, eventually, queue
from workflows.customers import TransferInWorkflow

Load = Callable[[str], Actor]


@pytest.fixture
async def live(sessions: sessionmaker[Session], dev_env: WorkflowEnvironment,
               tmp_path: Path) -> AsyncIterator[Services]:
    """Services over the test database and the dev server, with a worker running the transfer-in workflow."""
    settings = Settings(data_dir=tmp_path, task_queue=queue())
    services = Services(settings, sessions, dev_env.client)
    customer_acts = CustomerActivities(sessions, settings.caps(), LogSender())
    notify = NotificationActivities(sessions, LogSender())
    with ThreadPoolExecutor(4) as pool:
        worker = Worker(dev_env.client, task_queue=settings.task_queue, workflows=[TransferInWorkflow],
                        activities=[customer_acts.record_application, customer_acts.transfer_in, notify.notify],
                        activity_executor=pool)
        async with worker:
            yield services
            # The dev server outlives the test: close what is still open, so the next test's ids are free.
            async for wf in dev_env.client.list_workflows(f"TaskQueue = '{settings.task_queue}' "
                                                          "AND ExecutionStatus = 'Running'"):
                await dev_env.client.get_workflow_handle(wf.id, run_id=wf.run_id).terminate("test over")


def _pool(sessions: sessionmaker[Session], region: str) -> int:
    long_ago = datetime.now(UTC) - timedelta(days=60)
    with unit_of_work(sessions) as session:
        c = add_customer(session, entry("黄河物流有限公司", "021-66660003", "021-66660004", region=region),
                         owner="bob", role=Role.SALES, partner="BJ", at=long_ago)
        move(session, c, None, reason="recycled", actor="system", at=long_ago)
        return c.id


# The four facts of _pool's customer, as the rep confirmed them with the customer.
FACTS = {"name": "黄河物流有限公司", "phone": "021-66660003", "fax": "021-66660004",
         "address": "北京市海淀区中关村大街1号"}


async def _file(services: Services, who: Actor, customer_id: int, reason: str, region: str = "北京",
                **facts: str) -> ApplicationView:
    return await transfers.file(services, who, customer_id, reason, region=region, **{**FACTS, **facts})


async def _listed(services: Services, who: Actor, status: str = "FILED") -> list[dict[str, object]]:
    return await asyncio.to_thread(transfers.applications, services, who, status=status, limit=100)


async def test_a_rep_files_the_approval_group_decides_and_the_customer_moves(
        live: Services, actor: Load, sessions: sessionmaker[Session]) -> None:
    pooled = _pool(sessions, "上海")
    view = await _file(live, actor("alice"), pooled, "the customer moved its office to Beijing")
    assert (view.application_id, view.customer_id, view.rep, view.status) == (
        f"transfer-in-{pooled}", pooled, "alice", "FILED")
    with pytest.raises(Refused, match=f"customer {pooled} already has an open transfer-in application"):
        await _file(live, actor("alice"), pooled, "again")
    rows = await eventually(lambda: _listed(live, actor("gao")), lambda rows: bool(rows))
    assert rows == [{"application": f"transfer-in-{pooled}", "customer": pooled, "rep": "alice",
                     "reason": "the customer moved its office to Beijing", "status": "FILED", "decision": None}]
    # Scoped: the rep, her supervisor and her partner's manager see it; another partner does not.
    for who in ("alice", "sam", "bjpartner", "mike", "dora"):
        assert await _listed(live, actor(who)) == rows, who
    for who in ("bob", "carol", "mary", "shpartner"):
        assert await _listed(live, actor(who)) == [], who

    with pytest.raises(NotPermitted, match="lacks the 'decide_application' permission"):
        await transfers.decide(live, actor("alice"), pooled, approve=True, reason="mine")
    with pytest.raises(NotFound, match="there is no transfer-in application for customer 999"):
        await transfers.decide(live, actor("gao"), 999, approve=True, reason="x")
    decided = await transfers.decide(live, actor("gao"), pooled, approve=True, reason="licence shows Beijing")
    assert (decided.status, decided.decided_by) == ("APPROVED", "gao")
    with unit_of_work(sessions) as session:
        moved = session.get(Customer, pooled)
        assert moved is not None and (moved.owner, moved.region) == ("alice", "北京")
    with pytest.raises(Refused, match="is already approved"):
        await transfers.decide(live, actor("gao"), pooled, approve=False, reason="too late")
    approved = await eventually(lambda: _listed(live, actor("gao"), "approved"), lambda rows: bool(rows))
    assert approved[0]["decision"] == "licence shows Beijing (region now 北京)"


async def test_a_transfer_in_is_for_a_pool_customer_of_another_region(live: Services, actor: Load,
                                                                       sessions: sessionmaker[Session]) -> None:
    pooled = _pool(sessions, "上海")
    with pytest.raises(Refused, match=f"pool of your own region 上海: claim it .*claim {pooled}"):
        await _file(live, actor("carol"), pooled, "mine")
    # alice's customer 1 is outside carol's scope: not found, word for word as a missing id.
    for cid in (1, 999):
        with pytest.raises(NotFound) as missing:
            await _file(live, actor("carol"), cid, "mine")
        assert missing.value.message == f"there is no customer {cid}"
    with pytest.raises(Refused, match="customer 1 '美来尔工程技术有限公司' is already yours"):
        await _file(live, actor("alice"), 1, "mine")
    for who in ("sam", "bjpartner", "gao", "olga"):
        with pytest.raises(NotPermitted, match="lacks the 'transfer_in' permission"):
            await _file(live, actor(who), pooled, "mine")
    assert await _listed(live, actor("gao")) == []


async def test_a_transfer_in_names_one_of_the_reps_regions_which_the_customer_takes(
        live: Services, actor: Load, sessions: sessionmaker[Session]) -> None:
    pooled = _pool(sessions, "上海")
    # Before: the customer silently landed in the rep's alphabetically first region (北京 for bob).
    with pytest.raises(Refused, match=r"^region 上海 is not one of bob's regions \(北京, 天津\): a transfer-in brings"):
        await _file(live, actor("bob"), pooled, "moved", region="上海")
    await _file(live, actor("bob"), pooled, "moved to Tianjin", region="天津 市")
    await transfers.decide(live, actor("gao"), pooled, approve=True, reason="licence shows Tianjin")
    with unit_of_work(sessions) as session:
        moved = session.get(Customer, pooled)
        assert moved is not None and (moved.owner, moved.region) == ("bob", "天津")


async def test_a_transfer_in_reconfirms_the_four_facts(live: Services, actor: Load,
                                                       sessions: sessionmaker[Session]) -> None:
    pooled = _pool(sessions, "上海")
    # Before: a transfer-in took only a reason; the deck wants the four facts confirmed first.
    with pytest.raises(Refused) as refused:
        await _file(live, actor("alice"), pooled, "moved", fax="021-66660009", address="北京市海淀区中关村大街9号")
    assert refused.value.message == (f"the fax, address you confirmed do not match customer {pooled}'s record: "
                                     "confirm the four facts with the customer again before applying; if the record "
                                     "is wrong, ask the order group to correct it")
    assert "66660004" not in refused.value.message  # the record's values are not told
    with pytest.raises(InvalidInput, match="^phone '13912345678' is a mobile number"):
        await _file(live, actor("alice"), pooled, "moved", phone="13912345678")
    assert await _listed(live, actor("gao")) == []
    # However each is written: the name with its region in brackets, the numbers and the address spaced.
    filed = await _file(live, actor("alice"), pooled, "moved", name="黄河物流（上海）有限公司", phone="(021) 6666 0003",
                        fax="+86 21 66660004", address="北京市 海淀区 中关村大街 1 号")
    assert filed.status == "FILED"


def test_the_list_needs_the_see_customers_right_and_a_known_status(services: Services, actor: Load) -> None:
    for who in ("olga", "fay"):
        with pytest.raises(NotPermitted, match="lacks the 'see_customers' permission"):
            transfers.applications(services, actor(who), limit=10)
    with pytest.raises(InvalidInput, match="status 'OPEN' is not one of: FILED, APPROVED, REJECTED"):
        transfers.applications(services, actor("gao"), status="OPEN", limit=10)
    assert transfers.applications(services, actor("gao"), status="rejected", limit=10) == []
