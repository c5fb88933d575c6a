"""`orderflow order ...`: one command per human step."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import typer

from domain.rejections import Reason
from orderflow.cli.runtime import Cli, fail, get, run

app = typer.Typer(no_args_is_help=True, help="Orders: issue, sign, receive, review, scan, pay, show, list.")


def step(ctx: typer.Context, act: Callable[[Any, Any], Awaitable[Any]], needs_s3: bool = False,
          done: str = "") -> None:
    """Connect, resolve the actor, run one desk call, and print the order as it now stands."""
    cli = get(ctx)

    async def work() -> None:
        from orderflow.cli.render import order_view
        from orderflow.desk import OrderDesk
        from orderflow.temporal import connect

        actor = cli.actor()
        s3 = None
        if needs_s3:
            from orderflow.s3 import make_client

            s3 = make_client(cli.settings)
        desk = OrderDesk(await connect(cli.settings), cli.sessions(), cli.settings, s3, request_id=cli.request_id)
        view = await act(desk, actor)

        def human() -> None:
            if done:
                print(done.format(view=view))
            order_view(view)

        cli.emit(view, human)

    run(cli, work)


@app.command("issue")
def issue(ctx: typer.Context, number: str | None = typer.Argument(None, help="The form's number, or use --next."),
          to: str = typer.Option(..., "--to", help="The rep."),
          next_free: bool = typer.Option(False, "--next", help="Pick the next free number of your partners.")) -> None:
    """Hand a numbered blank form to a sales rep (assistant)."""
    if (number is None) == (not next_free):
        fail(get(ctx), 2, "give either a NUMBER or --next")
    step(ctx, lambda desk, actor: desk.issue(actor, number, to) if number else desk.issue_next(actor, to),
         done="issued {view.number} to {view.rep}")


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
    from orderflow.desk import default_day

    def act(desk: Any, actor: Any) -> Awaitable[Any]:
        from domain.fields import parse_day

        day = parse_day(signed_on, "signing date") if signed_on else default_day()
        return desk.sign(actor, number, customer, product, kind, amount, day)

    step(ctx, act, done="signed {view.number}")


@app.command("receive")
def receive(ctx: typer.Context, number: str = typer.Argument(...), note: str | None = typer.Option(None)) -> None:
    """Record that the paper original arrived (assistant)."""
    step(ctx, lambda desk, actor: desk.receive(actor, number, note), done="received the original of {view.number}")


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
        step(ctx, lambda desk, actor: desk.review(actor, number, location),
              done="approved; {view.number} is now {view.status.value}")
        return
    if not note:
        fail(get(ctx), 2, "a rejection says why: pass --note")
    step(ctx, lambda desk, actor: desk.reject(actor, number, reason, note),
          done="rejected; {view.number} is now {view.status.value} (round {view.fields.rounds})")


@app.command("scan")
def scan(ctx: typer.Context, number: str = typer.Argument(...),
         file: Path = typer.Option(..., "--file", help="PDF, JPEG, PNG or TIFF.")) -> None:
    """Upload the scan of the original, or re-upload a new version later (assistant or order group)."""
    step(ctx, lambda desk, actor: desk.scan(actor, number, file), needs_s3=True,
          done="scan filed for {view.number}")


@app.command("pay")
def pay(ctx: typer.Context, number: str = typer.Argument(...), amount: str = typer.Option(...),
        date: str = typer.Option(..., "--date", help="The value date of the payment, YYYY-MM-DD.")) -> None:
    """Record a payment (finance). The completing payment's date is the effective date."""

    def act(desk: Any, actor: Any) -> Awaitable[Any]:
        from domain.fields import parse_day

        return desk.pay(actor, number, amount, parse_day(date, "payment date"))

    step(ctx, act, done="payment recorded; {view.number} is {view.status.value}")


