"""`orderflow org ...`"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from orderflow.cli.runtime import get, run


def _check_loader(session: Any, username: str | None) -> str:
    """The first load bootstraps the org; after that only a channel director reloads it."""
    from sqlalchemy import select

    from db.models import User
    from db.org_repo import load_actor
    from domain.errors import NotPermitted
    from domain.people import Role

    directors = session.scalars(select(User.username).where(User.role == Role.DIRECTOR.value,
                                                            User.active.is_(True))).all()
    if not directors:
        return username or "org file"
    if username is None:
        raise NotPermitted(f"the org is set up; reloading it needs a channel director (--as {directors[0]})")
    actor = load_actor(session, username)
    if actor.role is not Role.DIRECTOR or not actor.active:
        raise NotPermitted(f"{actor.describe()} may not reload the org: that needs an active channel director")
    return actor.username


app = typer.Typer(no_args_is_help=True, help="The channel organisation: partners, number ranges, users.")


@app.command("load")
def load(ctx: typer.Context, file: Path = typer.Argument(..., help="The org YAML file.")) -> None:
    """Load (upsert) partners with their order-number ranges and users; missing users are deactivated."""
    cli = get(ctx)

    def work() -> None:
        from db.engine import unit_of_work
        from db.org_repo import load_org
        from orderflow.orgfile import read_org_file

        partners, users = read_org_file(file)
        with unit_of_work(cli.sessions()) as session:
            loader = _check_loader(session, cli.user)
            result = load_org(session, partners, users, actor=loader)
        cli.emit(
            {"partners": result.partners, "users": result.users, "deactivated": result.deactivated},
            lambda: print(f"loaded {result.partners} partners and {result.users} users"
                          + (f"; deactivated {', '.join(result.deactivated)}" if result.deactivated else "")),
        )

    run(cli, work)
