"""`orderflow cert ...`: certifications (认证) of effective orders, over the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cli.console import console, plain, typed
from cli.runtime import fail, get, path, run

app = typer.Typer(no_args_is_help=True, help="认证: certify an effective order's customer (licence, the applicant's "
                                              "identity and position) with the certification agency.")

Reasons = typer.Option([], "--reason", help="Reason code (repeat): name_mismatch, licence_expired_or_revoked, "
                                            "applicant_unreachable, illegible, other.")


def _said(view: dict[str, Any]) -> str:
    line = f"certification of {view['order_number']}: {view['status']} (round {view['rounds']} of " \
           f"{view['allowed_rounds']})"
    if view.get("reasons"):
        line += f"; reasons: {', '.join(view['reasons'])}"
    if view.get("service_starts_on"):
        line += f"; service starts on {view['service_starts_on']}"
    return line


def _post(ctx: typer.Context, number: str, action: str, body: dict[str, Any]) -> None:
    cli = get(ctx)

    def work() -> None:
        view = cli.api().post(path("certifications", number, action), body)
        cli.emit(view, lambda: print(plain(_said(view))))

    run(cli, work)


@app.command("list")
def listing(ctx: typer.Context,
            status: str = typer.Option(None, help="AWAITING_DOCUMENTS, CHECKING, AT_AGENCY, ESCALATED, PASSED, "
                                                  "FAILED, NOT_NEEDED.")) -> None:
    """Certifications in your scope, the longest waiting first."""
    cli = get(ctx)

    def work() -> None:
        rows = cli.api().get_all("/certifications", **({"status": status} if status else {}))

        def human() -> None:
            from rich.table import Table

            table = Table("order", "status", "waiting for", "since", "round", "service starts")
            for r in rows:
                table.add_row(*map(typed, (r["order"], r["status"], r["pending_user"] or r["pending_role"] or "",
                                           r["since"][:16], f"{r['rounds']}/{r['allowed_rounds']}",
                                           r["service_starts_on"] or "")))
            console().print(table)

        cli.emit(rows, human)

    run(cli, work)


@app.command("show")
def show(ctx: typer.Context, number: str = typer.Argument(...)) -> None:
    """One order's certification: status, rounds, reasons, documents (hashes only)."""
    cli = get(ctx)

    def work() -> None:
        row = cli.api().get(path("certifications", number))

        def human() -> None:
            print(plain(f"certification of {row['order']}: {row['status']}, waiting for "
                        f"{row['pending_user'] or row['pending_role'] or 'nobody'} since {row['since'][:16]}"))
            print(plain(f"round {row['rounds']} of {row['allowed_rounds']}"
                        + (f"; reasons: {', '.join(row['reasons'])}" if row["reasons"] else "")
                        + (f"; note: {row['note']}" if row["note"] else "")))
            for d in row["documents"]:
                print(plain(f"  {d['kind']} v{d['version']} {d['content_type']} {d['size']:,} bytes "
                            f"sha256 {d['sha256'][:12]}…"))
            if row["service_starts_on"]:
                print(plain(f"service starts on {row['service_starts_on']}"))

        cli.emit(row, human)

    run(cli, work)


@app.command("start")
def start(ctx: typer.Context, number: str = typer.Argument(...)) -> None:
    """Start the certification of an order that took effect before certification existed (order group)."""
    _post(ctx, number, "start", {})


@app.command("upload")
def upload(ctx: typer.Context, number: str = typer.Argument(...),
           kind: str = typer.Option(..., "--kind", help="licence or identity"),
           file: Path = typer.Option(..., "--file", help="PDF, JPEG, PNG or TIFF.")) -> None:
    """Upload the licence scan or the applicant's identity document (the order's rep)."""
    cli = get(ctx)
    if not file.is_file():
        fail(cli, 2, f"document file {file} does not exist or is not a file", "invalid")

    def work() -> None:
        view = cli.api().upload(path("certifications", number, "documents", kind), file)
        cli.emit(view, lambda: print(plain(_said(view) + f"; {len(view['documents'])} document(s) on file")))

    run(cli, work)


@app.command("hand-in")
def hand_in(ctx: typer.Context, number: str = typer.Argument(...),
            position: str = typer.Option(..., help="The applicant's position, e.g. 总经理.")) -> None:
    """Hand in the documents for checking (the order's rep)."""
    _post(ctx, number, "hand-in", {"position": position})


@app.command("submit")
def submit(ctx: typer.Context, number: str = typer.Argument(...),
           name: str = typer.Option(..., help="The licensed name as the licence shows it."),
           address: str = typer.Option(..., help="The address as the documents show it."),
           phone: str = typer.Option(..., help="The fixed phone as the documents show it."),
           note: str = typer.Option(None)) -> None:
    """Checked against the customer record: submit to the agency (the partner's assistant)."""
    _post(ctx, number, "submit", {"name": name, "address": address, "phone": phone, "note": note})


@app.command("return")
def return_to_rep(ctx: typer.Context, number: str = typer.Argument(...), reason: list[str] = Reasons,
                  note: str = typer.Option(None, help="Needed with 'other'.")) -> None:
    """Return the documents to the rep with reasons (the partner's assistant)."""
    _post(ctx, number, "return", {"reasons": reason, "note": note})


@app.command("answer")
def answer(ctx: typer.Context, number: str = typer.Argument(...),
           passed: bool = typer.Option(..., "--pass/--fail", help="The agency's answer."),
           reason: list[str] = Reasons, note: str = typer.Option(None)) -> None:
    """Key in the certification agency's answer (认证机构)."""
    _post(ctx, number, "answer", {"passed": passed, "reasons": reason, "note": note})


@app.command("escalation")
def escalation(ctx: typer.Context, number: str = typer.Argument(...),
               decision: str = typer.Option(..., help="allow (one more round) or close (as failed)."),
               note: str = typer.Option(...)) -> None:
    """Decide a certification whose rounds are used up (the order's supervisor)."""
    _post(ctx, number, "escalation", {"decision": decision, "note": note})
