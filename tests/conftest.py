"""Session-wide real servers: the Temporal dev server, the time-skipping server, moto's S3, PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from orderflow import search_attributes
from tests.helpers import free_port, wait_for_port

IN_CI = os.environ.get("CI") == "true"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _binary(name: str) -> str:
    own = Path(sys.executable).parent / name
    path = str(own) if own.exists() else shutil.which(name)
    if not path:
        pytest.fail(f"{name} is not installed; run the tests through `make test`")
    return path


UI_PORT = free_port()
STARTUP = timedelta(seconds=60)


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The real dev server with its Web UI: validator messages, search attributes and the UI are tested here."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=_binary("temporal"),
        data_converter=pydantic_data_converter,
        search_attributes=search_attributes.ALL,
        ui=True,
        ui_port=UI_PORT,
        # The SDK's default of 5 s is too short on a busy 2-core machine.
        dev_server_startup_timeout=STARTUP,
    )
    async with env:
        yield env


@pytest.fixture(scope="session")
def web_ui(dev_env: WorkflowEnvironment) -> str:
    wait_for_port(UI_PORT)
    return f"http://127.0.0.1:{UI_PORT}"


@pytest.fixture(scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping server: days of timers pass in moments."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
        test_server_startup_timeout=STARTUP,
    )
    async with env:
        await search_attributes.register(env.client)
        yield env


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server over real HTTP, bound to loopback only."""
    port = free_port()
    proc = subprocess.Popen(
        [_binary("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A new, empty database on the running PostgreSQL, dropped afterwards; its SQLAlchemy URL."""
    import psycopg

    base = os.environ.get("ORDERFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as err:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and not reachable at {base}: {err}")
        pytest.skip(f"PostgreSQL not reachable at {base}: {err}")
    url = base.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url.replace("postgresql://", "postgresql+psycopg://", 1)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database on the running PostgreSQL; dropped at the end of the session."""
    with fresh_database("orderflow_test") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each database test runs on SQLite and on PostgreSQL, each time on an empty schema."""
    from sqlalchemy import text

    from db.engine import make_engine

    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'orderflow.db'}"
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    yield f"{url}?options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()
