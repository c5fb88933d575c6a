"""`orderflow order ...`: one command per human step, each one call to the API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from cli.console import plain
from cli.runtime import Api, fail, get, path, run
from domain.rejections import Reason

app = typer.Typer(no_args_is_help=True, help="Orders: issue, sign, receive, review, scan, pay, show, list.")


def step(ctx: typer.Context, call: Callable[[Api, str | None], Any], done: str = "") -> None:
    """Send one step (with --request-id as its Idempotency-Key) and print the order as it now stands."""
    cli = get(ctx)

    def work() -> None:
        from cli.render import order_view

        view = call(cli.api(), cli.request_id)

        def human() -> None:
            if done:
                print(plain(done.format(view=view)))
            order_view(view)

        cli.emit(view, human)

    run(cli, work)


def post(number: str, action: str, body: dict[str, Any]) -> Callable[[Api, str | None], Any]:
    return lambda api, key: api.post(path("orders", number, action), body, idempotency_key=key)


@app.command("issue")
def issue(ctx: typer.Context, number: str | None = typer.Argument(None, help="The form's number, or use --next."),
          to: str = typer.Option(..., "--to", help="The rep."),
          next_free: bool = typer.Option(False, "--next", help="Next free number of the rep's partner.")) -> None:
    """Hand a numbered blank form to a sales rep (assistant)."""
    if (number is None) == (not next_free):
        fail(get(ctx), 2, "give either a NUMBER or --next")
    # A number is issued once: a repeated issue is refused whatever --request-id says, so none is sent.
    step(ctx, lambda api, _: api.post("/orders", {"rep": to, "number": number}),
         done="issued {view[number]} to {view[rep]}")


@app.command("sign")
def sign(
    ctx: typer.Context,
    number: str = typer.Argument(...),
    customer: int = typer.Option(..., help="Customer id, from your warehouse."),
    product: str = typer.Option(...),
    kind: str = typer.Option(..., help="new (新签) or renewal (续签)."),
    amount: str = typer.Option(..., help="Decimal amount, e.g. 12000.00"),
    signed_on: str | None = typer.Option(None, "--signed-on", help="YYYY-MM-DD; default today."),
) -> None:
    """Record the signed order (the form's rep)."""
    body = {"customer": customer, "product": product, "kind": kind, "amount": amount}
    if signed_on:
        body["signed_on"] = signed_on
    step(ctx, post(number, "sign", body), done="signed {view[number]}")


@app.command("receive")
def receive(ctx: typer.Context, number: str = typer.Argument(...), note: str | None = typer.Option(None)) -> None:
    """Record that the paper original arrived (assistant)."""
    step(ctx, post(number, "receive", {"note": note}), done="received the original of {view[number]}")


@app.command("review")
def review(
    ctx: typer.Context,
    number: str = typer.Argument(...),
    approve: bool = typer.Option(False, "--approve", help="Approve the order at its current review."),
    reject: bool = typer.Option(False, "--reject", help="Reject it back to the rep (give --reason and --note)."),
    reason: list[str] = typer.Option([], "--reason", help=f"Repeatable: {', '.join(r.value for r in Reason)}."),
    note: str | None = typer.Option(None, help="Why, for a rejection."),
    location: str | None = typer.Option(None, help="Where the original is filed (second review)."),
) -> None:
    """Approve or reject at the first review (assistant) or the second review (order group)."""
    if approve == reject:
        fail(get(ctx), 2, "say either --approve or --reject")
    if approve:
        step(ctx, post(number, "approve", {"location": location}),
             done="approved; {view[number]} is now {view[status]}")
        return
    if not note:
        fail(get(ctx), 2, "a rejection says why: pass --note")
    step(ctx, post(number, "reject", {"reasons": reason, "note": note}),
         done="rejected; {view[number]} is now {view[status]} (round {view[fields][rounds]})")


@app.command("scan")
def scan(ctx: typer.Context, number: str = typer.Argument(...),
         file: Path = typer.Option(..., "--file", help="PDF, JPEG, PNG or TIFF.")) -> None:
    """Upload the scan of the original, or re-upload a new version later (assistant or order group)."""
    if not file.is_file():
        fail(get(ctx), 2, f"scan file {file} does not exist or is not a file", "invalid")

    def upload(api: Api, key: str | None) -> Any:
        return api.upload(path("orders", number, "scan"), file, idempotency_key=key)

    step(ctx, upload, done="scan filed for {view[number]}")


@app.command("pay")
def pay(ctx: typer.Context, number: str = typer.Argument(...), amount: str = typer.Option(...),
        date: str = typer.Option(..., "--date", help="The value date of the payment, YYYY-MM-DD.")) -> None:
    """Record a payment (finance). The completing payment's date is the effective date."""
    step(ctx, post(number, "pay", {"amount": amount, "paid_on": date}),
         done="payment recorded; {view[number]} is {view[status]}")


@app.command("show")
def show(ctx: typer.Context, number: str = typer.Argument(...)) -> None:
    """Status, who it waits for, timeline and scans."""
    cli = get(ctx)

    def work() -> None:
        view = cli.api().get(path("orders", number))

        def human() -> None:
            from cli.render import order_view

            order_view(view)

        cli.emit(view, human)

    run(cli, work)


@app.command("scan-url")
def scan_url(ctx: typer.Context, number: str = typer.Argument(...),
             version: int | None = typer.Option(None, help="Which version; default the latest."),
             slip: bool = typer.Option(False, "--slip", help="A remittance slip instead of a scan.")) -> None:
    """A link, valid for minutes, to view a scan or slip of an order within your scope; and its legal hold."""
    cli = get(ctx)

    def work() -> None:
        link = cli.api().get(path("orders", number, "scan-url"), version=version, slip="true" if slip else None)
        cli.emit(link, lambda: print(plain(f"{link['what']} v{link['version']} of order {link['order']} (legal hold: "
                                           f"{link['legal_hold']}), valid {link['expires_in_seconds']}s:")
                                     + "\n" + plain(link["url"])))

    run(cli, work)


@app.command("list")
def list_(ctx: typer.Context, status: str | None = typer.Option(None, help="Only orders in this status.")) -> None:
    """Orders the signed-in user may see, newest first (from the read model)."""
    cli = get(ctx)

    def work() -> None:
        from cli.render import order_rows

        rows = cli.api().get_all("/orders", status=status)
        cli.emit(rows, lambda: order_rows(rows, "orders"))

    run(cli, work)
