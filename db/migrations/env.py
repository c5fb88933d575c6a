"""Alembic environment: the URL comes from the caller (orderflow db upgrade), never from a file."""

from __future__ import annotations

from alembic import context

# Imported so that their tables belong to Base.metadata too.
from db import auth_models, certification_models, delivery_models, follow_up_models  # noqa: F401
from db.engine import make_engine
from db.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "set sqlalchemy.url on the Alembic config"
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, create_sqlite_dir=True)
    with engine.connect() as connection:
        # SQLite alters tables by copying them: batch mode does that for us.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run()
