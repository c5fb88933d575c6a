"""Loading the org file: partners with their number ranges, and users. Missing users are deactivated."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from db.org_repo import PartnerSpec, UserSpec, load_org
from db.warehouse_repo import inactive_holders
from domain.errors import InvalidInput
from domain.people import Actor
from domain.permissions import Perm, require
from orderflow.orgfile import read_org_file
from services.accounts import leave
from services.context import Services

# Opens the received org file (a temporary copy of a request body) and removes it afterwards.
Upload = Callable[[], AbstractAsyncContextManager[Path]]


def _read(source: Path | str, shown_as: str | None) -> tuple[list[PartnerSpec], list[UserSpec]]:
    """The org from a file, or from YAML text (an upload); messages name the file as the person knows it, never a
    temporary path on the server."""
    if isinstance(source, Path):
        return _named(source, shown_as or str(source))
    with tempfile.TemporaryDirectory(prefix="orderflow-org-") as folder:
        path = Path(folder) / "org.yaml"
        path.write_text(source, encoding="utf-8")
        return _named(path, shown_as or "org file")


def _named(path: Path, shown_as: str) -> tuple[list[PartnerSpec], list[UserSpec]]:
    try:
        return read_org_file(path)
    except InvalidInput as err:
        raise InvalidInput(err.message.replace(str(path), shown_as)) from None


def load_org_file(services: Services, source: Path | str, loader: str, shown_as: str | None = None) -> dict[str, Any]:
    """Upsert the whole org as `loader` (recorded in the org history), with no role check: the server-side
    bootstrap (`orderflow admin ...`) calls this with the host's own credentials; the API goes through `reload_org`."""
    partners, users = _read(source, shown_as)
    with services.transaction() as session:
        result = load_org(session, partners, users, actor=loader)
        # A user the file no longer lists leaves like a closed account (services.accounts.leave): the warehouse is
        # emptied, also that of anyone deactivated earlier who still holds customers (before this rule, or kept
        # back), and the open orders of each user deactivated now are listed for the partner or manager to reassign.
        stranded: dict[str, list[str]] = {}
        for username in sorted(set(result.deactivated) | set(inactive_holders(session))):
            _, open_orders = leave(session, username, why=f"not in the org file loaded by {loader}", actor=loader,
                                   at=datetime.now(UTC), caps=services.settings.caps())
            if username in result.deactivated:
                stranded[username] = open_orders
    return {"partners": result.partners, "users": result.users, "deactivated": result.deactivated,
            "open_orders": stranded}


def reload_org(services: Services, actor: Actor, source: Path | str, shown_as: str | None = None) -> dict[str, Any]:
    """Reload an established org: only an actor with 'reload_org' (the channel director) may; the first load is
    the admin's, on the server host. The file is read and checked before anything is written."""
    require(actor, Perm.RELOAD_ORG, "reload the org")
    return load_org_file(services, source, actor.username, shown_as)


async def receive_org(services: Services, actor: Actor, upload: Upload, shown_as: str | None = None) -> dict[str, Any]:
    """`reload_org` for a file sent over HTTP: the permission is checked before the body is received, so a
    caller who may not reload the org never gets to send (or be told the size limit of) a file."""
    require(actor, Perm.RELOAD_ORG, "reload the org")
    async with upload() as path:
        # Parsing and writing the whole org is slow work for the event loop: a worker thread does it.
        return await asyncio.to_thread(reload_org, services, actor, path, shown_as)
