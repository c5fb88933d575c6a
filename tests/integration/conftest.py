from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from db.engine import create_schema, make_engine, session_factory
from tests.helpers import seed_demo

ORG_FILE = Path(__file__).resolve().parents[2] / "examples" / "org.yaml"


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    """An empty schema with the demo org and one customer of alice's (id 1)."""
    engine = make_engine(db_url, create_sqlite_dir=True)
    create_schema(engine)
    factory = session_factory(engine)
    seed_demo(factory)
    yield factory
    engine.dispose()
