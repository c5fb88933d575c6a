"""Human output for bank lines, the matching queue and slips, from the API's JSON."""

from __future__ import annotations

from typing import Any

from cli.console import console, plain, typed


def import_report(report: dict[str, Any]) -> None:
    """A statement file's text (payer names, notes, the file's name) enters rich only through `typed`."""
    from rich.table import Table

    out = console()
    out.print(f"{typed(report['file'])}: {typed(report['encoding'])}, delimiter {typed(repr(report['delimiter']))}; "
              f"{typed(report['imported'])} new line(s), {typed(report['already_imported'])} already imported, "
              f"{typed(report['repeated_in_file'])} repeated in the file")
    if report["errors"]:
        errors = Table("line", "not imported because", title=f"{len(report['errors'])} line(s) not imported")
        for e in report["errors"]:
            errors.add_row(typed(e["line"]), typed(e["reason"]))
        out.print(errors)
    if report["outcomes"]:
        outcomes = Table("bank ref", "result", "order / candidates", "note", title="matching")
        for o in report["outcomes"]:
            outcomes.add_row(*map(typed, (o["bank_ref"], o["status"], o["order"] or ", ".join(o["candidates"]),
                                          o["note"] or "")))
        out.print(outcomes)
    if report["stopped"]:
        out.print(f"[bold red]matching stopped[/bold red]: {typed(report['stopped'])}; run the import again to resume")


def queue_view(queue: dict[str, Any]) -> None:
    from rich.table import Table

    out = console()
    waiting = [line for line in queue["lines"] if line["status"] != "refund_due"]
    table = Table("bank ref", "value date", "amount", "payer", "status", "candidates (outstanding, slips)", "note",
                  title=f"{len(waiting)} bank line(s) waiting for a match")
    for line in waiting:
        candidates = "\n".join(typed(_candidate(c)) for c in line["candidates"])  # one candidate a line
        table.add_row(*map(typed, (line["bank_ref"], line["value_date"], line["amount"], line["payer_name"],
                                   line["status"])), candidates, typed(line["note"] or ""))
    out.print(table)
    if refunds := [line for line in queue["lines"] if line["status"] == "refund_due"]:
        due = Table("bank ref", "value date", "amount", "payer", "account", "why",
                    title=f"{len(refunds)} bank line(s) to be refunded (payments refunded REF --reference ...)")
        for line in refunds:
            due.add_row(*map(typed, (line["bank_ref"], line["value_date"], line["amount"], line["payer_name"],
                                     line["payer_account"], line["note"] or "")))
        out.print(due)
    if queue["credit_balances"]:
        balances = Table("order", "customer", "amount", "paid", "credit balance",
                         title="overpaid orders: settle each (payments settle NUMBER --as refunded|carried "
                               "--reason ...)")
        for b in queue["credit_balances"]:
            balances.add_row(*map(typed, (b["number"], b["customer"] or "", b["amount"], b["paid"],
                                          b["credit_balance"])))
        out.print(balances)


def _candidate(c: dict[str, Any]) -> str:
    slips = "; ".join(f"slip v{s['version']} claims {s['claimed_amount']} on {s['claimed_on']}" for s in c["slips"])
    return f"{c['number']} owes {c['outstanding']}" + (f" ({slips})" if slips else "")


def line_detail(detail: dict[str, Any]) -> None:
    from rich.table import Table

    queue_view({"lines": [detail["line"]], "credit_balances": []})
    print(f"matched to: {plain(detail['matched_to'] or 'nothing')}")
    history = Table("at", "what", "order", "by", "note", title="history")
    for h in detail["history"]:
        history.add_row(*map(typed, (_at(h["at"]), h["action"], h["order"] or "", h["actor"], h["note"] or "")))
    console().print(history)
    for c in detail["line"]["candidates"]:
        slip_links(c["slips"])


def _at(moment: str) -> str:
    """As `str(datetime)` printed it before the JSON carried it: '2026-11-26 03:00:00+00:00'."""
    from datetime import datetime

    try:
        return str(datetime.fromisoformat(moment))
    except ValueError:
        return moment


def slip_links(slips: list[dict[str, Any]]) -> None:
    for s in slips:
        print(plain(f"slip v{s['version']}: claims {s['claimed_amount']} paid on {s['claimed_on']} "
                    f"(by {s['uploaded_by']})") + (f"\n  {plain(s['url'])}" if s["url"] else ""))
