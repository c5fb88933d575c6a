"""`orderflow org ...`"""

from __future__ import annotations

from pathlib import Path

import typer

from orderflow.cli.runtime import get, run

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
            result = load_org(session, partners, users)
        cli.emit(
            {"partners": result.partners, "users": result.users, "deactivated": result.deactivated},
            lambda: print(f"loaded {result.partners} partners and {result.users} users"
                          + (f"; deactivated {', '.join(result.deactivated)}" if result.deactivated else "")),
        )

    run(cli, work)
