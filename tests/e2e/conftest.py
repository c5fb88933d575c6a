"""A real stack for CLI tests: the dev server, moto's S3, SQLite and a worker process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from orderflow.s3 import ensure_bucket, make_client
from orderflow.settings import Settings
from tests.apiserver import CLI, ApiServer
from tests.helpers import settings_from_env

ROOT = Path(__file__).resolve().parents[2]


class Stack:
    """Server-host commands (`db upgrade`, `admin ...`) run with the server's settings; people's commands go
    through the API server as the user named, with that user's real token."""

    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.env, self.tmp = env, tmp
        self.api: ApiServer | None = None

    def run(self, *args: str, user: str | None = None, expect: int = 0,
            stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        argv = [CLI, *args]
        env = self.api.env_for(user) if self.api is not None else self.env
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, cwd=self.tmp, input=stdin)
        assert done.returncode == expect, f"{argv} as {user} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        return done

    def json(self, *args: str, user: str | None = None) -> Any:
        return json.loads(self.run("--json", *args, user=user).stdout)

    def settings(self) -> Settings:
        return settings_from_env(self.env)


@pytest.fixture
def stack(dev_env: WorkflowEnvironment, s3_endpoint: str, tmp_path: Path) -> Iterator[Stack]:
    bucket = f"e2e-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "ORDERFLOW_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "ORDERFLOW_TASK_QUEUE": f"e2e-{uuid.uuid4().hex}",
        # Each stack its own namespace: order numbers (workflow ids) repeat across tests.
        "ORDERFLOW_TEMPORAL_NAMESPACE": f"e2e-{uuid.uuid4().hex[:12]}",
        "ORDERFLOW_DATA_DIR": str(tmp_path / "data"),
        "ORDERFLOW_S3_ENDPOINT_URL": s3_endpoint,
        "ORDERFLOW_S3_BUCKET": bucket,
        "COLUMNS": "200",
        # The CLI's token file goes here, never into the home directory of whoever runs the tests.
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    for name in ("ORDERFLOW_USER", "ORDERFLOW_TOKEN", "ORDERFLOW_API_URL"):
        env.pop(name, None)
    ensure_bucket(make_client(Settings(s3_endpoint_url=s3_endpoint, s3_bucket=bucket)), bucket)
    stack = Stack(env, tmp_path)
    stack.run("temporal", "init")
    stack.run("db", "upgrade")
    stack.run("admin", "load-org", str(ROOT / "examples" / "org.yaml"))
    stack.api = ApiServer(env, tmp_path)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([sys.executable, "-m", "worker"], env=env, cwd=ROOT, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "worker polling" not in (tmp_path / "worker.log").read_text():
            assert worker.poll() is None and time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.1)
        yield stack
    finally:
        stack.api.stop()
        worker.terminate()
        assert worker.wait(timeout=30) == 0, "the worker did not shut down cleanly on SIGTERM"
        log.close()




async def assert_read_model_matches_workflow(stack: Stack, *numbers: str) -> None:
    """`order show` reads the read model; it must say exactly what the workflow's own view query says."""
    from temporalio.client import Client
    from temporalio.contrib.pydantic import pydantic_data_converter

    from orderflow.contracts import OrderView

    client = await Client.connect(stack.env["ORDERFLOW_TEMPORAL_ADDRESS"],
                                  namespace=stack.env["ORDERFLOW_TEMPORAL_NAMESPACE"],
                                  data_converter=pydantic_data_converter)
    for number in numbers:
        queried = await client.get_workflow_handle(f"order-{number}").query("view", result_type=OrderView)
        assert stack.json("order", "show", number, user="olga") == queried.model_dump(mode="json"), number
