"""`orderflow payments ...` (finance) and `orderflow order slip` (the rep): money arriving and matched."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cli import orders
from cli.console import plain
from cli.runtime import Api, fail, get, path, run

app = typer.Typer(no_args_is_help=True,
                  help="Bank statements: import, the queue of unmatched lines, match and unmatch, refunds, and "
                       "payments recorded by hand taken back (finance).")


@app.command("import")
def import_(ctx: typer.Context,
            file: Path = typer.Argument(..., help="The bank's CSV export (UTF-8, GBK, …).")) -> None:
    """Store each statement line once (by bank reference) and match what fits exactly one order."""
    cli = get(ctx)
    if not file.is_file():
        fail(cli, 2, f"statement file {file} does not exist or is not a file", "invalid")

    def send() -> Any:
        return cli.api().upload("/payments/statements", file, "text/csv")

    report = run(cli, send)
    from cli.render_payments import import_report

    cli.emit(report, lambda: import_report(report))
    # Imported, but not all of it: bad lines are an input problem (2); matching cut short is a server one (1).
    if report["errors"] or report["stopped"]:
        raise typer.Exit(2 if report["errors"] else 1)


@app.command("unmatched")
def unmatched(ctx: typer.Context) -> None:
    """Lines no order has taken: ambiguous ones with their candidates, unmatched ones; and overpaid orders."""
    cli = get(ctx)

    def fetch() -> dict[str, Any]:
        api = cli.api()
        return {"lines": api.get_all("/payments/unmatched"),
                "credit_balances": api.get_all("/payments/credit-balances")}

    queue = run(cli, fetch)
    from cli.render_payments import queue_view

    cli.emit(queue, lambda: queue_view(queue))


@app.command("show")
def show(ctx: typer.Context, line: str = typer.Argument(..., help="The bank reference.")) -> None:
    """One bank line, its candidates and slips, and its history of matches."""
    cli = get(ctx)
    detail = run(cli, lambda: cli.api().get(path("payments", "lines", line)))
    from cli.render_payments import line_detail

    cli.emit(detail, lambda: line_detail(detail))


@app.command("match")
def match(ctx: typer.Context, line: str = typer.Argument(..., help="The bank reference."),
          order: str = typer.Option(..., "--order", help="The order this payment is for."),
          reason: str | None = typer.Option(
              None, "--reason", help="Needed when the payer is not the order's customer (audited).")) -> None:
    """Match a line to an order by hand; partial payments add up, an overpayment is flagged (audited)."""
    cli = get(ctx)
    body = {"order": order} if reason is None else {"order": order, "reason": reason}
    matched = run(cli, lambda: cli.api().post(path("payments", "lines", line, "match"), body))
    from cli.render import order_view
    from cli.render_payments import slip_links

    def human() -> None:
        print(plain(f"matched bank line {matched['bank_ref']} to order {matched['order']['number']}; "
                    f"it is {matched['order']['status']}"))
        slip_links(matched["slips"])
        order_view(matched["order"])

    cli.emit(matched, human)


@app.command("unmatch")
def unmatch(ctx: typer.Context, line: str = typer.Argument(..., help="The bank reference."),
            reason: str = typer.Option(..., "--reason", help="Why the match was wrong (audited).")) -> None:
    """Undo a wrong match before its order takes effect; the line goes back to the queue."""
    cli = get(ctx)
    view = run(cli, lambda: cli.api().post(path("payments", "lines", line, "unmatch"), {"reason": reason}))
    from cli.render import order_view

    def human() -> None:
        print(plain(f"unmatched bank line {line} from order {view['number']}; "
                    f"paid so far {view['fields']['paid_total']}"))
        order_view(view)

    cli.emit(view, human)


def _line_moved(ctx: typer.Context, line: str, action: str, body: dict[str, str], done: str) -> None:
    """A decision about a queued line that moves no money in orderflow: show the line as it now stands."""
    cli = get(ctx)
    detail = run(cli, lambda: cli.api().post(path("payments", "lines", line, action), body))
    from cli.render_payments import line_detail

    def human() -> None:
        print(plain(done.format(line=detail["line"]["bank_ref"])))
        line_detail(detail)

    cli.emit(detail, human)


@app.command("refund")
def refund(ctx: typer.Context, line: str = typer.Argument(..., help="The bank reference."),
           reason: str = typer.Option(..., "--reason", help="Why the money goes back, e.g. paid twice (audited).")
           ) -> None:
    """Mark a queued line to be refunded to its payer; it leaves matching and stays listed until sent."""
    _line_moved(ctx, line, "refund", {"reason": reason}, "bank line {line} is to be refunded")


@app.command("refunded")
def refunded(ctx: typer.Context, line: str = typer.Argument(..., help="The bank reference."),
             reference: str = typer.Option(..., "--reference",
                                           help="The refund's own reference: the transfer back (audited).")) -> None:
    """Record that the refund of a line was sent; the line is closed."""
    _line_moved(ctx, line, "refunded", {"reference": reference}, "bank line {line} was refunded")


@app.command("reopen")
def reopen(ctx: typer.Context, line: str = typer.Argument(..., help="The bank reference."),
           reason: str = typer.Option(..., "--reason", help="Why it is not refunded after all (audited).")) -> None:
    """Take a line marked to be refunded back to the queue, to be matched."""
    _line_moved(ctx, line, "reopen", {"reason": reason}, "bank line {line} is back in the queue")


@app.command("settle")
def settle(ctx: typer.Context, number: str = typer.Argument(..., help="The overpaid order."),
           settlement: str = typer.Option(..., "--as", help="refunded (sent back) or carried (toward a later order)."),
           reason: str = typer.Option(..., "--reason", help="What was done, e.g. the transfer back (audited)."),
           ) -> None:
    """Settle an overpaid order's credit balance, once; it then leaves the list of overpaid orders."""
    cli = get(ctx)
    done = run(cli, lambda: cli.api().post(path("payments", "credit-balances", number, "settle"),
                                           {"settlement": settlement, "reason": reason}))
    cli.emit(done, lambda: print(plain(f"the credit balance {done['credit_balance']} of order {done['number']} is "
                                       f"{done['settled_as']}: {done['settled_note']}")))


