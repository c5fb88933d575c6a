"""`orderflow team` and `orderflow user open|close`: the channel hierarchy at work."""

from __future__ import annotations

import typer

from orderflow.cli.runtime import get, run

app = typer.Typer(no_args_is_help=True, help="Agency sales accounts, opened and closed by channel managers.")


def team(ctx: typer.Context, since: str | None = typer.Option(None, help="YYYY-MM-DD; default 30 days ago.")) -> None:
    """Your subordinates' contact counts and latest sales notes (联系量, 小记)."""
    cli = get(ctx)

    def work() -> None:
        from datetime import UTC, datetime, time, timedelta

        from rich.console import Console
        from rich.table import Table
        from sqlalchemy import select

        from db.engine import unit_of_work
        from db.models import CustomerNote
        from db.org_repo import scope_for, subordinates
        from db.warehouse_repo import contact_counts
        from domain.fields import BUSINESS_TZ, parse_day
        from domain.permissions import Perm, require

        actor = cli.actor()
        require(actor, Perm.SEE_TEAM, "see the team's notes and contact counts")
        start = (datetime.combine(parse_day(since, "--since"), time(0), BUSINESS_TZ) if since
                 else datetime.now(UTC) - timedelta(days=30))
        with unit_of_work(cli.sessions()) as session:
            reps = subordinates(session, actor, scope_for(session, actor))
            names = [u.username for u in reps]
            counts = contact_counts(session, names, start)
            notes = session.scalars(select(CustomerNote).where(CustomerNote.author.in_(names),
                                                               CustomerNote.at >= start)
                                    .order_by(CustomerNote.at.desc()).limit(20))
            data = {"since": start.isoformat(),
                    "reps": [{"rep": u.username, "name": u.name, "active": u.active,
                              "contacts": counts.get(u.username, 0)} for u in reps],
                    "notes": [{"rep": n.author, "customer": n.customer_id, "at": n.at.isoformat(), "text": n.text}
                              for n in notes]}

        def human() -> None:
            console = Console()
            table = Table("rep", "name", "active", "contacts", title=f"team of {actor.username} since {start:%Y-%m-%d}")
            for r in data["reps"]:
                table.add_row(r["rep"], r["name"], "yes" if r["active"] else "no", str(r["contacts"]))
            console.print(table)
            latest = Table("when (UTC)", "rep", "customer", "note", title="latest notes")
            for n in data["notes"]:
                latest.add_row(n["at"][:16].replace("T", " "), n["rep"], str(n["customer"]), n["text"])
            console.print(latest)

        cli.emit(data, human)

    run(cli, work)


@app.command("open")
def open_account(
    ctx: typer.Context, username: str = typer.Argument(...), name: str = typer.Option(...),
    partner: str = typer.Option(..., help="The agency (channel partner) the rep sells for."),
    region: list[str] = typer.Option(..., "--region", help="Repeatable: the rep's regions."),
    reports_to: str | None = typer.Option(None, "--reports-to", help="The rep's supervisor."),
) -> None:
    """Open an agency sales account in your scope and assign its regions (channel manager or director)."""
    cli = get(ctx)

    def work() -> None:
        import re
        from datetime import UTC, datetime

        from db.engine import unit_of_work
        from db.models import User
        from db.org_repo import UserSpec, partner_codes, save_user, scope_for
        from domain.errors import InvalidInput, Refused
        from domain.fields import clean_text
        from domain.people import Role
        from domain.permissions import check_account_change

        actor = cli.actor()
        if not re.fullmatch(r"[a-z][a-z0-9._-]{1,31}", username):
            raise InvalidInput(f"username '{username}' must be 2-32 lower-case letters, digits, '.', '_' or '-'")
        with unit_of_work(cli.sessions()) as session:
            if partner not in partner_codes(session):
                raise InvalidInput(f"there is no partner {partner}")
            check_account_change(actor, scope_for(session, actor), Role.SALES, partner, region, opening=True)
            existing = session.get(User, username)
            if existing is not None and existing.active:
                raise Refused(f"user {username} already exists and is active")
            save_user(session, UserSpec(username, clean_text(name, "name"), Role.SALES, [partner], reports_to,
                                        sorted(set(region))), actor.username, datetime.now(UTC))
        cli.emit({"username": username, "partner": partner, "regions": sorted(set(region))},
                 lambda: print(f"opened sales account {username} for partner {partner} ({', '.join(region)})"))

    run(cli, work)


@app.command("close")
def close_account(ctx: typer.Context, username: str = typer.Argument(...), reason: str = typer.Option(...)) -> None:
    """Close an agency sales account: it can do nothing more, and its warehouse goes to the public pool."""
    cli = get(ctx)

    def work() -> None:
        from datetime import UTC, datetime

        from sqlalchemy import select

        from db.engine import unit_of_work
        from db.models import Customer, User
        from db.org_repo import load_actor, scope_for, set_active
        from db.warehouse_repo import move
        from domain.errors import Refused
        from domain.fields import clean_text
        from domain.permissions import check_account_change

        actor = cli.actor()
        why = clean_text(reason, "reason")
        now = datetime.now(UTC)
        with unit_of_work(cli.sessions()) as session:
            target = load_actor(session, username)
            check_account_change(actor, scope_for(session, actor), target.role, min(target.partners, default=None),
                                 [], opening=False)
            user = session.get(User, username)
            assert user is not None
            if not user.active:
                raise Refused(f"account {username} is already closed")
            set_active(session, user, False, actor.username, now)
            released = 0
            for customer in session.scalars(select(Customer).where(Customer.owner == username)):
                move(session, customer, None, reason=f"account closed: {why}", actor=actor.username, at=now)
                released += 1
        cli.emit({"username": username, "customers_to_pool": released},
                 lambda: print(f"closed {username}; {released} customers went back to the public pool"))

    run(cli, work)
