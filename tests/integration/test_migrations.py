"""The migrated schema is exactly the models' schema, on SQLite and PostgreSQL, so they cannot drift."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db.engine import make_engine
from db.migrate import upgrade
from db.models import Base


def test_migrations_build_the_models_schema(db_url: str):
    upgrade(db_url)
    upgrade(db_url)  # a second run is a no-op
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []
