"""`orderflow customer ...`"""

from __future__ import annotations

import typer

from orderflow.cli.runtime import get, run

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
    """Enter a customer into the acting rep's warehouse, after the collision check (撞单)."""
    cli = get(ctx)

    def work() -> None:
        from datetime import UTC, datetime

        from db.customer_repo import add_customer
        from db.engine import unit_of_work
        from domain.collisions import check_entry
        from domain.permissions import Perm, require

        actor = cli.actor()
        require(actor, Perm.ENTER_CUSTOMER, "enter customers")
        entry = check_entry(name, phone, fax, address, region, same_phone_fax)
        s = cli.settings
        with unit_of_work(cli.sessions()) as session:
            customer = add_customer(session, entry, owner=actor.username, role=actor.role,
                                    partner=min(actor.partners, default=None), at=datetime.now(UTC),
                                    confirm_distinct=confirm_distinct, threshold=s.similar_name_threshold,
                                    caps=s.caps())
            result = {"id": customer.id, "name": customer.name, "owner": customer.owner,
                      "phone": customer.phone_key, "fax": customer.fax_key, "risk_flags": customer.risk_flags}
        cli.emit(result, lambda: print(f"customer {result['id']} added to {actor.username}'s warehouse: "
                                       f"{result['name']}" + (f" (flags: {', '.join(result['risk_flags'])})"
                                                              if result["risk_flags"] else "")))

    run(cli, work)


@app.command("check")
def check(
    ctx: typer.Context,
    name: str = typer.Option(..., help="Company name to search."),
    phone: str | None = typer.Option(None, help="Fixed phone to search."),
    fax: str | None = typer.Option(None, help="Fax to search."),
) -> None:
    """Search the name, the phone and the fax one at a time, and similar names; show each hit's holder."""
    cli = get(ctx)

    def work() -> None:
        from rich.console import Console
        from rich.table import Table

        from db.customer_repo import find_hits
        from db.engine import unit_of_work
        from domain.collisions import Match
        from domain.customers import name_key, parse_phone
        from domain.fields import clean_text

        numbers = {}
        if phone:
            numbers[Match.PHONE] = parse_phone(phone, "phone").e164
        if fax:
            numbers[Match.FAX] = parse_phone(fax, "fax").e164
        key = name_key(clean_text(name, "company name"))
        with unit_of_work(cli.sessions()) as session:
            hits = find_hits(session, key, numbers, cli.settings.similar_name_threshold)
        data = [{"customer": h.customer_id, "name": h.name, "match": h.match.value, "score": round(h.score),
                 "holder": h.holder, "region": h.region} for h in hits]

        def human() -> None:
            if not data:
                print(f"no collision for '{name}' (key {key})")
                return
            table = Table("customer", "name", "match", "score", "holder", "region", title=f"collisions for {name}")
            for row in data:
                table.add_row(*(str(row[k]) for k in ("customer", "name", "match", "score", "holder", "region")))
            Console().print(table)

        cli.emit(data, human)

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
        from db.org_repo import scope_for
        from domain.permissions import Perm, require

        actor = cli.actor()
        require(actor, Perm.SEE_CUSTOMERS, "see customers")
        with unit_of_work(cli.sessions()) as session:
            scope = scope_for(session, actor)
            rows = list_customers(session, owner=scope.own_only,
                                  partners=None if scope.everything or scope.own_only else set(scope.partners))
            data = [{"id": c.id, "name": c.name, "region": c.region, "owner": c.owner} for c in rows]

        def human() -> None:
            table = Table("id", "name", "region", "owner")
            for row in data:
                table.add_row(str(row["id"]), row["name"], row["region"], row["owner"] or "public pool")
            Console().print(table)

        cli.emit(data, human)

    run(cli, work)
