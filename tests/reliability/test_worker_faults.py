"""Worker crashes and outages of S3 and the database, injected for real; then the invariants over the store."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from temporalio.client import Client

from orderflow.s3 import make_client
from orderflow.settings import Settings
from orderflow.temporal import data_converter
from tests.helpers import pdf_bytes
from tests.invariants import check
from tests.reliability.conftest import Rig
from tests.reliability.proxy import Mode


def to_scan(rig: Rig, number: str, customer: int) -> Path:
    rig.json("order", "issue", number, "--to", "alice", user="amy")
    rig.json("order", "sign", number, "--customer", str(customer), "--product", "Ads", "--kind", "new",
             "--amount", "1000", user="alice")
    rig.json("order", "receive", number, user="amy")
    rig.json("order", "review", number, "--approve", user="amy")
    scan = rig.tmp / f"{number}.pdf"
    scan.write_bytes(pdf_bytes(200_000))
    return scan


def customer(rig: Rig, name: str, phone: str) -> int:
    made = rig.json("customer", "add", "--name", name, "--phone", phone, "--fax", phone[:-1] + "9",
                    "--address", "北京", "--region", "北京", user="alice")
    return int(made["id"])


async def assert_invariants(rig: Rig) -> None:
    settings = rig.settings()
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace,
                                  data_converter=data_converter(settings))
    bad = await check(rig.sessions(), s3=make_client(Settings(s3_endpoint_url=settings.s3_endpoint_url)),
                      bucket=settings.s3_bucket, client=client,
                      caps={"sales": settings.cap_sales, "partner": settings.cap_partner})
    assert bad == [], bad


def finished(proc: subprocess.Popen[str], timeout: float) -> None:
    """A CLI command started in the background ended well; if not, its own words say why."""
    assert proc.wait(timeout=timeout) == 0, proc.stderr.read() if proc.stderr else ""


def events(rig: Rig, number: str) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from db.engine import unit_of_work
    from db.models import OrderEvent

    with unit_of_work(rig.sessions()) as session:
        return [(e.seq, e.action) for e in session.scalars(
            select(OrderEvent).where(OrderEvent.order_number == number).order_by(OrderEvent.seq))]


@pytest.mark.timeout(400)
@pytest.mark.fault(name="worker SIGKILLed mid scan promotion and mid database write",
                   checked="both steps complete on a new worker: one scan version, one event per transition, "
                           "no staged leftovers; all invariants")
async def test_a_worker_killed_in_the_middle_of_its_work_loses_and_doubles_nothing(rig: Rig):
    scan = to_scan(rig, "BJ100001", customer(rig, "美来尔工程技术有限公司", "010-62345678"))
    rig.json("order", "issue", "BJ100002", "--to", "alice", user="amy")
    rig.json("order", "sign", "BJ100002", "--customer", str(customer(rig, "华信科技有限公司", "010-64000001")),
             "--product", "Ads", "--kind", "new", "--amount", "500", user="alice")
    # Freeze S3 at the moment the promotion copies the scan (its database transaction is open then) ...
    rig.s3.stall_on(b"x-amz-copy-source")
    scanning = rig.background("order", "scan", "BJ100001", "--file", str(scan), user="amy")
    rig.s3.wait_for_held_request(timeout=60)
    # ... and the database at the moment the next step writes its event.
    rig.db.stall_on(b"INSERT INTO order_events")
    receiving = rig.background("order", "receive", "BJ100002", user="amy")
    rig.db.wait_for_held_request(timeout=60)
    rig.kill_worker()
    rig.s3.set(Mode.PASS)
    rig.db.set(Mode.PASS)
    rig.start_worker()
    # The killed attempts time out (heartbeat 30 s, transaction 30 s) and run again on the new worker.
    finished(scanning, 150)
    finished(receiving, 150)
    shown = rig.json("order", "show", "BJ100001", user="amy")
    assert shown["status"] == "SECOND_REVIEW" and [s["version"] for s in shown["scans"]] == [1]
    assert [a for _, a in events(rig, "BJ100001")] == ["issue", "sign", "receive", "first_review", "scan"]
    assert [a for _, a in events(rig, "BJ100002")] == ["issue", "sign", "receive"]
    await assert_invariants(rig)


@pytest.mark.timeout(400)
@pytest.mark.fault(name="S3 down during scan promotion; database down during a step",
                   checked="activities retry with backoff, the workflow never fails, the steps complete once "
                           "the servers are back; all invariants")
async def test_outages_of_s3_and_the_database_are_waited_out(rig: Rig):
    scan = to_scan(rig, "BJ100010", customer(rig, "长城电子有限公司", "010-66000001"))
    rig.s3.set(Mode.REFUSE)
    started = time.monotonic()
    scanning = rig.background("order", "scan", "BJ100010", "--file", str(scan), user="amy")
    time.sleep(8)
    assert scanning.poll() is None  # still waiting: retried, not failed
    rig.s3.set(Mode.PASS)
    finished(scanning, 120)
    assert time.monotonic() - started >= 8
    rig.db.set(Mode.REFUSE)
    reviewing = rig.background("order", "review", "BJ100010", "--approve", "--location", "C1", user="olga")
    time.sleep(8)
    assert reviewing.poll() is None
    rig.db.set(Mode.PASS)
    finished(reviewing, 120)
    shown = rig.json("order", "show", "BJ100010", user="olga")
    assert shown["status"] == "AWAITING_PAYMENT" and len(shown["scans"]) == 1
    log = "".join(p.read_text() for p in rig.tmp.glob("worker-*.log"))
    assert "promote_scan" in log and "record_step" in log  # each failed attempt was logged, naming the order
    await assert_invariants(rig)
