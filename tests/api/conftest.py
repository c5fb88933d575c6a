"""The API in-process over HTTP semantics (httpx's ASGI transport), on real servers: SQLite with the demo org,
the Temporal dev server (a namespace per test, so order numbers can repeat), moto's S3 and a worker.

`api.client("amy")` is an httpx client carrying a real token of amy's, from a real password."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from db.engine import create_schema, make_engine, session_factory
from orderflow.s3 import ensure_bucket, make_client
from orderflow.settings import Settings
from orderflow.temporal import connect, init_namespace
from services import auth
from services.context import Services
from tests.helpers import seed_demo
from tests.integration.conftest import sessions  # noqa: F401 - the fixture, shared
from worker import build_worker

__all__ = ["sessions"]
ORG_FILE = Path(__file__).resolve().parents[2] / "examples" / "org.yaml"
PASSWORD = "a test passphrase of some length"


@dataclass
class ApiHarness:
    services: Services
    app: FastAPI
    tokens: dict[str, str] = field(default_factory=dict)
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def token(self, user: str) -> str:
        if user not in self.tokens:
            auth.set_password(self.services, user, PASSWORD, by="test")
            self.tokens[user] = auth.login(self.services, user, PASSWORD, "127.0.0.1", "test")["token"]
        return self.tokens[user]

    def client(self, user: str | None = None, token: str | None = None) -> httpx.AsyncClient:
        """A client signed in as `user` (or with `token`, or with nothing at all)."""
        bearer = token if token is not None else (self.token(user) if user else None)
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app, client=("127.0.0.1", 50000)),
                                   base_url="http://orderflow.test", headers=headers, timeout=60)
        self.clients.append(client)
        return client


def harness_settings(tmp_path: Path, dev_env: WorkflowEnvironment, s3_endpoint: str) -> Settings:
    return Settings(data_dir=tmp_path, temporal_address=dev_env.client.service_client.config.target_host,
                    temporal_namespace=f"api-{uuid.uuid4().hex[:12]}", task_queue=f"api-{uuid.uuid4().hex}",
                    s3_endpoint_url=s3_endpoint, s3_bucket=f"api-{uuid.uuid4().hex[:10]}", cli_wait_seconds=30)


@asynccontextmanager
async def harness(dev_env: WorkflowEnvironment, s3_endpoint: str, tmp_path: Path,
                  **overrides: Any) -> AsyncIterator[ApiHarness]:
    settings = harness_settings(tmp_path, dev_env, s3_endpoint).model_copy(update=overrides)
    engine = make_engine(settings.db_url, create_sqlite_dir=True)
    create_schema(engine)
    sessions = session_factory(engine)
    seed_demo(sessions)
    s3 = make_client(settings)
    ensure_bucket(s3, settings.s3_bucket)
    client = await connect(settings)
    await init_namespace(client)
    services = Services(settings, sessions, client, s3)
    found = ApiHarness(services, create_app(services))
    with ThreadPoolExecutor(max_workers=settings.worker_max_concurrent_activities) as executor:
        async with build_worker(client, settings, sessions, s3, executor):
            try:
                yield found
            finally:
                for c in found.clients:
                    await c.aclose()
    engine.dispose()


@pytest.fixture
async def api(dev_env: WorkflowEnvironment, s3_endpoint: str, tmp_path: Path) -> AsyncIterator[ApiHarness]:
    async with harness(dev_env, s3_endpoint, tmp_path) as found:
        yield found


SignedIn = Callable[[str], TestClient]


@pytest.fixture
def signed_in(sessions: sessionmaker[Session], tmp_path: Path) -> Iterator[SignedIn]:  # noqa: F811
    """For routes that need no Temporal: `signed_in("mike")` is a synchronous client on the demo org (SQLite and
    PostgreSQL) carrying a token mike got by signing in."""
    services = Services(Settings(data_dir=tmp_path), sessions)
    app = create_app(services)
    clients: list[TestClient] = []

    def client(username: str) -> TestClient:
        auth.set_password(services, username, PASSWORD, by="test")
        http = TestClient(app)
        answer = http.post("/auth/login", json={"username": username, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        http.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        clients.append(http)
        return http

    yield client
    for http in clients:
        http.close()
