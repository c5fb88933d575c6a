"""`orderflow follow-up open|list|show|comment|attach|assign|due|close`: special follow-ups (其它特殊问题跟进)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cli.console import console, plain, typed
from cli.runtime import get, path, run
from cli.views import check_day

app = typer.Typer(no_args_is_help=True, help="Special follow-ups (其它特殊问题跟进): disputes, invoices, refunds, "
                                              "name changes, complaints and other cases.")


def follow_up_rows(rows: list[dict[str, Any]], title: str) -> None:
    from rich.table import Table

    table = Table("case", "type", "on", "assignee", "due on", "status", title=title)
    for r in rows:
        on = f"order {r['order']}" if r["order"] else f"customer {r['customer']}"
        status = "OVERDUE" if r["overdue"] and r["status"] == "OPEN" else r["status"]
        table.add_row(*map(typed, (r["case"], f"{r['type']} {r['label']}", on, r["assignee"], r["due_on"], status)))
    console().print(table)


def _said(view: dict[str, Any]) -> str:
    return plain(f"follow-up {view['case_id']}: {view['status']}, assigned to {view['assignee']}, due "
                 f"{view['due_on']}")


@app.command("open")
def open_case(
    ctx: typer.Context,
    type: str = typer.Option(..., "--type", help="dispute, invoice, refund, name_change, complaint or other."),
    description: str = typer.Option(..., help="What the customer asks or disputes."),
    due: str = typer.Option(..., help="The Beijing day it is due, YYYY-MM-DD."),
    order: str | None = typer.Option(None, help="The order the case is about, or"),
    customer: int | None = typer.Option(None, help="the customer it is about."),
    assignee: str | None = typer.Option(None, help="A username or a desk (desk:finance); a refund goes to finance."),
    new_name: str | None = typer.Option(None, "--new-name", help="A name change's new licensed name."),
    confirm_distinct: bool = typer.Option(False, "--confirm-distinct",
                                          help="A similar name really is a different company."),
) -> None:
    """Open a case on an order or a customer you may see."""
    cli = get(ctx)
    day = check_day(cli, due, "--due")

    def work() -> None:
        view = cli.api().post("/follow-ups", {
            "type": type, "description": description, "due_on": day, "order": order, "customer": customer,
            "assignee": assignee, "new_name": new_name, "confirm_distinct": confirm_distinct},
            idempotency_key=cli.request_id)
        cli.emit(view, lambda: print(_said(view)))

    run(cli, work)


@app.command("list")
def list_cases(
    ctx: typer.Context,
    type: str | None = typer.Option(None, "--type", help="Only this type (finance's queue: --type refund)."),
    status: str = typer.Option("OPEN", help="OPEN or CLOSED."),
    mine: bool = typer.Option(False, "--mine", help="Only those waiting for you or your desk."),
) -> None:
    """Cases you may see, soonest due first."""
    cli = get(ctx)

    def work() -> None:
        rows = cli.api().get_all("/follow-ups", type=type, status=status, waiting=mine or None)
        cli.emit(rows, lambda: follow_up_rows(rows, "follow-ups"))

    run(cli, work)


@app.command("show")
def show(ctx: typer.Context, case: str = typer.Argument(..., help="The case id, e.g. 261130-3fa2b1.")) -> None:
    """One case, its comments, attachments and what happened when."""
    cli = get(ctx)

    def work() -> None:
        data = cli.api().get(path("follow-ups", case))

        def human() -> None:
            on = f"order {data['order']}" if data["order"] else f"customer {data['customer']}"
            print(plain(f"follow-up {data['case']}: {data['type']} {data['label']} on {on}, {data['status']}"
                        f"{' (overdue)' if data['overdue'] and data['status'] == 'OPEN' else ''}"))
            print(plain(f"opened by {data['opener']}; assigned to {data['assignee']}; due {data['due_on']}"))
            print(plain(f"description: {data['description']}"))
            if data.get("correction"):
                fix = data["correction"]
                print(plain(f"name correction {fix['id']} to '{fix['after']}': {fix['status']}"))
            if data["status"] == "CLOSED":
                print(plain(f"closed {data['outcome']}: {data['resolution']}"
                            f"{' (reference ' + data['reference'] + ')' if data['reference'] else ''}"))
            for c in data["comments"]:
                print(plain(f"  {c['at']} {c['author']}: {c['text']}"))
            for f in data["attachments"]:
                print(plain(f"  attachment v{f['version']} {f['filename']} ({f['size']:,} bytes)"))
            for e in data["events"]:
                print(plain(f"  {e['at']} {e['kind']} by {e['actor']} {e['detail']}"))

        cli.emit(data, human)

    run(cli, work)


@app.command("comment")
def comment(ctx: typer.Context, case: str = typer.Argument(...), text: str = typer.Option(...)) -> None:
    """Add a comment."""
    cli = get(ctx)

    def work() -> None:
        view = cli.api().post(path("follow-ups", case, "comments"), {"text": text}, idempotency_key=cli.request_id)
        cli.emit(view, lambda: print(_said(view)))

    run(cli, work)


@app.command("attach")
def attach(ctx: typer.Context, case: str = typer.Argument(...),
           file: Path = typer.Option(..., "--file", help="PDF, JPEG, PNG or TIFF.")) -> None:
    """Attach a file."""
    cli = get(ctx)

    def work() -> None:
        view = cli.api().upload(path("follow-ups", case, "attachments"), file)
        cli.emit(view, lambda: print(plain(f"follow-up {view['case_id']}: {len(view['attachments'])} "
                                           "attachment(s)")))

    run(cli, work)


@app.command("assign")
def assign(ctx: typer.Context, case: str = typer.Argument(...),
           to: str = typer.Option(..., "--to", help="A username or a desk (desk:finance)."),
           reason: str = typer.Option(...)) -> None:
    """Reassign the case; a new wait (reminder, escalation) starts."""
    cli = get(ctx)

    def work() -> None:
        view = cli.api().post(path("follow-ups", case, "assign"), {"assignee": to, "reason": reason},
                              idempotency_key=cli.request_id)
        cli.emit(view, lambda: print(_said(view)))

    run(cli, work)


@app.command("due")
def due(ctx: typer.Context, case: str = typer.Argument(...),
        on: str = typer.Option(..., "--on", help="The new Beijing due day, YYYY-MM-DD.")) -> None:
    """Change the due date; a new wait starts."""
    cli = get(ctx)
    day = check_day(cli, on, "--on")

    def work() -> None:
        view = cli.api().post(path("follow-ups", case, "due"), {"due_on": day}, idempotency_key=cli.request_id)
        cli.emit(view, lambda: print(_said(view)))

    run(cli, work)


@app.command("close")
def close(ctx: typer.Context, case: str = typer.Argument(...),
          outcome: str = typer.Option(..., help="resolved, declined or withdrawn."),
          resolution: str = typer.Option(..., help="What was done."),
          reference: str | None = typer.Option(None, help="A refund's payment reference.")) -> None:
    """Close the case with its resolution."""
    cli = get(ctx)

    def work() -> None:
        view = cli.api().post(path("follow-ups", case, "close"), {
            "outcome": outcome, "resolution": resolution, "reference": reference}, idempotency_key=cli.request_id)
        cli.emit(view, lambda: print(plain(f"follow-up {view['case_id']} closed: {view['outcome']}")))

    run(cli, work)
