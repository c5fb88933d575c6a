"""`orderflow customer claim|hand-over|note|history`: the warehouse (仓库) and the public pool (公海)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from orderflow.cli.customers import app
from orderflow.cli.runtime import Cli, get, run


def _write(cli: Cli, act: Callable[[Any, Any, Any], dict[str, Any]], say: str) -> None:
    """One transaction as the acting user; print `say` filled from the result."""
    def work() -> None:
        from datetime import UTC, datetime

        from db.engine import unit_of_work

        actor = cli.actor()
        with unit_of_work(cli.sessions()) as session:
            result = act(session, actor, datetime.now(UTC))
        cli.emit(result, lambda: print(say.format(**result)))

    run(cli, work)


@app.command("claim")
def claim(ctx: typer.Context, customer: int = typer.Argument(..., help="Customer id in the public pool.")) -> None:
    """挑入: take a customer from the public pool of your own region (cap, daily limit, cooldown)."""
    cli = get(ctx)

    def act(session: Any, actor: Any, now: Any) -> dict[str, Any]:
        from db.warehouse_repo import claim as do_claim

        c = do_claim(session, customer, actor, now, cli.settings.claim_rules(), cli.settings.caps())
        return {"id": c.id, "name": c.name, "owner": c.owner}

    _write(cli, act, "claimed customer {id} ({name}) into {owner}'s warehouse")


@app.command("hand-over")
def hand_over(ctx: typer.Context, customer: int = typer.Argument(...),
              to: str = typer.Option(..., "--to", help="The rep who takes it.")) -> None:
    """转移: move a customer between your own reps (channel partner)."""
    cli = get(ctx)

    def act(session: Any, actor: Any, now: Any) -> dict[str, Any]:
        from db.warehouse_repo import hand_over as do_hand_over

        c = do_hand_over(session, customer, actor, to, now, cli.settings.caps())
        return {"id": c.id, "name": c.name, "owner": c.owner}

    _write(cli, act, "handed customer {id} ({name}) over to {owner}")


@app.command("note")
def note(ctx: typer.Context, customer: int = typer.Argument(...), text: str = typer.Option(...)) -> None:
    """销售小记: record a follow-up; it counts as contact and keeps the customer out of recycling."""
    cli = get(ctx)

    def act(session: Any, actor: Any, now: Any) -> dict[str, Any]:
        from db.warehouse_repo import add_note
        from domain.fields import clean_text

        n = add_note(session, customer, actor, clean_text(text, "note", max_len=2000), now)
        return {"customer": customer, "author": n.author, "at": n.at.isoformat()}

    _write(cli, act, "noted customer {customer}")


@app.command("history")
def history(ctx: typer.Context, customer: int = typer.Argument(...)) -> None:
    """Every change of the customer's owner: previous and new owner, reason, actor."""
    cli = get(ctx)

    def work() -> None:
        from rich.console import Console
        from rich.table import Table

        from db.engine import unit_of_work
        from db.models import Customer
        from db.warehouse_repo import history as load_history
        from domain.errors import NotFound
        from domain.permissions import Perm, require
        from orderflow.cli.orders import check_visible

        actor = cli.actor()
        require(actor, Perm.SEE_CUSTOMERS, "see customers")
        with unit_of_work(cli.sessions()) as session:
            found = session.get(Customer, customer)
            if found is None:
                raise NotFound(f"there is no customer {customer}")
            partner, owner = found.partner_code, found.owner
            rows = [{"at": h.at.isoformat(), "from": h.previous_owner, "to": h.new_owner, "reason": h.reason,
                     "by": h.actor} for h in load_history(session, customer)]
        check_visible(cli, actor, partner, owner, f"customer {customer}")

        def human() -> None:
            table = Table("when (UTC)", "from", "to", "reason", "by", title=f"ownership of customer {customer}")
            for r in rows:
                table.add_row(r["at"][:16].replace("T", " "), r["from"] or "pool", r["to"] or "pool", r["reason"],
                              r["by"])
            Console().print(table)

        cli.emit(rows, human)

    run(cli, work)
