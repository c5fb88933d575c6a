"""Human output for bank lines, the matching queue and slips, from the API's JSON."""

from __future__ import annotations

from typing import Any


def import_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"{report['file']}: {report['encoding']}, delimiter {report['delimiter']!r}; "
                  f"{report['imported']} new line(s), {report['already_imported']} already imported, "
                  f"{report['repeated_in_file']} repeated in the file")
    if report["errors"]:
        errors = Table("line", "not imported because", title=f"{len(report['errors'])} line(s) not imported")
        for e in report["errors"]:
            errors.add_row(str(e["line"]), e["reason"])
        console.print(errors)
    if report["outcomes"]:
        outcomes = Table("bank ref", "result", "order / candidates", "note", title="matching")
        for o in report["outcomes"]:
            outcomes.add_row(o["bank_ref"], o["status"], o["order"] or ", ".join(o["candidates"]), o["note"] or "")
        console.print(outcomes)
    if report["stopped"]:
        console.print(f"[bold red]matching stopped[/bold red]: {report['stopped']}; run the import again to resume")


def queue_view(queue: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table("bank ref", "value date", "amount", "payer", "status", "candidates (outstanding, slips)", "note",
                  title=f"{len(queue['lines'])} bank line(s) waiting for a match")
    for line in queue["lines"]:
        table.add_row(line["bank_ref"], line["value_date"], line["amount"], line["payer_name"], line["status"],
                      "\n".join(_candidate(c) for c in line["candidates"]), line["note"] or "")
    console.print(table)
    if queue["credit_balances"]:
        balances = Table("order", "customer", "amount", "paid", "credit balance", title="overpaid orders (flagged)")
        for b in queue["credit_balances"]:
            balances.add_row(b["number"], b["customer"] or "", str(b["amount"]), b["paid"], b["credit_balance"])
        console.print(balances)


def _candidate(c: dict[str, Any]) -> str:
    slips = "; ".join(f"slip v{s['version']} claims {s['claimed_amount']} on {s['claimed_on']}" for s in c["slips"])
    return f"{c['number']} owes {c['outstanding']}" + (f" ({slips})" if slips else "")


def line_detail(detail: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    queue_view({"lines": [detail["line"]], "credit_balances": []})
    print(f"matched to: {detail['matched_to'] or 'nothing'}")
    history = Table("at", "what", "order", "by", "note", title="history")
    for h in detail["history"]:
        history.add_row(_at(h["at"]), h["action"], h["order"] or "", h["actor"], h["note"] or "")
    Console().print(history)
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
        print(f"slip v{s['version']}: claims {s['claimed_amount']} paid on {s['claimed_on']} (by {s['uploaded_by']})"
              + (f"\n  {s['url']}" if s["url"] else ""))
