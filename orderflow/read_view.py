"""An order as the read model has it, in the workflow's own view shape.

`record_step` writes every step before the workflow's state moves, so this is never behind what the workflow
has answered; `order show` reads it without loading a Temporal client or costing the worker a query, and still
answers while Temporal is down. A test holds it equal to the workflow's `view` query."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Order, OrderEvent, Payment, Scan, Slip
from domain.errors import no_order
from domain.numbers import parse_number
from orderflow.contracts import (
    OrderFields,
    OrderView,
    PaidLine,
    Rejection,
    ScanVersion,
    SlipVersion,
    TimelineEntry,
)

_FIELDS = [name for name in OrderFields.model_fields if name not in ("payments", "rejection")]


def order_view(session: Session, number_text: str) -> OrderView:
    number = str(parse_number(number_text))
    row = session.get(Order, number)
    if row is None:
        raise no_order(number)
    paid = session.scalars(select(Payment).where(Payment.order_number == number, Payment.reversed_at.is_(None))
                           .order_by(Payment.seq))
    fields = OrderFields(
        **{name: getattr(row, name) for name in _FIELDS},
        payments=[PaidLine(ref=p.line_ref, amount=p.amount, paid_on=p.paid_on) for p in paid],
        rejection=Rejection.model_validate(row.rejection) if row.rejection else None,
    )
    events = session.scalars(select(OrderEvent).where(OrderEvent.order_number == number).order_by(OrderEvent.seq))
    scans = session.scalars(select(Scan).where(Scan.order_number == number).order_by(Scan.version))
    slips = session.scalars(select(Slip).where(Slip.order_number == number).order_by(Slip.version))
    return OrderView(
        number=number, partner=row.partner_code, rep=row.rep, status=row.status, pending_role=row.pending_role,
        pending_user=row.pending_user, since=row.status_since, fields=fields, supervisor=row.supervisor,
        timeline=[TimelineEntry(seq=e.seq, at=e.at, action=e.action, actor=e.actor, source=e.source, target=e.target,
                                note=e.note) for e in events],
        scans=[ScanVersion(version=s.version, key=s.key, size=s.size, sha256=s.sha256, content_type=s.content_type,
                           uploaded_by=s.uploaded_by) for s in scans],
        slips=[SlipVersion(version=s.version, key=s.key, size=s.size, sha256=s.sha256, content_type=s.content_type,
                           uploaded_by=s.uploaded_by, claimed_amount=s.claimed_amount, claimed_on=s.claimed_on)
               for s in slips],
        credit_settled=(f"{row.credit_settled_as} by {row.credit_settled_by} on {row.credit_settled_at:%Y-%m-%d}: "
                        f"{row.credit_settled_note}") if row.credit_settled_as else None,
    )
