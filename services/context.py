"""What every use case needs, built once per process in `main()` and passed down: nothing connects at import."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from db.engine import make_engine, session_factory, unit_of_work
from domain.errors import Unavailable
from orderflow.settings import Settings

log = logging.getLogger("orderflow.services")


@dataclass
class Services:
    settings: Settings
    sessions: sessionmaker[Session]
    _client: Client | None = field(default=None, repr=False)
    _s3: Any = field(default=None, repr=False)
    _connecting: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends cleanly, rolled back otherwise."""
        with unit_of_work(self.sessions) as session:
            yield session

    async def temporal(self) -> Client:
        """The Temporal client, connected on first use and shared by every request of this process."""
        if self._client is None:
            async with self._connecting:
                if self._client is None:
                    from orderflow.temporal import TemporalUnreachable, connect

                    try:
                        self._client = await connect(self.settings)
                    except TemporalUnreachable as err:
                        # Its address is for the operators' log, not for every caller of the API.
                        log.warning("Temporal unavailable: %s", err.message)
                        raise Unavailable("Temporal is not reachable; try again shortly") from None
        return self._client

    def s3(self) -> Any:
        if self._s3 is None:
            from orderflow.s3 import make_client

            self._s3 = make_client(self.settings)
        return self._s3


def build_services(settings: Settings, client: Client | None = None, s3: Any = None) -> Services:
    """Services over the configured database; a Temporal client or S3 client may be handed in (tests)."""
    return Services(settings, session_factory(make_engine(settings.db_url)), client, s3)
