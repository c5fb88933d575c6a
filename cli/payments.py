"""`orderflow payments ...` (finance) and `orderflow order slip` (the rep): money arriving and matched."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import typer

from orderflow.cli import orders
from orderflow.cli.runtime import Cli, get, run

app = typer.Typer(no_args_is_help=True,
                  help="Bank statements: import, the queue of unmatched lines, match and unmatch (finance).")


def _desk(cli: Cli, work: Callable[[Any, Any], Awaitable[Any]], needs_temporal: bool = True) -> Any:
    async def body() -> Any:
        from orderflow.desk import OrderDesk
        from orderflow.payments import PaymentDesk
        from orderflow.s3 import make_client

        actor = cli.actor()
        client = None
        if needs_temporal:
            from orderflow.temporal import connect

            client = await connect(cli.settings)
        s3 = make_client(cli.settings)
        order_desk = OrderDesk(client, cli.sessions(), cli.settings, s3)  # type: ignore[arg-type]
        return await work(PaymentDesk(order_desk, cli.sessions(), cli.settings, s3), actor)

    return run(cli, body)


@app.command("import")
def import_(ctx: typer.Context,
            file: Path = typer.Argument(..., help="The bank's CSV export (UTF-8, GBK, …).")) -> None:
    """Store each statement line once (by bank reference) and match what fits exactly one order."""
    cli = get(ctx)
    report = _desk(cli, lambda desk, actor: desk.import_statement(actor, file))
    from orderflow.cli.render_payments import import_report

    cli.emit(report, lambda: import_report(report))
    if report.errors or report.stopped:
        raise typer.Exit(2 if report.errors else 1)


@app.command("unmatched")
def unmatched(ctx: typer.Context) -> None:
    """Lines no order has taken: ambiguous ones with their candidates, unmatched ones; and overpaid orders."""
    cli = get(ctx)

    async def work(desk: Any, actor: Any) -> Any:
        return desk.queue(actor)

    queue = _desk(cli, work, needs_temporal=False)
    from orderflow.cli.render_payments import queue_view

    cli.emit(queue, lambda: queue_view(queue))


@app.command("show")
def show(ctx: typer.Context, line: str = typer.Argument(..., help="The bank reference.")) -> None:
    """One bank line, its candidates and slips, and its history of matches."""
    cli = get(ctx)

    async def work(desk: Any, actor: Any) -> Any:
        return desk.show(actor, line)

    detail = _desk(cli, work, needs_temporal=False)
    from orderflow.cli.render_payments import line_detail

    cli.emit(detail, lambda: line_detail(detail))


@app.command("match")
def match(ctx: typer.Context, line: str = typer.Argument(..., help="The bank reference."),
          order: str = typer.Option(..., "--order", help="The order this payment is for.")) -> None:
    """Match a line to an order by hand; partial payments add up, an overpayment is flagged (audited)."""
    cli = get(ctx)
    matched = _desk(cli, lambda desk, actor: desk.match(actor, line, order))
    from orderflow.cli.render import order_view
    from orderflow.cli.render_payments import slip_links

    def human() -> None:
        print(f"matched bank line {matched.bank_ref} to order {matched.order.number}; "
              f"it is {matched.order.status.value}")
        slip_links(matched.slips)
        order_view(matched.order)

    cli.emit(matched, human)


@app.command("unmatch")
def unmatch(ctx: typer.Context, line: str = typer.Argument(..., help="The bank reference."),
            reason: str = typer.Option(..., "--reason", help="Why the match was wrong (audited).")) -> None:
    """Undo a wrong match before its order takes effect; the line goes back to the queue."""
    cli = get(ctx)
    view = _desk(cli, lambda desk, actor: desk.unmatch(actor, line, reason))
    from orderflow.cli.render import order_view

    def human() -> None:
        print(f"unmatched bank line {line} from order {view.number}; paid so far {view.fields.paid_total}")
        order_view(view)

    cli.emit(view, human)


@orders.app.command("slip")
def slip(ctx: typer.Context, number: str = typer.Argument(...),
         file: Path = typer.Option(..., "--file", help="The remittance slip: PDF, JPEG, PNG or TIFF."),
         amount: str = typer.Option(..., help="The amount the slip shows, e.g. 12000.00"),
         paid_on: str = typer.Option(..., "--paid-on", help="The date on the slip, YYYY-MM-DD.")) -> None:
    """Attach the customer's remittance slip (底单) to an order, for finance to match the payment (its rep)."""
    cli = get(ctx)

    def act(desk: Any, actor: Any) -> Awaitable[Any]:
        from domain.fields import parse_day
        from orderflow.payments import PaymentDesk

        payments = PaymentDesk(desk, cli.sessions(), cli.settings)
        return payments.slip(actor, number, file, amount, parse_day(paid_on, "date on the slip"))

    orders.step(ctx, act, needs_s3=True, done="slip filed for {view.number}")
