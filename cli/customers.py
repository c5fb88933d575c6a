"""`orderflow customer ...`"""

from __future__ import annotations

import typer

from cli.console import console, plain, typed
from cli.runtime import Approve, Reject, decision, get, path, run

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


@app.command("correct")
def correct(
    ctx: typer.Context,
    customer: int = typer.Argument(..., help="The customer's id."),
    phone: str | None = typer.Option(None, help="The corrected fixed telephone number."),
    fax: str | None = typer.Option(None, help="The corrected fax number."),
    address: str | None = typer.Option(None, help="The corrected business address."),
    same_phone_fax: bool = typer.Option(False, "--same-phone-fax", help="Phone and fax really are one number."),
    reason: str = typer.Option(..., help="Where the corrected facts come from."),
) -> None:
    """Correct a customer's phone, fax or address; a number that is another customer's is refused (撞单) and both
    holders are told."""
    cli = get(ctx)

    def work() -> None:
        body = {"phone": phone, "fax": fax, "address": address, "same_phone_fax": same_phone_fax, "reason": reason}
        result = cli.api().request("PATCH", path("customers", customer), json_body=body)
        cli.emit(result, lambda: print(plain(f"customer {result['id']} corrected: {', '.join(result['corrected'])}")))

    run(cli, work)


@app.command("rename")
def rename(
    ctx: typer.Context,
    customer: int = typer.Argument(..., help="The customer's id."),
    name: str = typer.Option(..., help="The company name exactly as on its business licence."),
    reason: str = typer.Option(..., help="Where the corrected name comes from."),
    confirm_distinct: bool = typer.Option(False, "--confirm-distinct",
                                          help="A similar name really is a different company."),
) -> None:
    """Ask for a corrected licensed name; the order group decides (`customer decide-name`)."""
    cli = get(ctx)

    def work() -> None:
        view = cli.api().post(path("customers", customer, "name-correction"),
                              {"name": name, "reason": reason, "confirm_distinct": confirm_distinct})
        cli.emit(view, lambda: print(plain(f"name correction {view['correction']} of customer {view['customer']} "
                                           "waits for the order group")))

    run(cli, work)


@app.command("decide-name")
def decide_name(
    ctx: typer.Context, customer: int = typer.Argument(..., help="The customer whose name correction waits."),
    approve: Approve = False, reject: Reject = False, reason: str = typer.Option(...),
) -> None:
    """Approve or reject a waiting name correction (order group)."""
    cli = get(ctx)
    approved = decision(cli, approve, reject)

    def work() -> None:
        view = cli.api().post(path("customers", customer, "name-correction", "decision"),
                              {"approve": approved, "reason": reason})
        cli.emit(view, lambda: print(plain(f"name correction {view['correction']} of customer {view['customer']}: "
                                           f"{view['status']}")))

    run(cli, work)


@app.command("name-corrections")
def name_corrections(ctx: typer.Context) -> None:
    """Name corrections waiting for the order group, oldest first."""
    cli = get(ctx)

    def work() -> None:
        rows = cli.api().get_all("/name-corrections")

        def human() -> None:
            from rich.table import Table

            table = Table("correction", "customer", "before", "after", "reason", "asked by")
            for r in rows:
                table.add_row(*map(typed, (r["correction"], r["customer"], r["before"], r["after"], r["reason"],
                                           r["requested_by"])))
            console().print(table)

        cli.emit(rows, human)

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
            table = Table("customer", "name", "match", "score", "why", "holder", "region",
                          title=typed(f"collisions for {name}"))
            for row in data:
                table.add_row(*("-" if row.get(k) is None else typed(row[k])
                                for k in ("customer", "name", "match", "score", "why", "holder", "region")))
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
