"""`orderflow customer ...`"""

from __future__ import annotations

import typer

from orderflow.cli.runtime import get, run

app = typer.Typer(no_args_is_help=True, help="Customers in the sales reps' warehouses.")


@app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Option(..., help="Company name exactly as on its business licence."),
    phone: str = typer.Option(..., help="Fixed telephone number."),
    fax: str = typer.Option(..., help="Fax number."),
    address: str = typer.Option(..., help="Business address."),
    region: str = typer.Option(..., help="Sales region, e.g. 北京."),
) -> None:
    """Enter a customer into the acting rep's warehouse."""
    cli = get(ctx)

    def work() -> None:
        from datetime import UTC, datetime

        from db.customer_repo import add_customer
        from db.engine import unit_of_work
        from domain.errors import NotPermitted
        from domain.fields import clean_text
        from domain.people import Role

        actor = cli.actor()
        if actor.role is not Role.SALES or not actor.active:
            raise NotPermitted(f"{actor.describe()} may not enter customers: that needs an active channel sales rep")
        values = {
            "name": clean_text(name, "company name"),
            "phone": clean_text(phone, "phone", max_len=64),
            "fax": clean_text(fax, "fax", max_len=64),
            "address": clean_text(address, "address", max_len=400),
            "region": clean_text(region, "region", max_len=64),
        }
        with unit_of_work(cli.sessions()) as session:
            customer = add_customer(session, owner=actor.username, partner=min(actor.partners, default=None),
                                    at=datetime.now(UTC), **values)
            result = {"id": customer.id, "name": customer.name, "owner": customer.owner}
        cli.emit(result, lambda: print(f"customer {result['id']} added to {actor.username}'s warehouse: "
                                       f"{result['name']}"))

    run(cli, work)


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """List customers: a rep sees their own warehouse."""
    cli = get(ctx)

    def work() -> None:
        from rich.console import Console
        from rich.table import Table

        from db.customer_repo import list_customers
        from db.engine import unit_of_work
        from domain.people import Role

        actor = cli.actor()
        with unit_of_work(cli.sessions()) as session:
            rows = list_customers(session, owner=actor.username if actor.role is Role.SALES else None)
            data = [{"id": c.id, "name": c.name, "region": c.region, "owner": c.owner} for c in rows]

        def human() -> None:
            table = Table("id", "name", "region", "owner")
            for row in data:
                table.add_row(str(row["id"]), row["name"], row["region"], row["owner"] or "public pool")
            Console().print(table)

        cli.emit(data, human)

    run(cli, work)
