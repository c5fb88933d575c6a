"""What ops staff see: the Temporal Web UI's filtered list and an order's details, and the HTML report,
each rendered in a real headless Chromium."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from temporalio.testing import WorkflowEnvironment

from db.engine import create_schema, make_engine, session_factory, unit_of_work
from db.models import Customer
from db.org_repo import load_actor
from domain.fields import business_date
from orderflow.ops.html import render_html
from orderflow.ops.report import load_report
from orderflow.s3 import ensure_bucket, make_client
from orderflow.settings import Settings
from services.orders import OrderDesk
from tests.e2e.browser import chromium, dom, metadata_frames, order_details, screenshot
from tests.helpers import eventually, pdf_bytes, seed_demo
from worker import build_worker

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def desk(dev_env: WorkflowEnvironment, s3_endpoint: str, tmp_path: Path) -> AsyncIterator[OrderDesk]:
    chromium()
    settings = Settings(data_dir=tmp_path, s3_endpoint_url=s3_endpoint, s3_bucket=f"ui-{uuid.uuid4().hex[:8]}",
                        task_queue=f"ui-{uuid.uuid4().hex}")
    engine = make_engine(settings.db_url)
    create_schema(engine)
    sessions = session_factory(engine)
    seed_demo(sessions)
    s3 = make_client(settings)
    ensure_bucket(s3, settings.s3_bucket)
    with ThreadPoolExecutor(max_workers=settings.worker_max_concurrent_activities) as pool:
        async with build_worker(dev_env.client, settings, sessions, s3, pool):
            yield OrderDesk(dev_env.client, sessions, settings, s3)
    engine.dispose()


async def test_the_web_ui_lists_exactly_the_orders_waiting_for_second_review(
        desk: OrderDesk, dev_env: WorkflowEnvironment, web_ui: str, tmp_path: Path):
    numbers = {"second": ["BJ100900", "BJ100901"], "first": ["BJ100902"], "issued": ["BJ100903"]}
    sessions = desk._sessions
    with unit_of_work(sessions) as session:
        amy, alice = (load_actor(session, u) for u in ("amy", "alice"))
    today = business_date(datetime.now(UTC))
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_bytes(4000))
    for group, nums in numbers.items():
        for number in nums:
            await desk.issue(amy, number, "alice")
            if group == "issued":
                continue
            await desk.sign(alice, number, 1, "Yellow pages", "new", "12000", today)
            await desk.receive(amy, number)
            if group == "second":
                await desk.review(amy, number, None)
                await desk.scan(amy, number, scan)

    queue = desk._settings.task_queue
    query = f'OrderStatus="SECOND_REVIEW" AND TaskQueue="{queue}"'
    await eventually(lambda: _ids(dev_env, query), lambda ids: sorted(ids) == ["order-BJ100900", "order-BJ100901"])
    url = f"{web_ui}/namespaces/default/workflows?query={quote(query)}"
    # The browser runs in a thread: the worker in this event loop must answer the UI's queries meanwhile.
    page = await asyncio.to_thread(dom, url)
    shown = {n for n in ("BJ100900", "BJ100901", "BJ100902", "BJ100903") if f"order-{n}" in page}
    assert shown == {"BJ100900", "BJ100901"}, page[-3000:]
    await asyncio.to_thread(screenshot, url, "web-ui-second-review.png")

    detail = await asyncio.to_thread(order_details, f"{web_ui}/namespaces/default/workflows/order-BJ100900",
                                     "waiting for the order group's second review", "web-ui-order-BJ100900.png")
    assert "SECOND_REVIEW" in detail and "Order BJ100900 · partner BJ · rep alice" in detail

    html = tmp_path / "report.html"
    with unit_of_work(sessions) as session:
        html.write_text(render_html(load_report(session, datetime.now(UTC)), None), encoding="utf-8")
    report = dom(html.as_uri())
    assert "Status funnel" in report and "BJ100903" in report and "SECOND_REVIEW" in report
    screenshot(html.as_uri(), "ops-report.png")


HOSTILE_NAME = "![t](http://127.0.0.1:9/track.png)[点我](javascript:alert(3))科技有限公司"
HOSTILE_NOTE = "<img src=x onerror=alert(1)> ![n](http://127.0.0.1:9/note.png) [再点](javascript:alert(4))"


async def test_typed_text_in_an_orders_details_stays_text_in_the_web_ui(desk: OrderDesk, web_ui: str):
    """#20: a customer name stored before the input rules existed (entry refuses it now) and a rejection note
    (free text, where markup characters are allowed) reach the UI's Markdown as text: no image, no link."""
    sessions = desk._sessions
    with unit_of_work(sessions) as session:
        amy, alice = (load_actor(session, u) for u in ("amy", "alice"))
        customer = session.get(Customer, 1)
        assert customer is not None
        customer.name = HOSTILE_NAME
    number = "BJ100910"
    await desk.issue(amy, number, "alice")
    await desk.sign(alice, number, 1, "Yellow pages", "new", "12000", business_date(datetime.now(UTC)))
    await desk.receive(amy, number)
    await desk.reject(amy, number, ["missing_stamp"], HOSTILE_NOTE)

    blocks = await asyncio.to_thread(metadata_frames, f"{web_ui}/namespaces/default/workflows/order-{number}",
                                     "科技有限公司", "web-ui-hostile-details.png")
    shown = "\n".join(b["text"] for b in blocks)
    assert HOSTILE_NAME in shown and "[再点](javascript:alert(4))" in shown, shown
    for block in blocks:
        assert block["imgs"] == [] and block["scripts"] == 0 and block["handlers"] == [], block
        assert not any(h and h.lower().startswith(("javascript:", "data:")) for h in block["hrefs"]), block


async def _ids(env: WorkflowEnvironment, query: str) -> list[str]:
    return [wf.id async for wf in env.client.list_workflows(query)]
