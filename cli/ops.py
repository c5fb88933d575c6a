"""`orderflow ops ...`: what operations staff look at."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.console import console, plain, typed
from cli.runtime import get, run
from cli.views import check_day

app = typer.Typer(no_args_is_help=True, help="Operations: saved Web UI queries and the ageing report.")


@app.command("queries")
def queries(ctx: typer.Context, partner: str | None = typer.Option(None),
            user: str | None = typer.Option(None)) -> None:
    """Ready-made list queries for the Temporal Web UI, with links."""
    cli = get(ctx)

    def work() -> None:
        found = cli.api().get_all("/ops/queries", partner=partner, user=user)

        def human() -> None:
            for q in found:
                print(f"{plain(q['name'])}:\n  {plain(q['query'])}\n  {plain(q['url'])}")

        cli.emit(found, human)

    run(cli, work)


@app.command("report")
def report(
    ctx: typer.Context,
    partner: str | None = typer.Option(None, help="Only this partner's orders."),
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD (end of that day, Beijing time)."),
    html: Path | None = typer.Option(None, "--html", help="Also write a self-contained HTML page here."),
) -> None:
    """Counts by status and partner, ageing buckets, the oldest orders and SLA breaches."""
    cli = get(ctx)

    def work() -> None:
        result = cli.api().get("/ops/report", partner=partner, as_of=check_day(cli, as_of, "--as-of"),
                               html="true" if html is not None else None)
        page = result.pop("html", None)  # rendered by the server: the CLI carries no report code
        if html is not None and page is not None:
            html.write_text(page, encoding="utf-8")

        def human() -> None:
            from rich.table import Table

            from domain.ageing import LABELS

            out = console()
            counts = Table("status", "partner", "orders", title="orders by status and partner")
            for c in result["counts"]:
                counts.add_row(*map(typed, (c["status"], c["partner"], c["count"])))
            out.print(counts)
            ageing = Table("status", *map(typed, LABELS), title="ageing of open orders (time in status)")
            for status, buckets in result["ageing"].items():
                ageing.add_row(typed(status), *(typed(buckets.get(label) or "") for label in LABELS))
            out.print(ageing)
            breaches = Table("order", "partner", "rep", "status", "due (UTC)", title="SLA breaches")
            for o in result["breaches"]:
                breaches.add_row(*map(typed, (o["number"], o["partner"], o["rep"], o["status"],
                                              o["due_at"][:16].replace("T", " ") if o["due_at"] else "")))
            out.print(breaches)
            if html is not None:
                out.print(f"HTML report written to {typed(html)}")

        cli.emit(result, human)

    run(cli, work)
