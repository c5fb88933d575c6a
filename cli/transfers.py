"""`orderflow customer transfer-in|applications|decide`: transfer-in applications (调入申请)."""

from __future__ import annotations

import typer

from cli.console import console, plain, typed
from cli.customers import app
from cli.runtime import Approve, Reject, decision, get, path, run


@app.command("transfer-in")
def transfer_in(
    ctx: typer.Context, customer: int = typer.Argument(...), reason: str = typer.Option(...),
    region: str = typer.Option(..., help="One of your regions: where the customer goes."),
    name: str = typer.Option(..., help="The licensed company name, as confirmed with the customer."),
    phone: str = typer.Option(..., help="The fixed telephone number, as confirmed with the customer."),
    fax: str = typer.Option(..., help="The fax number, as confirmed with the customer."),
    address: str = typer.Option(..., help="The business address, as confirmed with the customer."),
) -> None:
    """调入申请: apply for a pool customer from another region into one of yours, with the four facts confirmed
    with the customer (each must match the record); the approval group decides."""
    cli = get(ctx)

    def work() -> None:
        view = cli.api().post(path("customers", customer, "transfer-in"), {
            "reason": reason, "region": region, "name": name, "phone": phone, "fax": fax, "address": address})
        cli.emit(view, lambda: print(plain(f"application {view['application_id']} filed; the approval group "
                                           "decides")))

    run(cli, work)


@app.command("decide")
def decide(
    ctx: typer.Context, customer: int = typer.Argument(..., help="The customer the application is for."),
    approve: Approve = False, reject: Reject = False, reason: str = typer.Option(...),
) -> None:
    """Decide a transfer-in application (approval group)."""
    cli = get(ctx)
    approved = decision(cli, approve, reject)

    def work() -> None:
        view = cli.api().post(path("customers", customer, "decision"), {"approve": approved, "reason": reason})
        cli.emit(view, lambda: print(plain(f"application {view['application_id']}: {view['status']} "
                                           f"({view['decision']})")))

    run(cli, work)


@app.command("applications")
def applications(ctx: typer.Context, status: str = typer.Option("FILED", help="FILED, APPROVED or REJECTED.")) -> None:
    """Transfer-in applications in your scope with one status (FILED: the open ones), oldest first."""
    cli = get(ctx)

    def work() -> None:
        rows = cli.api().get_all("/transfer-applications", status=status)

        def human() -> None:
            from rich.table import Table

            table = Table("application", "customer", "rep", "reason", "status", "decision")
            for r in rows:
                table.add_row(*map(typed, (r["application"], r["customer"], r["rep"], r["reason"], r["status"],
                                           r["decision"] or "")))
            console().print(table)

        cli.emit(rows, human)

    run(cli, work)
