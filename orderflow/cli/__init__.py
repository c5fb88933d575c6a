"""The `orderflow` command line. Heavy modules are imported inside commands, so start-up stays quick."""

from __future__ import annotations

import typer

from orderflow.cli import (
    accounts,
    admin,
    customers,
    ops,
    order_loops,
    orders,
    org,
    payments,
    transfers,
    views,
    warehouse,
)
from orderflow.cli.runtime import Cli

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Channel sales-support orders, run as durable Temporal workflows.")
app.add_typer(org.app, name="org")
app.add_typer(customers.app, name="customer")
app.add_typer(orders.app, name="order")  # order_loops adds its commands to the same group
assert order_loops.app is orders.app and warehouse.app is customers.app is transfers.app
app.add_typer(payments.app, name="payments")  # it also adds `order slip`
app.add_typer(views.db_app, name="db")
app.add_typer(ops.app, name="ops")
app.add_typer(admin.schedules_app, name="schedules")
app.add_typer(admin.temporal_app, name="temporal")
app.command("codec-server")(admin.codec_server)
app.command("inbox")(views.inbox)
app.command("credits")(views.credits)
app.command("team")(accounts.team)
app.add_typer(accounts.app, name="user")


@app.callback()
def main(
    ctx: typer.Context,
    as_user: str | None = typer.Option(None, "--as", envvar="ORDERFLOW_USER",
                                       help="Act as this user from the org file."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    request_id: str | None = typer.Option(None, "--request-id",
                                          help="Make a retried order step idempotent: the same id is applied once."),
) -> None:
    from orderflow.settings import Settings

    ctx.obj = Cli(settings=Settings(), user=as_user, as_json=as_json, request_id=request_id)
