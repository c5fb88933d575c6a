"""The `orderflow` command line: an HTTP client of the orderflow API, acting as the signed-in user.
Heavy modules are imported inside commands, so start-up stays quick."""

from __future__ import annotations

import typer

from cli import (
    accounts,
    auth,
    certifications,
    customers,
    follow_ups,
    mail,
    ops,
    order_loops,
    orders,
    org,
    payments,
    transfers,
    views,
    warehouse,
)
from cli.runtime import Cli

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Channel sales-support orders, run as durable Temporal workflows. Sign in first with "
                       "`orderflow login USER`; commands act as that user through the API at ORDERFLOW_API_URL. "
                       "On the server host: serve, admin, db, temporal, schedules, codec-server.")
app.add_typer(org.app, name="org")
app.add_typer(customers.app, name="customer")
app.add_typer(orders.app, name="order")  # order_loops adds its commands to the same group
# order_loops, warehouse and transfers add their commands to the groups they import; importing them is enough.
del order_loops, warehouse, transfers
app.add_typer(payments.app, name="payments")  # it also adds `order slip`
app.add_typer(ops.app, name="ops")
app.command("inbox")(views.inbox)
app.command("credits")(views.credits)
app.command("team")(accounts.team)
app.add_typer(accounts.app, name="user")
app.command("login")(auth.login)
app.command("logout")(auth.logout)
app.command("whoami")(auth.whoami)
app.command("setup")(auth.setup)
app.add_typer(auth.tokens_app, name="tokens")
app.add_typer(certifications.app, name="cert")
app.add_typer(follow_ups.app, name="follow-up")
app.add_typer(mail.app, name="mail")


@app.callback()
def main(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    request_id: str | None = typer.Option(None, "--request-id",
                                          help="Make a retried order step idempotent: the same id is applied once."),
) -> None:
    ctx.obj = Cli(as_json=as_json, request_id=request_id)
