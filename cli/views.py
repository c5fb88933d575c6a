"""`orderflow inbox` and `orderflow db ...`"""

from __future__ import annotations

import typer

from orderflow.cli.runtime import get, run

db_app = typer.Typer(no_args_is_help=True, help="The application database.")


def inbox(ctx: typer.Context) -> None:
    """What waits for the acting user."""
    cli = get(ctx)

    def work() -> None:
        from db.engine import unit_of_work
        from db.order_repo import notifications_for, orders_pending_for_deactivated_reports
        from domain.order import PENDING_ROLE
        from orderflow.cli.orders import order_row, order_rows_for
        from orderflow.cli.render import notification_rows, order_rows

        actor = cli.actor()
        statuses = [s.value for s, role in PENDING_ROLE.items() if role is actor.role]
        rows = [r for s in statuses for r in order_rows_for(cli, status=s, pending_role=actor.role.value)]
        rows = [r for r in rows if r["pending"] in (actor.username, actor.role.value)]
        with unit_of_work(cli.sessions()) as session:
            # A deactivated user's open tasks move to their manager.
            for order in orders_pending_for_deactivated_reports(session, actor.username):
                rows.append({**order_row(order), "pending": f"{order.pending_user} (deactivated)"})
            notes = [{"order": n.order_number, "kind": n.kind, "text": n.text, "at": n.created_at.isoformat(),
                      "due_at": n.due_at.isoformat() if n.due_at else None}
                     for n in notifications_for(session, actor.username)]

        def human() -> None:
            if rows:
                order_rows(rows, f"orders waiting for {actor.username}")
            else:
                print(f"no order waits for {actor.username}")
            if notes:
                notification_rows(notes, f"notifications for {actor.username}")

        cli.emit({"orders": rows, "notifications": notes}, human)

    run(cli, work)


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create the schema, or migrate it to the current version (Alembic)."""
    cli = get(ctx)

    def work() -> None:
        from db.migrate import upgrade as migrate

        migrate(cli.settings.db_url)
        cli.emit({"database": cli.settings.db_url.split("@")[-1]},
                 lambda: print(f"schema ready at {cli.settings.db_url.split('@')[-1]}"))

    run(cli, work)


def credits(
    ctx: typer.Context,
    rep: str | None = typer.Option(None, help="Only this rep's credits."),
    month: str | None = typer.Option(None, help="YYYY-MM, by effective date."),
) -> None:
    """Commission credits of effective orders: a rep sees their own."""
    cli = get(ctx)

    def work() -> None:
        import re

        from rich.console import Console
        from rich.table import Table

        from db.engine import unit_of_work
        from db.order_repo import credits as load_credits
        from db.org_repo import scope_for
        from domain.errors import InvalidInput
        from domain.permissions import Perm, require

        actor = cli.actor()
        period = None
        if month:
            match = re.fullmatch(r"(\d{4})-(\d{2})", month.strip())
            if not match or not 1 <= int(match.group(2)) <= 12:
                raise InvalidInput(f"month '{month}' is not in the form YYYY-MM")
            period = (int(match.group(1)), int(match.group(2)))
        require(actor, Perm.SEE_CREDITS, "see commission credits")
        with unit_of_work(cli.sessions()) as session:
            visible = scope_for(session, actor)
            who = visible.own_only or rep
            scope = None if visible.everything or visible.own_only else set(visible.partners)
            rows = [{"order": c.order_number, "rep": c.rep, "partner": c.partner_code, "kind": c.kind,
                     "amount": str(c.amount), "effective_on": c.effective_on.isoformat(), "customer": c.customer_id}
                    for c in load_credits(session, who, period, scope)]

        def human() -> None:
            table = Table("order", "rep", "partner", "kind", "amount", "effective on", title="commission credits")
            for r in rows:
                table.add_row(r["order"], r["rep"], r["partner"], r["kind"], r["amount"], r["effective_on"])
            Console().print(table)

        cli.emit(rows, human)

    run(cli, work)
