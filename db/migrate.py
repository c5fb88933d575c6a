"""Schema migrations with Alembic; `orderflow db upgrade` and `make up` run them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def new_revision(url: str, message: str) -> None:
    """For developers: autogenerate a migration from the models' changes against an up-to-date database."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
