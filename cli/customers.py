"""`orderflow customer ...`"""

from __future__ import annotations

import typer

from cli.console import console, plain, typed
from cli.runtime import get, run

app = typer.Typer(no_args_is_help=True, help="Customers in the sales reps' warehouses.")


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Option(..., help="Company name exactly as on its business licence."),
    phone: str = typer.Option(..., help="Fixed telephone number (not a mobile)."),
    fax: str = typer.Option(..., help="Fax number."),
    address: str = typer.Option(..., help="Business address."),
    region: str = typer.Option(..., help="Sales region, e.g. 北京."),
    same_phone_fax: bool = typer.Option(False, "--same-phone-fax", help="Phone and fax really are one number."),
    confirm_distinct: bool = typer.Option(False, "--confirm-distinct",
                                          help="A similar name really is a different company."),
) -> None:
    """Enter a customer into your warehouse, after the collision check (撞单)."""
    cli = get(ctx)

    def work() -> None:
        result = cli.api().post("/customers", {
            "name": name, "phone": phone, "fax": fax, "address": address, "region": region,
            "same_phone_fax": same_phone_fax, "confirm_distinct": confirm_distinct})
        flags = f" (flags: {', '.join(result['risk_flags'])})" if result["risk_flags"] else ""
        cli.emit(result, lambda: print(plain(f"customer {result['id']} added to {result['owner']}'s warehouse: "
                                             f"{result['name']}{flags}")))

    run(cli, work)


@app.command("check")
def check(
    ctx: typer.Context,
    name: str = typer.Option(..., help="Company name to search."),
    phone: str | None = typer.Option(None, help="Fixed phone to search."),
    fax: str | None = typer.Option(None, help="Fax to search."),
) -> None:
    """Search the name, the phone and the fax one at a time, and similar names; show each hit's holder
    (a hit outside your scope shows only how it matched)."""
    cli = get(ctx)

    def work() -> None:
        data = cli.api().post("/customers/check", {"name": name, "phone": phone, "fax": fax})

        def human() -> None:
            from rich.table import Table

            if not data:
                print(plain(f"no collision for '{name}'"))
                return
            table = Table("customer", "name", "match", "score", "holder", "region",
                          title=typed(f"collisions for {name}"))
            for row in data:
                table.add_row(*("-" if row[k] is None else typed(row[k])
                                for k in ("customer", "name", "match", "score", "holder", "region")))
            console().print(table)

        cli.emit(data, human)

    run(cli, work)


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List customers: a rep sees their own warehouse."""
    cli = get(ctx)

    def work() -> None:
        data = cli.api().get_all("/customers")

        def human() -> None:
            from rich.table import Table

            table = Table("id", "name", "region", "owner")
            for row in data:
                table.add_row(*map(typed, (row["id"], row["name"], row["region"], row["owner"] or "public pool")))
            console().print(table)

        cli.emit(data, human)

    run(cli, work)