@app.command("reverse")
def reverse(ctx: typer.Context, number: str = typer.Argument(..., help="The order."),
            payment: int = typer.Argument(..., min=1, help="The payment's number, as `order show` lists it."),
            amount: str = typer.Option(..., "--amount", help="Its amount, as listed (a guard against a stale list)."),
            paid_on: str = typer.Option(..., "--paid-on", help="Its date, as listed, YYYY-MM-DD."),
            reason: str = typer.Option(..., "--reason", help="Why it is taken back (audited).")) -> None:
    """Take back a payment recorded by hand (a bank line's payment is unmatched instead)."""
    orders.step(ctx, lambda api, key: api.post(path("orders", number, "payments", str(payment), "reverse"),
                                               {"amount": amount, "paid_on": paid_on, "reason": reason},
                                               idempotency_key=key),
                done=f"payment {payment} of order {{view[number]}} reversed; paid so far {{view[fields][paid_total]}}")


@orders.app.command("slip")
def slip(ctx: typer.Context, number: str = typer.Argument(...),
         file: Path = typer.Option(..., "--file", help="The remittance slip: PDF, JPEG, PNG or TIFF."),
         amount: str = typer.Option(..., help="The amount the slip shows, e.g. 12000.00"),
         paid_on: str = typer.Option(..., "--paid-on", help="The date on the slip, YYYY-MM-DD.")) -> None:
    """Attach the customer's remittance slip (底单) to an order, for finance to match the payment (its rep)."""
    if not file.is_file():
        fail(get(ctx), 2, f"slip file {file} does not exist or is not a file", "invalid")

    def upload(api: Api, key: str | None) -> Any:
        return api.upload(path("orders", number, "slip"), file, idempotency_key=key, amount=amount, paid_on=paid_on)

    orders.step(ctx, upload, done="slip filed for {view[number]}")
