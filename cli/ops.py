"""`orderflow ops ...`: what operations staff look at."""

from __future__ import annotations

from pathlib import Path

import typer

from orderflow.cli.runtime import get, run

app = typer.Typer(no_args_is_help=True, help="Operations: saved Web UI queries and the ageing report.")


@app.command("queries")
def queries(ctx: typer.Context, partner: str | None = typer.Option(None),
            user: str | None = typer.Option(None)) -> None:
    """Ready-made list queries for the Temporal Web UI, with links."""
    cli = get(ctx)

    def work() -> None:
        from datetime import UTC, datetime

        from orderflow.ops.queries import saved_queries, ui_url

        s = cli.settings
        ui = f"http://127.0.0.1:{s.temporal_ui_port}"
        found = [{"name": q.name, "query": q.query, "url": ui_url(ui, s.temporal_namespace, q.query)}
                 for q in saved_queries(datetime.now(UTC), partner, user)]

        def human() -> None:
            for q in found:
                print(f"{q['name']}:\n  {q['query']}\n  {q['url']}")

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
        from datetime import UTC, datetime, time, timedelta

        from rich.console import Console
        from rich.table import Table

        from db.engine import unit_of_work
        from db.org_repo import scope_for
        from domain.ageing import LABELS
        from domain.errors import NotPermitted
        from domain.fields import BUSINESS_TZ, parse_day
        from domain.permissions import Perm, require
        from orderflow.ops.html import render_html
        from orderflow.ops.report import load_report, report_json

        moment = datetime.now(UTC)
        if as_of:
            day = parse_day(as_of, "--as-of")
            moment = datetime.combine(day + timedelta(days=1), time(0), BUSINESS_TZ).astimezone(UTC)
        actor = cli.actor()
        require(actor, Perm.OPS_REPORT, "run the ops report")
        with unit_of_work(cli.sessions()) as session:
            scope = scope_for(session, actor)
            if partner and not scope.covers(partner):
                raise NotPermitted(f"{actor.describe()} may not report on partner {partner}: outside the user's scope")
            result = load_report(session, moment, partner, None if scope.everything else set(scope.partners))
        if html is not None:
            html.write_text(render_html(result, partner), encoding="utf-8")

        def human() -> None:
            console = Console()
            counts = Table("status", "partner", "orders", title="orders by status and partner")
            for (status, code), n in sorted(result.counts.items()):
                counts.add_row(status.value, code, str(n))
            console.print(counts)
            ageing = Table("status", *LABELS, title="ageing of open orders (time in status)")
            for status, buckets in result.ageing.items():
                ageing.add_row(status.value, *(str(buckets[label] or "") for label in LABELS))
            console.print(ageing)
            breaches = Table("order", "partner", "rep", "status", "due (UTC)", title="SLA breaches")
            for o in result.breaches:
                breaches.add_row(o.number, o.partner, o.rep, o.status.value,
                                 f"{o.due_at:%Y-%m-%d %H:%M}" if o.due_at else "")
            console.print(breaches)
            if html is not None:
                console.print(f"HTML report written to {html}")

        cli.emit(report_json(result), human)

    run(cli, work)
