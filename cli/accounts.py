"""`orderflow team` and `orderflow user open|close`: the channel hierarchy at work."""

from __future__ import annotations

import typer

from cli.console import console, plain, typed
from cli.runtime import get, path, run
from cli.views import check_day, signed_in_as

app = typer.Typer(no_args_is_help=True, help="Agency sales accounts, opened and closed by channel managers.")


def team(ctx: typer.Context, since: str | None = typer.Option(None, help="YYYY-MM-DD; default 30 days ago.")) -> None:
    """Your subordinates' contact counts and latest sales notes (联系量, 小记)."""
    cli = get(ctx)

    def work() -> None:
        data = cli.api().get("/team", since=check_day(cli, since, "--since"))

        def human() -> None:
            from rich.table import Table

            out = console()
            table = Table("rep", "name", "active", "contacts",
                          title=typed(f"team of {signed_in_as(cli)} since {data['since'][:10]}"))
            for r in data["reps"]:
                table.add_row(*map(typed, (r["rep"], r["name"], "yes" if r["active"] else "no", r["contacts"])))
            out.print(table)
            latest = Table("when (UTC)", "rep", "customer", "note", title="latest notes")
            for n in data["notes"]:
                latest.add_row(*map(typed, (n["at"][:16].replace("T", " "), n["rep"], n["customer"], n["text"])))
            out.print(latest)

        cli.emit(data, human)

    run(cli, work)


@app.command("open")
def open_account(
    ctx: typer.Context, username: str = typer.Argument(...), name: str = typer.Option(...),
    partner: str = typer.Option(..., help="The agency (channel partner) the rep sells for."),
    region: list[str] = typer.Option(..., "--region", help="Repeatable: the rep's regions."),
    reports_to: str | None = typer.Option(None, "--reports-to", help="The rep's supervisor."),
) -> None:
    """Open an agency sales account in your scope and assign its regions (channel manager or director).

    Prints the account's one-time setup code, once: hand it to the rep, who sets a first password with it."""
    cli = get(ctx)

    def work() -> None:
        opened = cli.api().post("/users", {"username": username, "name": name, "partner": partner,
                                           "regions": region, "reports_to": reports_to})

        def human() -> None:
            print(plain(f"opened sales account {opened['username']} for partner {opened['partner']} "
                        f"({', '.join(opened['regions'])})"))
            print(plain(f"one-time setup code (valid {opened['setup_code_days']} days, shown only now): "
                        f"{opened['setup_code']}"))
            print(plain(f"the rep sets a first password with `orderflow setup {opened['username']}`"))

        cli.emit(opened, human)

    run(cli, work)


@app.command("close")
def close_account(ctx: typer.Context, username: str = typer.Argument(...), reason: str = typer.Option(...)) -> None:
    """Close an agency sales account: it can do nothing more, and its customers go to the partner's own warehouse
    (up to its cap; the rest, the oldest contacts, to the public pool)."""
    cli = get(ctx)

    def work() -> None:
        closed = cli.api().post(path("users", username, "close"), {"reason": reason})
        def human() -> None:
            print(plain(f"closed {closed['username']}; {closed['customers_to_partner']} customers went to the "
                        f"partner's own warehouse, {closed['customers_to_pool']} to the public pool"))
            if closed["open_orders"]:
                print(plain(f"open orders to reassign (order reassign N --to REP --reason ...): "
                            f"{', '.join(closed['open_orders'])}"))

        cli.emit(closed, human)

    run(cli, work)
