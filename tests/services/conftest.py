"""Services called directly: the demo org and alice's customer 1 on SQLite and PostgreSQL (`sessions`), and a
`Services` over them. A service that needs Temporal gets a stand-in client here, or the real dev server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from db.engine import unit_of_work
from db.org_repo import load_actor
from domain.people import Actor
from orderflow.settings import Settings
from services.context import Services
from tests.integration.conftest import sessions  # noqa: F401 - the fixture, shared

__all__ = ["sessions"]


@pytest.fixture
def services(sessions: sessionmaker[Session], tmp_path: Path) -> Services:  # noqa: F811
    return Services(Settings(data_dir=tmp_path), sessions)


@pytest.fixture
def actor(sessions: sessionmaker[Session]):  # noqa: F811, ANN201
    """`actor("alice")`: a user of the demo org as the token would give them."""

    def load(username: str) -> Actor:
        with unit_of_work(sessions) as session:
            return load_actor(session, username)

    return load
