"""The Temporal dev server stopped and restarted on its database file while orders are in flight and their
timers are pending: every order continues, and a timer that came due while the server was down fires once."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import unit_of_work
from db.models import Notification
from orderflow import search_attributes
from tests.conftest import _binary
from tests.helpers import free_port, wait_for_port
from tests.reliability.conftest import Rig, rig_for, stop_all
from tests.reliability.test_worker_faults import assert_invariants, customer

ORDERS = [f"BJ1002{i:02d}" for i in range(6)]


class Server:
    def __init__(self, db_file: Path, log: Path) -> None:
        self.port, self.ui_port, self.db_file, self.log = free_port(), free_port(), db_file, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([
                _binary("temporal"), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(self.port),
                "--ui-port", str(self.ui_port), "--headless", "--db-filename", str(self.db_file),
                "--log-level", "error", *search_attributes.dev_server_flags()], stdout=out, stderr=subprocess.STDOUT)
        wait_for_port(self.port, timeout=60)

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path / "temporal.db", tmp_path / "temporal.log")
    srv.start()
    yield srv
    if srv.proc is not None and srv.proc.poll() is None:
        srv.stop()


@pytest.fixture
def restart_rig(server: Server, s3_endpoint: str, fresh_postgres: str, tmp_path: Path) -> Iterator[Rig]:
    # The paper original is chased 20 seconds after signing: long enough to stop the server first.
    rig = rig_for(f"127.0.0.1:{server.port}", s3_endpoint, fresh_postgres, tmp_path,
                  ORDERFLOW_POLICY__ORIGINAL_REMINDER="PT20S")
    rig.start_worker()
    yield rig
    stop_all(rig)


def reminders(rig: Rig) -> dict[str, int]:
    with unit_of_work(rig.sessions()) as session:
        rows = session.execute(select(Notification.order_number, func.count()).where(Notification.kind == "reminder")
                               .group_by(Notification.order_number)).all()
    return {n: c for n, c in rows}


@pytest.mark.timeout(400)
@pytest.mark.fault(name="Temporal server stopped and restarted on its database file",
                   checked="every in-flight order continues; each reminder that came due during the outage "
                           "fires exactly once; all invariants")
async def test_orders_and_their_timers_survive_a_server_restart(restart_rig: Rig, server: Server):
    rig = restart_rig
    for i, number in enumerate(ORDERS):
        rig.json("order", "issue", number, "--to", "alice", user="amy")
        held = customer(rig, f"重启测试{i}号有限公司", f"010-67{i}00001")
        rig.json("order", "sign", number, "--customer", str(held), "--product", "Ads", "--kind", "new",
                 "--amount", "800", user="alice")
    signed = time.monotonic()
    server.stop()
    time.sleep(max(0.0, 28 - (time.monotonic() - signed)))  # every reminder is now overdue, with no server
    assert reminders(rig) == {}
    server.start()
    if rig.workers[-1].poll() is not None:  # the worker should ride out the outage; if not, say so loudly
        pytest.fail(f"the worker exited while the server was down: {rig.workers[-1].returncode}")
    deadline = time.monotonic() + 90
    while reminders(rig) != dict.fromkeys(ORDERS, 1):
        assert time.monotonic() < deadline, f"reminders after the restart: {reminders(rig)}"
        time.sleep(0.5)
    for number in ORDERS:  # and the orders go on
        assert rig.json("order", "receive", number, user="amy")["status"] == "FIRST_REVIEW"
    time.sleep(2)
    assert reminders(rig) == dict.fromkeys(ORDERS, 1)
    await assert_invariants(rig)
