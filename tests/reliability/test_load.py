"""Many at once: 1,000 orders in flight on the dev server, driven through the whole lifecycle by concurrent
client calls and CLI commands, with duplicate requests; every order ends EFFECTIVE and the invariants hold."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from db.customer_repo import add_customer
from db.engine import unit_of_work
from db.org_repo import load_actor
from domain.fields import business_date
from domain.people import Role
from orderflow.s3 import make_client
from orderflow.temporal import connect
from services.orders import OrderDesk
from tests.apiserver import CLI
from tests.helpers import entry, pdf_bytes
from tests.reliability.conftest import Rig
from tests.reliability.test_worker_faults import assert_invariants

ORDERS = int(os.environ.get("ORDERFLOW_LOAD_ORDERS", "1000"))
CONCURRENCY = 40


@pytest.mark.timeout(900)
@pytest.mark.fault(name=f"{ORDERS} orders at once, with duplicate requests",
                   checked="every order EFFECTIVE with one event per step and one scan; duplicates applied once; "
                           "all invariants")
async def test_a_thousand_orders_at_once_end_where_they_should(rig: Rig, tmp_path: Path):
    rig.env["ORDERFLOW_CAP_SALES"] = str(ORDERS)  # the reps hold ORDERS / 2 customers each
    settings = rig.settings()
    sessions = rig.sessions()
    today = business_date(datetime.now(UTC))
    numbers = [f"BJ1{i:05d}" for i in range(ORDERS)]
    reps = ["alice", "bob"]
    with unit_of_work(sessions) as session:
        customers = [add_customer(session, entry(f"负载测试{i:04d}号贸易有限公司", f"010-5{i:07d}", f"010-4{i:07d}"),
                                  owner=reps[i % 2], role=Role.SALES, partner="BJ", at=datetime.now(UTC),
                                  confirm_distinct=True, caps={Role.SALES: ORDERS}).id
                     for i in range(ORDERS)]
        people = {u: load_actor(session, u) for u in ("amy", "alice", "bob", "olga", "fay")}
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_bytes(4000))
    client = await connect(settings)
    s3 = make_client(settings)
    via_cli = set(random.Random(7).sample(range(ORDERS), k=min(20, ORDERS)))
    gate = asyncio.Semaphore(CONCURRENCY)
    duplicates = 0

    def desk(request_id: str | None = None) -> OrderDesk:
        return OrderDesk(client, sessions, settings, s3, request_id=request_id)

    async def twice(call: Any) -> Any:
        """The same request sent twice at once under one request id, as a retrying client does."""
        nonlocal duplicates
        duplicates += 1
        request_id = uuid.uuid4().hex
        first, second = await asyncio.gather(call(desk(request_id)), call(desk(request_id)))
        assert first.timeline == second.timeline
        return first

    async def lifecycle(i: int) -> None:
        number, rep = numbers[i], reps[i % 2]
        async with gate:
            await desk().issue(people["amy"], number, rep)
            sign = lambda d: d.sign(people[rep], number, customers[i], "Ads", "new", "1000.00", today)  # noqa: E731
            await (twice(sign) if i % 10 == 0 else sign(desk()))
            if i in via_cli:
                done = await asyncio.to_thread(subprocess.run, [CLI, "order", "receive", number],
                                               env=rig.cli_env("amy"), capture_output=True, text=True)
                assert done.returncode == 0, done.stderr
            else:
                await desk().receive(people["amy"], number)
            await desk().review(people["amy"], number, None)
            await desk().scan(people["amy"], number, scan)
            review = lambda d: d.review(people["olga"], number, "Cabinet 9")  # noqa: E731
            await (twice(review) if i % 10 == 5 else review(desk()))
            pay = lambda d: d.pay(people["fay"], number, "1000.00", today)  # noqa: E731
            view = await (twice(pay) if i % 7 == 0 else pay(desk()))
            assert view.status.value == "EFFECTIVE", (number, view.status)

    started = time.monotonic()
    await asyncio.gather(*(lifecycle(i) for i in range(ORDERS)))
    elapsed = time.monotonic() - started
    print(f"{ORDERS} lifecycles in {elapsed:.0f}s ({ORDERS / elapsed:.1f}/s), {duplicates} duplicated requests")

    from sqlalchemy import func, select

    from db.models import Order, OrderEvent

    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).where(Order.status == "EFFECTIVE")) == ORDERS
        assert session.scalar(select(func.count()).select_from(OrderEvent)) == ORDERS * 7
    await assert_invariants(rig)
