"""`orderflow customer claim|pool|hand-over|note|history`: the warehouse (仓库) and the public pool (公海)."""

from __future__ import annotations

from typing import Any

import typer

from cli.console import console, plain, typed
from cli.customers import app
from cli.runtime import Cli, get, path, run


def _post(cli: Cli, url: str, body: dict[str, Any] | None, say: str) -> None:
    """One call as the signed-in user; print `say` filled from the result."""
    def work() -> None:
        result = cli.api().post(url, body)
        cli.emit(result, lambda: print(plain(say.format(**result))))

    run(cli, work)


@app.command("claim")
def claim(ctx: typer.Context, customer: int = typer.Argument(..., help="Customer id in the public pool.")) -> None:
    """挑入: take a customer from the public pool of your own region (cap, daily limit, cooldown)."""
    _post(get(ctx), path("customers", customer, "claim"), None,
          "claimed customer {id} ({name}) into {owner}'s warehouse")


@app.command("hand-over")
def hand_over(ctx: typer.Context, customer: int = typer.Argument(...),
              to: str = typer.Option(..., "--to", help="The rep who takes it.")) -> None:
    """转移: move a customer between your own reps (channel partner)."""
    _post(get(ctx), path("customers", customer, "hand-over"), {"to": to},
          "handed customer {id} ({name}) over to {owner}")


@app.command("note")
def note(ctx: typer.Context, customer: int = typer.Argument(...), text: str = typer.Option(...)) -> None:
    """销售小记: record a follow-up; it counts as contact and keeps the customer out of recycling."""
    _post(get(ctx), path("customers", customer, "notes"), {"text": text}, "noted customer {customer}")


@app.command("history")
def history(ctx: typer.Context, customer: int = typer.Argument(...)) -> None:
    """Every change of the customer's owner: previous and new owner, reason, actor."""
    cli = get(ctx)

    def work() -> None:
        rows = cli.api().get_all(path("customers", customer, "history"))

        def human() -> None:
            from rich.table import Table

            table = Table("when (UTC)", "from", "to", "reason", "by", title=f"ownership of customer {customer}")
            for r in rows:
                table.add_row(*map(typed, (r["at"][:16].replace("T", " "), r["from"] or "pool", r["to"] or "pool",
                                           r["reason"], r["by"])))
            console().print(table)

        cli.emit(rows, human)

    run(cli, work)


@app.command("pool")
def pool(
    ctx: typer.Context,
    search: str | None = typer.Option(None, "--search", help="Part of a company name, or of a phone or fax number."),
    limit: int = typer.Option(50, min=1, max=200, help="Customers to show (at most 200)."),
    offset: int = typer.Option(0, min=0, help="Customers to skip (the next page: the offset shown at the end)."),
) -> None:
    """公海: the public pool's customers of your own regions that you could claim (挑入), the last to enter the pool
    first; each says whether you may claim it now and if not why. Claim one with `customer claim ID`."""
    cli = get(ctx)

    def work() -> None:
        api = cli.api()
        rows = api.get("/customers/pool", q=search, limit=limit, offset=offset)
        more = 'rel="next"' in api.last_headers.get("link", "")

        def human() -> None:
            from rich.table import Table

            if not rows:
                print(plain(f"no customer in the public pool of your regions matches '{search}'" if search
                            else "no customer in the public pool of your regions"))
                return
            table = Table("id", "name", "region", "in the pool since (UTC)", "why", "claim now?",
                          title=typed("public pool (公海)" + (f": {search}" if search else "")))
            for r in rows:
                table.add_row(*map(typed, (r["id"], r["name"], r["region"],
                                           (r["entered_at"] or "-")[:16].replace("T", " "), r["reason"] or "-",
                                           "yes" if r["may_claim"] else f"no: {r['why_not']}")))
            console().print(table)
            if more:
                print(plain(f"more: --offset {offset + limit}"))

        cli.emit(rows, human)

    run(cli, work)
