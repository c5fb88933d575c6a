"""Human output for orders, with rich, from the API's JSON (an OrderView as `model_dump(mode="json")`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from cli.console import console, typed
from domain.fields import BUSINESS_TZ
from domain.order import WAITING_FOR, OrderStatus
from domain.people import ROLE_LABELS, Role
from domain.rejections import LABELS, Reason


def order_view(view: dict[str, Any]) -> None:
    """Every value from the view enters rich through `typed`: a customer name is text, never markup."""
    from rich.table import Table

    out = console()
    f = view["fields"]
    out.print(f"[bold]Order {typed(view['number'])}[/bold]  partner {typed(view['partner'])}  "
              f"rep {typed(view['rep'])}")
    since = f"status [bold]{typed(view['status'])}[/bold] since {_local(view['since'])}"
    if view["pending_role"] is not None:
        who = view["pending_user"] or ROLE_LABELS[Role(view["pending_role"])]
        since += f"; waiting for {WAITING_FOR[OrderStatus(view['status'])]} ({typed(who)})"
    out.print(since)
    if f["customer_name"]:
        out.print(f"customer {typed(f['customer_name'])} (#{typed(f['customer_id'])}); {typed(f['kind'] or '')} "
                  f"{typed(f['product'])}; amount {typed(f['amount'])}; signed on {typed(f['signed_on'])}")
    if _nonzero(f["paid_total"]):
        out.print(f"paid {typed(f['paid_total'])}"
                  + (f"; effective on {typed(f['effective_on'])}" if f["effective_on"] else ""))
        # Numbered as `payments reverse` names them.
        for n, p in enumerate(f["payments"], start=1):
            source = f"bank line {typed(p['ref'])}" if p["ref"] else "recorded by hand"
            out.print(f"  payment {n}: {typed(p['amount'])} on {typed(p['paid_on'])}, {source}")
    if view.get("service_starts_on"):  # 认证: effective and certified
        out.print(f"certified; the service starts on {typed(view['service_starts_on'])}")
    if _nonzero(f["credit_balance"]) and view.get("credit_settled"):
        out.print(f"overpaid: credit balance {typed(f['credit_balance'])} settled, {typed(view['credit_settled'])}")
    elif _nonzero(f["credit_balance"]):
        out.print(f"[bold red]overpaid[/bold red]: credit balance {typed(f['credit_balance'])} for finance to settle")
    if f["location"]:
        out.print(f"original filed at {typed(f['location'])}")
    if f["due_at"] and view["pending_role"] is not None:
        out.print(f"due {_local(f['due_at'])}")
    if rejection := f["rejection"]:
        reasons = ", ".join(LABELS[Reason(r)] for r in rejection["reasons"])
        out.print(f"rejected {typed(f['rounds'])} time(s); last by {typed(rejection['by'])} at "
                  f"{typed(rejection['stage'])}: {typed(reasons)} — {typed(rejection['note'])}")
    if f["predecessor"]:
        out.print(f"reissue of order {typed(f['predecessor'])}")
    if f["successor"]:
        out.print(f"reissued as order {typed(f['successor'])}")
    timeline = Table("#", "when (Beijing)", "step", "by", "from", "to", "note", title="timeline")
    for e in view["timeline"]:
        timeline.add_row(*map(typed, (e["seq"], _local(e["at"]), e["action"], e["actor"], e["source"] or "",
                                      e["target"], e["note"] or "")))
    out.print(timeline)
    if view["scans"]:
        scans = Table("version", "key", "type", "bytes", "by", title="scans")
        for s in view["scans"]:
            scans.add_row(*map(typed, (s["version"], s["key"], s["content_type"], f"{s['size']:,}",
                                       s["uploaded_by"])))
        out.print(scans)
    if view.get("slips"):
        slips = Table("version", "key", "claims", "paid on", "by", title="remittance slips (底单)")
        for s in view["slips"]:
            slips.add_row(*map(typed, (s["version"], s["key"], s["claimed_amount"], s["claimed_on"],
                                       s["uploaded_by"])))
        out.print(slips)


def _nonzero(amount: str | None) -> bool:
    """Money comes as a decimal string: "0.00" is no money, though a non-empty string."""
    return amount is not None and Decimal(amount) != 0


def notification_rows(rows: list[dict[str, Any]], title: str) -> None:
    from rich.table import Table

    table = Table("when (Beijing)", "order", "kind", "text", title=typed(title))
    for r in rows:
        table.add_row(*map(typed, (_local(r["at"]), r["order"], r["kind"], r["text"])))
    console().print(table)


def _local(moment: datetime | str) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return f"{moment.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M}"


def order_rows(rows: list[dict[str, Any]], title: str) -> None:
    from rich.table import Table

    table = Table("number", "partner", "rep", "status", "waiting for", "customer", "amount", "updated (Beijing)",
                  title=typed(title))
    for r in rows:
        table.add_row(*map(typed, (r["number"], r["partner"], r["rep"], r["status"], r["pending"] or "",
                                   r["customer"] or "", r["amount"] or "", _local(r["updated_at"]))))
    console().print(table)
