"""`orderflow ops ...`: what operations staff look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def _cases(out: Any, result: dict[str, Any]) -> None:
    """The certifications, the special follow-ups and (for headquarters) the deliveries beside the orders: the state
    now, so a report --as-of a past day has none of them."""
    from rich.table import Table

    certs = result.get("certifications")
    if certs is not None:
        table = Table("status", "certifications", title="certifications by status")
        for status, count in sorted(certs["by_status"].items()):
            table.add_row(typed(status), typed(count))
        out.print(table)
        waiting = Table("order", "partner", "at the agency since", "days", title="waiting for the agency")
        for c in certs["waiting_at_agency"]:
            waiting.add_row(*map(typed, (c["order"], c["partner"], c["since"][:10], c["days"])))
        out.print(waiting)
        started = Table("order", "partner", "effective", "service starts", title="services started (30 days)")
        for o in certs.get("service_started", []):
            started.add_row(*map(typed, (o["order"], o["partner"], o["effective_on"] or "", o["service_starts_on"])))
        out.print(started)
        missing = certs.get("without_certification")
        if missing and missing["count"]:
            out.print(f"{typed(missing['count'])} effective order(s) have no certification; latest: " + ", ".join(
                typed(o["order"]) for o in missing["latest"][:10]) + " (`orderflow cert start NUMBER`)")
    cases = result.get("follow_ups")
    if cases is not None:
        table = Table("type", "open", title="open follow-ups")
        for kind, count in cases["open_by_type"].items():
            table.add_row(typed(kind), typed(count))
        table.add_row("of which overdue", typed(cases["overdue"]))
        out.print(table)
    deliveries = result.get("deliveries")
    if deliveries is not None:
        table = Table("channel", "failed", "open over an hour", title="mail and chat deliveries")
        for channel in sorted({*deliveries["failed"], *deliveries["open_too_long"]}):
            table.add_row(typed(channel), typed(deliveries["failed"].get(channel, 0)),
                          typed(deliveries["open_too_long"].get(channel, 0)))
        out.print(table)


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
            _cases(out, result)
            if html is not None:
                out.print(f"HTML report written to {typed(html)}")

        cli.emit(result, human)

    run(cli, work)
