"""Human output for orders, with rich."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from domain.fields import BUSINESS_TZ
from domain.order import WAITING_FOR
from domain.people import ROLE_LABELS
from domain.rejections import LABELS
from orderflow.contracts import OrderView


def order_view(view: OrderView) -> None:
    console = Console()
    f = view.fields
    console.print(f"[bold]Order {view.number}[/bold]  partner {view.partner}  rep {view.rep}")
    since = f"status [bold]{view.status.value}[/bold] since {_local(view.since)}"
    if view.pending_role is not None:
        who = view.pending_user or ROLE_LABELS[view.pending_role]
        since += f"; waiting for {WAITING_FOR[view.status]} ({who})"
    console.print(since)
    if f.customer_name:
        console.print(f"customer {f.customer_name} (#{f.customer_id}); {f.kind.value if f.kind else ''} "
                      f"{f.product}; amount {f.amount}; signed on {f.signed_on}")
    if f.paid_total:
        console.print(f"paid {f.paid_total}" + (f"; effective on {f.effective_on}" if f.effective_on else ""))
    if f.credit_balance:
        console.print(f"[bold red]overpaid[/bold red]: credit balance {f.credit_balance} for finance to settle")
    if f.location:
        console.print(f"original filed at {f.location}")
    if f.due_at and view.pending_role is not None:
        console.print(f"due {_local(f.due_at)}")
    if f.rejection:
        reasons = ", ".join(LABELS[r] for r in f.rejection.reasons)
        console.print(f"rejected {f.rounds} time(s); last by {f.rejection.by} at {f.rejection.stage.value}: "
                      f"{reasons} — {f.rejection.note}")
    if f.predecessor:
        console.print(f"reissue of order {f.predecessor}")
    if f.successor:
        console.print(f"reissued as order {f.successor}")
    timeline = Table("#", "when (Beijing)", "step", "by", "from", "to", "note", title="timeline")
    for e in view.timeline:
        timeline.add_row(str(e.seq), _local(e.at), e.action.value, e.actor,
                         e.source.value if e.source else "", e.target.value, e.note or "")
    console.print(timeline)
    if view.scans:
        scans = Table("version", "key", "type", "bytes", "by", title="scans")
        for s in view.scans:
            scans.add_row(str(s.version), s.key, s.content_type, f"{s.size:,}", s.uploaded_by)
        console.print(scans)
    if view.slips:
        slips = Table("version", "key", "claims", "paid on", "by", title="remittance slips (底单)")
        for s in view.slips:
            slips.add_row(str(s.version), s.key, str(s.claimed_amount), str(s.claimed_on), s.uploaded_by)
        console.print(slips)


def notification_rows(rows: list[dict[str, Any]], title: str) -> None:
    table = Table("when (Beijing)", "order", "kind", "text", title=title)
    for r in rows:
        table.add_row(_local(datetime.fromisoformat(r["at"])), r["order"], r["kind"], r["text"])
    Console().print(table)


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M}"


def order_rows(rows: list[dict[str, Any]], title: str) -> None:
    table = Table("number", "partner", "rep", "status", "waiting for", "customer", "amount", "updated (Beijing)",
                  title=title)
    for r in rows:
        table.add_row(r["number"], r["partner"], r["rep"], r["status"], r["pending"] or "",
                      r["customer"] or "", r["amount"] or "", _local(datetime.fromisoformat(r["updated_at"])))
    Console().print(table)