@app.command("show")
def show(ctx: typer.Context, number: str = typer.Argument(...)) -> None:
    """Status, who it waits for, timeline and scans."""
    cli = get(ctx)

    def work() -> None:
        view = visible_order(cli, number)

        def human() -> None:
            from orderflow.cli.render import order_view

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
        from domain.errors import NotFound
        from orderflow.s3 import legal_hold, make_client, presigned_get

        view = visible_order(cli, number)
        what = "remittance slip" if slip else "scan"
        files = list(view.slips) if slip else list(view.scans)
        chosen = files[-1] if files and version is None else next((f for f in files if f.version == version), None)
        if chosen is None:
            have = ", ".join(f"v{f.version}" for f in files) or "none yet"
            raise NotFound(f"order {view.number} has no {what}{f' v{version}' if version else ''} (it has: {have})")
        s3, bucket = make_client(cli.settings), cli.settings.s3_bucket
        seconds = cli.settings.presign_seconds
        link = {"order": view.number, "what": what, "version": chosen.version, "key": chosen.key,
                "url": presigned_get(s3, bucket, chosen.key, seconds), "expires_in_seconds": seconds,
                "legal_hold": legal_hold(s3, bucket, chosen.key)}
        cli.emit(link, lambda: print(f"{what} v{chosen.version} of order {view.number} (legal hold: "
                                     f"{link['legal_hold']}), valid {seconds}s:\n{link['url']}"))

    run(cli, work)


@app.command("list")
def list_(ctx: typer.Context, status: str | None = typer.Option(None, help="Only orders in this status.")) -> None:
    """Orders the acting user may see, newest first (from the read model)."""
    cli = get(ctx)

    def work() -> None:
        from domain.errors import InvalidInput
        from domain.order import OrderStatus
        from orderflow.cli.render import order_rows

        if status is not None and status.upper() not in OrderStatus.__members__:
            raise InvalidInput(f"status '{status}' is not one of: {', '.join(OrderStatus.__members__)}")
        rows = order_rows_for(cli, status=status.upper() if status else None)
        cli.emit(rows, lambda: order_rows(rows, "orders"))

    run(cli, work)


def visible_order(cli: Cli, number: str) -> Any:
    """The order from the read model, if it lies within the acting user's scope (exit 4 if not)."""
    from db.engine import unit_of_work
    from orderflow.read_view import order_view

    actor = cli.actor()
    with unit_of_work(cli.sessions()) as session:
        view = order_view(session, number)
    check_visible(cli, actor, view.partner, view.rep, f"order {view.number}")
    return view


def check_visible(cli: Cli, actor: Any, partner: str | None, holder: str | None, what: str) -> None:
    """Refuse to show what lies outside the actor's scope (exit 4), naming the scope."""
    from db.engine import unit_of_work
    from db.org_repo import scope_for
    from domain.errors import NotPermitted

    with unit_of_work(cli.sessions()) as session:
        scope = scope_for(session, actor)
    if scope.own_only and holder != scope.own_only:
        raise NotPermitted(f"{actor.describe()} may not see {what}: it is not the user's own")
    if not scope.own_only and not scope.covers(partner):
        raise NotPermitted(f"{actor.describe()} may not see {what}: partner {partner} is outside the user's scope")


def order_rows_for(cli: Cli, **filters: Any) -> list[dict[str, Any]]:
    """Orders within the actor's scope: a rep's own, the partners in scope, or all."""
    from db.engine import unit_of_work
    from db.order_repo import list_orders
    from db.org_repo import scope_for
    from domain.permissions import Perm, require

    actor = cli.actor()
    require(actor, Perm.SEE_ORDERS, "see orders")
    with unit_of_work(cli.sessions()) as session:
        scope = scope_for(session, actor)
        limits: dict[str, Any] = {}
        if scope.own_only:
            limits["rep"] = scope.own_only
        elif not scope.everything:
            limits["partners"] = set(scope.partners)
        return [order_row(o) for o in list_orders(session, **limits, **filters)]


def order_row(o: Any) -> dict[str, Any]:
    return {"number": o.number, "partner": o.partner_code, "rep": o.rep, "status": o.status,
            "pending": o.pending_user or o.pending_role, "customer": o.customer_name,
            "amount": str(o.amount) if o.amount is not None else None, "updated_at": o.updated_at.isoformat()}
