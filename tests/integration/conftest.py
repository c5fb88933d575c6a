from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from db.customer_repo import add_customer
from db.engine import create_schema, make_engine, session_factory, unit_of_work
from db.org_repo import load_org
from domain.people import Role
from orderflow.orgfile import read_org_file
from tests.helpers import entry

ORG_FILE = Path(__file__).resolve().parents[2] / "examples" / "org.yaml"


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    """An empty schema with the demo org and one customer of alice's (id 1)."""
    engine = make_engine(db_url, create_sqlite_dir=True)
    create_schema(engine)
    factory = session_factory(engine)
    partners, users = read_org_file(ORG_FILE)
    with unit_of_work(factory) as session:
        load_org(session, partners, users)
    with unit_of_work(factory) as session:
        add_customer(session, entry("美来尔工程技术有限公司"), owner="alice", role=Role.SALES, partner="BJ",
                     at=datetime.now(UTC))
    yield factory
    engine.dispose()
