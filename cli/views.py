"""`orderflow inbox` and `orderflow credits`."""

from __future__ import annotations

import typer

from cli import config
from cli.console import console, plain, typed
from cli.runtime import Cli, fail, get, run
from domain.errors import InvalidInput
from domain.fields import parse_day


def check_day(cli: Cli, text: str | None, option: str) -> str | None:
    """A YYYY-MM-DD option checked here, so a typo fails with the same message and exit code as before.
    (domain.fields is pure standard library, so the CLI may read the server's own rule.)"""
    if text is None:
        return None
    try:
        return parse_day(text, option).isoformat()
    except InvalidInput as err:
        fail(cli, 2, err.message, "invalid")


def signed_in_as(cli: Cli) -> str:
    """The signed-in username for human output's titles: from the stored token, else the API's whoami."""
    data = config.stored()
    if data and data.get("username") and data["token"] == config.token_for(cli.api_url):
        return str(data["username"])
    return str(cli.api().get("/auth/whoami")["username"])


def inbox(ctx: typer.Context) -> None:
    """What waits for the signed-in user."""
    cli = get(ctx)

    def work() -> None:
        data = cli.api().get("/inbox")

        def human() -> None:
            from cli.render import notification_rows, order_rows

            me = signed_in_as(cli)
            if data["orders"]:
                order_rows(data["orders"], f"orders waiting for {me}")
            else:
                print(plain(f"no order waits for {me}"))
            if data["notifications"]:
                notification_rows(data["notifications"], f"notifications for {me}")
            if data.get("certifications"):
                from rich.table import Table

                table = Table("order", "certification", "since", "round", title=f"certifications waiting for {me}")
                for c in data["certifications"]:
                    table.add_row(*map(typed, (c["order"], c["status"], c["since"][:16], str(c["rounds"]))))
                console().print(table)
            if data.get("follow_ups"):
                from cli.follow_ups import follow_up_rows

                follow_up_rows(data["follow_ups"], f"follow-ups waiting for {me} or your desk")

        cli.emit(data, human)

    run(cli, work)


def credits(
    ctx: typer.Context,
    rep: str | None = typer.Option(None, help="Only this rep's credits."),
    month: str | None = typer.Option(None, help="YYYY-MM, by effective date."),
) -> None:
    """Commission credits of effective orders: a rep sees their own."""
    cli = get(ctx)

    def work() -> None:
        rows = cli.api().get_all("/credits", rep=rep, month=month)

        def human() -> None:
            from rich.table import Table

            table = Table("order", "rep", "partner", "kind", "amount", "effective on", title="commission credits")
            for r in rows:
                table.add_row(*map(typed, (r["order"], r["rep"], r["partner"], r["kind"], r["amount"],
                                           r["effective_on"])))
            console().print(table)

        cli.emit(rows, human)

    run(cli, work)
