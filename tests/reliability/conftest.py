"""A rig for fault injection: the real CLI and a real worker process on PostgreSQL and moto's S3, with the
worker reaching both through loopback proxies the test can stall or cut, and a worker it can SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from orderflow.s3 import ensure_bucket, make_client
from orderflow.settings import Settings
from tests.apiserver import CLI, ApiServer
from tests.conftest import fresh_database
from tests.e2e.conftest import ROOT
from tests.helpers import settings_from_env
from tests.reliability.proxy import Proxy
from tests.reliability.report import record_result


@dataclass
class Rig:
    env: dict[str, str]  # the CLI's: straight to every server
    worker_env: dict[str, str]  # the worker's: S3 and the database through the proxies
    tmp: Path
    s3: Proxy
    db: Proxy
    db_url: str
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    api: ApiServer | None = None  # the API server: straight to every server, as the CLI was before it

    def start_worker(self, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log_path = self.tmp / f"worker-{len(self.workers)}.log"
        with log_path.open("w") as log:
            proc = subprocess.Popen([sys.executable, "-m", "worker"], env=env or self.worker_env, cwd=ROOT,
                                    stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while "worker polling" not in log_path.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        self.workers.append(proc)
        return proc

    def kill_worker(self) -> None:
        proc = self.workers[-1]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def cli_env(self, user: str | None) -> dict[str, str]:
        return self.api.env_for(user) if self.api is not None else self.env

    def cli(self, *args: str, user: str | None = None, expect: int = 0) -> subprocess.CompletedProcess[str]:
        argv = [CLI, *args]
        done = subprocess.run(argv, env=self.cli_env(user), capture_output=True, text=True, timeout=180,
                              cwd=self.tmp)
        assert done.returncode == expect, f"{argv} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        return done

    def json(self, *args: str, user: str | None = None) -> Any:
        return json.loads(self.cli("--json", *args, user=user).stdout)

    def background(self, *args: str, user: str) -> subprocess.Popen[str]:
        return subprocess.Popen([CLI, "--json", *args], env=self.cli_env(user), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=self.tmp)

    def sessions(self) -> sessionmaker[Session]:
        from db.engine import make_engine, session_factory

        return session_factory(make_engine(self.db_url))

    def settings(self) -> Settings:
        return settings_from_env(self.env)


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    with fresh_database("orderflow_rel") as url:
        yield url


def rig_for(temporal_address: str, s3_endpoint: str, db_url: str, tmp: Path, **extra: str) -> Rig:
    bucket = f"rel-{uuid.uuid4().hex[:10]}"
    s3_port = int(s3_endpoint.rsplit(":", 1)[1])
    s3 = Proxy("127.0.0.1", s3_port)
    db = Proxy("127.0.0.1", 5432)
    env = {**os.environ, "ORDERFLOW_TEMPORAL_ADDRESS": temporal_address,
           "ORDERFLOW_TASK_QUEUE": f"rel-{uuid.uuid4().hex}",
           "ORDERFLOW_TEMPORAL_NAMESPACE": f"rel-{uuid.uuid4().hex[:12]}",
           "ORDERFLOW_DATA_DIR": str(tmp / "data"), "ORDERFLOW_S3_ENDPOINT_URL": s3_endpoint,
           "ORDERFLOW_S3_BUCKET": bucket, "ORDERFLOW_DATABASE_URL": db_url, "ORDERFLOW_CLI_WAIT_SECONDS": "150",
           "COLUMNS": "200", **extra}
    for name in ("ORDERFLOW_USER", "ORDERFLOW_TOKEN", "ORDERFLOW_API_URL"):
        env.pop(name, None)
    env["XDG_CONFIG_HOME"] = str(tmp / "config")
    # Plain text on the wire (no TLS to the local server), so the proxy can see which statement is in flight.
    through = db_url.replace("127.0.0.1:5432", f"127.0.0.1:{db.port}") + "?sslmode=disable"
    worker_env = {**env, "ORDERFLOW_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3.port}", "ORDERFLOW_DATABASE_URL": through}
    ensure_bucket(make_client(Settings(s3_endpoint_url=s3_endpoint)), bucket)
    rig = Rig(env, worker_env, tmp, s3, db, db_url)
    rig.cli("temporal", "init")
    rig.cli("db", "upgrade")
    rig.cli("admin", "load-org", str(ROOT / "examples" / "org.yaml"))
    rig.api = ApiServer(env, tmp)
    return rig


@pytest.fixture
def rig(dev_env: WorkflowEnvironment, s3_endpoint: str, fresh_postgres: str, tmp_path: Path,
        request: pytest.FixtureRequest) -> Iterator[Rig]:
    rig = rig_for(dev_env.client.service_client.config.target_host, s3_endpoint, fresh_postgres, tmp_path)
    rig.start_worker()
    yield rig
    stop_all(rig)


def stop_all(rig: Rig) -> None:
    for proc in rig.workers:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    if rig.api is not None:
        rig.api.stop()
    rig.s3.close()
    rig.db.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    fault = item.get_closest_marker("fault")
    if fault is not None and report.when == "call":
        record_result(fault.kwargs["name"], fault.kwargs["checked"], report.passed, report.duration)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    from tests.reliability.report import write_report

    write_report()
