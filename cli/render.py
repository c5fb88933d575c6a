"""Human output for orders, with rich, from the API's JSON (an OrderView as `model_dump(mode="json")`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.fields import BUSINESS_TZ
from domain.order import WAITING_FOR, OrderStatus
from domain.people import ROLE_LABELS, Role
from domain.rejections import LABELS, Reason


def order_view(view: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    f = view["fields"]
    console.print(f"[bold]Order {view['number']}[/bold]  partner {view['partner']}  rep {view['rep']}")
    since = f"status [bold]{view['status']}[/bold] since {_local(view['since'])}"
    if view["pending_role"] is not None:
        who = view["pending_user"] or ROLE_LABELS[Role(view["pending_role"])]
        since += f"; waiting for {WAITING_FOR[OrderStatus(view['status'])]} ({who})"
    console.print(since)
    if f["customer_name"]:
        console.print(f"customer {f['customer_name']} (#{f['customer_id']}); {f['kind'] or ''} "
                      f"{f['product']}; amount {f['amount']}; signed on {f['signed_on']}")
    if _nonzero(f["paid_total"]):
        console.print(f"paid {f['paid_total']}" + (f"; effective on {f['effective_on']}" if f["effective_on"] else ""))
    if _nonzero(f["credit_balance"]):
        console.print(f"[bold red]overpaid[/bold red]: credit balance {f['credit_balance']} for finance to settle")
    if f["location"]:
        console.print(f"original filed at {f['location']}")
    if f["due_at"] and view["pending_role"] is not None:
        console.print(f"due {_local(f['due_at'])}")
    if rejection := f["rejection"]:
        reasons = ", ".join(LABELS[Reason(r)] for r in rejection["reasons"])
        console.print(f"rejected {f['rounds']} time(s); last by {rejection['by']} at {rejection['stage']}: "
                      f"{reasons} — {rejection['note']}")
    if f["predecessor"]:
        console.print(f"reissue of order {f['predecessor']}")
    if f["successor"]:
        console.print(f"reissued as order {f['successor']}")
    timeline = Table("#", "when (Beijing)", "step", "by", "from", "to", "note", title="timeline")
    for e in view["timeline"]:
        timeline.add_row(str(e["seq"]), _local(e["at"]), e["action"], e["actor"], e["source"] or "", e["target"],
                         e["note"] or "")
    console.print(timeline)
    if view["scans"]:
        scans = Table("version", "key", "type", "bytes", "by", title="scans")
        for s in view["scans"]:
            scans.add_row(str(s["version"]), s["key"], s["content_type"], f"{s['size']:,}", s["uploaded_by"])
        console.print(scans)
    if view.get("slips"):
        slips = Table("version", "key", "claims", "paid on", "by", title="remittance slips (底单)")
        for s in view["slips"]:
            slips.add_row(str(s["version"]), s["key"], str(s["claimed_amount"]), str(s["claimed_on"]),
                          s["uploaded_by"])
        console.print(slips)


def _nonzero(amount: str | None) -> bool:
    """Money comes as a decimal string: "0.00" is no money, though a non-empty string."""
    return amount is not None and Decimal(amount) != 0


def notification_rows(rows: list[dict[str, Any]], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("when (Beijing)", "order", "kind", "text", title=title)
    for r in rows:
        table.add_row(_local(r["at"]), r["order"], r["kind"], r["text"])
    Console().print(table)


def _local(moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return f"{moment.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M}"


def order_rows(rows: list[dict[str, Any]], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("number", "partner", "rep", "status", "waiting for", "customer", "amount", "updated (Beijing)",
                  title=title)
    for r in rows:
        table.add_row(r["number"], r["partner"], r["rep"], r["status"], r["pending"] or "",
                      r["customer"] or "", r["amount"] or "", _local(r["updated_at"]))
    Console().print(table)
