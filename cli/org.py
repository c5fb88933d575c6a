"""`orderflow org ...`"""

from __future__ import annotations

from pathlib import Path

import typer

from cli.console import plain
from cli.runtime import fail, get, run

app = typer.Typer(no_args_is_help=True, help="The channel organisation: partners, number ranges, users.")


@app.command("load")
def load(ctx: typer.Context, file: Path = typer.Argument(..., help="The org YAML file.")) -> None:
    """Reload (upsert) partners with their order-number ranges and users; missing users are deactivated.

    Needs an active channel director. The first load of a new org is `orderflow admin` on the server host."""
    cli = get(ctx)
    if not file.is_file():
        fail(cli, 2, f"org file {file} does not exist", "invalid")

    def work() -> None:
        result = cli.api().upload("/org", file, "application/yaml")
        gone = result["deactivated"]
        cli.emit(result, lambda: print(plain(f"loaded {result['partners']} partners and {result['users']} users"
                                             + (f"; deactivated {', '.join(gone)}" if gone else ""))))

    run(cli, work)
