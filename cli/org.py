"""`orderflow org ...`"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cli.console import plain
from cli.runtime import fail, get, run

app = typer.Typer(no_args_is_help=True, help="The channel organisation: partners, number ranges, users.")


@app.command("load")
def load(ctx: typer.Context, file: Path = typer.Argument(..., help="The org YAML file.")) -> None:
    """Reload (upsert) partners with their order-number ranges and users; missing users are deactivated, like a
    closed account: their customers go to the partner's own warehouse and their open orders are listed to reassign.

    Needs an active channel director. The first load of a new org is `orderflow admin` on the server host."""
    cli = get(ctx)
    if not file.is_file():
        fail(cli, 2, f"org file {file} does not exist", "invalid")

    def work() -> None:
        result = cli.api().upload("/org", file, "application/yaml")
        cli.emit(result, lambda: print("\n".join(plain(line) for line in loaded_lines(result))))

    run(cli, work)


def loaded_lines(result: dict[str, Any]) -> list[str]:
    """What a load did; each deactivated user's open orders, as closing an account lists them (`user close`)."""
    gone = result["deactivated"]
    lines = [f"loaded {result['partners']} partners and {result['users']} users"
             + (f"; deactivated {', '.join(gone)}" if gone else "")]
    for username, numbers in sorted((result.get("open_orders") or {}).items()):
        if numbers:
            lines.append(f"{username}'s open orders to reassign (order reassign N --to REP --reason ...): "
                         f"{', '.join(numbers)}")
    return lines
