"""The ageing report, from the database read model (consistent, unlike the visibility store)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Order
from domain.ageing import OrderAge, Report, build_report
from domain.order import OrderStatus


def load_report(session: Session, as_of: datetime, partner: str | None = None,
                scope: set[str] | None = None) -> Report:
    stmt = select(Order.number, Order.partner_code, Order.rep, Order.status, Order.status_since, Order.due_at)
    if partner:
        stmt = stmt.where(Order.partner_code == partner)
    if scope is not None:
        stmt = stmt.where(Order.partner_code.in_(scope))
    rows = [OrderAge(n, p, r, OrderStatus(s), since, due) for n, p, r, s, since, due in session.execute(stmt)]
    return build_report(rows, as_of)


def report_json(report: Report) -> dict[str, object]:
    def age(o: OrderAge) -> dict[str, object]:
        return {"number": o.number, "partner": o.partner, "rep": o.rep, "status": o.status.value,
                "since": o.since.isoformat(), "due_at": o.due_at.isoformat() if o.due_at else None}

    return {
        "as_of": report.as_of.isoformat(),
        "counts": [{"status": s.value, "partner": p, "count": n} for (s, p), n in sorted(report.counts.items())],
        "ageing": {s.value: dict(c) for s, c in report.ageing.items()},
        "oldest": {s.value: [age(o) for o in orders] for s, orders in report.oldest.items()},
        "breaches": [age(o) for o in report.breaches],
    }
