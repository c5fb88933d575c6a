"""Invariants over the whole store, after any fault: the read model, S3 and the workflows agree, and nothing
is doubled, lost or half-written. Each check returns the violations it found; an empty list is a pass."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from db.engine import unit_of_work
from db.models import Credit, Customer, LineEvent, Order, OrderEvent, Payment, Scan, StatementLine, User, UserPartner
from domain.names import name_key
from domain.payments import LineStatus
from domain.people import Role
from domain.warehouse import order_in_flight


def _payments(session: Session) -> list[str]:
    """An order takes effect at most once and is credited once, when it does."""
    bad = []
    effective = session.execute(select(OrderEvent.order_number, func.count())
                                .where(OrderEvent.target == "EFFECTIVE", OrderEvent.source != "EFFECTIVE")
                                .group_by(OrderEvent.order_number)).all()
    bad += [f"order {n} took effect {c} times" for n, c in effective if c > 1]
    credited = Counter(session.scalars(select(Credit.order_number)))
    bad += [f"order {n} credited {c} times" for n, c in credited.items() if c > 1]
    for order in session.scalars(select(Order).where(Order.status == "EFFECTIVE", Order.customer_id.is_not(None))):
        if order.number not in credited:
            bad.append(f"order {order.number} is effective without its credit")
    return bad


def _money(session: Session) -> list[str]:
    """Money that arrived is counted on one order or queued for finance with a reason: never in both, in neither,
    or twice (the deck's second complaint: the customer paid, so why no commission?). Over the rows themselves:
    - every bank line is matched or queued. A matched line names an order that exists, and that order has exactly
      one live (not reversed) payment carrying the line's reference, for the line's amount and value date,
      whatever the order's state. A queued line (unmatched, or ambiguous) names no order and no live payment
      carries it; its reason is on record: an ambiguous line lists its two or more candidates, and its last
      audited event is not a match (a match taken back is an audited unmatch with a reason); a line finance
      refunds (to be refunded, refunded) names no order, and its trail's last word is that decision, with a reason;
    - every live payment that carries a reference carries a line matched to its own order, once;
    - an order's paid total is the sum of its live payments, so money kept on an order that cannot take effect yet
      (signed but not approved, EXPIRED, LOST) is visible there, not lost;
    - money counts as soon as it can: an order waiting for payment still owes some, an effective one is paid in
      full with the excess as its credit balance, and no live money sits on a VOID or REISSUED order (money must
      leave an order before it is voided or replaced)."""
    bad = []
    live = session.execute(select(Payment.order_number, Payment.amount, Payment.paid_on, Payment.line_ref)
                           .where(Payment.reversed_at.is_(None))).all()
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for number, amount, _, _ in live:
        totals[number] += amount
    carried: dict[str, list[tuple[str, Decimal, date]]] = defaultdict(list)
    for number, amount, paid_on, ref in live:
        if ref is not None:
            carried[ref].append((number, amount, paid_on))
    bad += [f"bank line {ref} pays {len(on)} times" for ref, on in carried.items() if len(on) > 1]
    orders = {o.number: o for o in session.scalars(select(Order))}
    last = dict(session.execute(select(StatementLine.bank_ref, LineEvent.action)
                                .join(LineEvent, LineEvent.line_id == StatementLine.id)
                                .order_by(LineEvent.id)).all())  # each line's last audited action wins
    lines = {line.bank_ref: line for line in session.scalars(select(StatementLine))}
    for ref, line in lines.items():
        on = carried.get(ref, [])
        if line.status == LineStatus.MATCHED.value:
            if line.order_number not in orders:
                bad.append(f"bank line {ref} is matched to order {line.order_number}, which does not exist")
            elif not any(n == line.order_number for n, _, _ in on):
                bad.append(f"bank line {ref} is matched to {line.order_number} without a live payment")
            bad += [f"order {n} counts bank line {ref} as {a} on {d}; the line is {line.amount} on "
                    f"{line.value_date}" for n, a, d in on if (a, d) != (line.amount, line.value_date)]
        elif line.status in (LineStatus.UNMATCHED.value, LineStatus.AMBIGUOUS.value):
            if line.order_number is not None:
                bad.append(f"queued bank line {ref} ({line.status}) still names order {line.order_number}")
            if line.status == LineStatus.AMBIGUOUS.value and len(line.candidates) < 2:
                bad.append(f"bank line {ref} is ambiguous with candidates {line.candidates}")
            if last.get(ref) == "matched":
                bad.append(f"queued bank line {ref} was last matched; no unmatch says why it is back")
        elif line.status in (LineStatus.REFUND_DUE.value, LineStatus.REFUNDED.value):
            # Finance's decision to send it back, with the reason on the trail (refund_due, then refunded).
            if line.order_number is not None:
                bad.append(f"bank line {ref} ({line.status}) still names order {line.order_number}")
            if last.get(ref) != line.status:
                bad.append(f"bank line {ref} is {line.status} but its trail last says {last.get(ref)!r}")
        else:
            bad.append(f"bank line {ref} has status {line.status!r}, neither matched, queued nor refunded")
        bad += [f"order {n} counts bank line {ref}, which is {line.status}"
                + (f" to {line.order_number}" if line.order_number else "")
                for n, _, _ in on if line.status != LineStatus.MATCHED.value or line.order_number != n]
    bad += [f"order {on[0][0]} counts bank line {ref}, which was never imported" for ref, on in carried.items()
            if ref not in lines]
    for number, order in orders.items():
        paid, due = totals.get(number, Decimal("0.00")), order.amount
        if order.paid_total != paid:
            bad.append(f"order {number}: paid_total {order.paid_total} but payments add up to {paid}")
        if order.status == "AWAITING_PAYMENT" and due is not None and paid >= due:
            bad.append(f"order {number} waits for payment but {paid} of {due} is paid: the money does not count")
        if order.status == "EFFECTIVE" and due is not None and (paid < due or order.credit_balance != paid - due):
            bad.append(f"order {number} is effective with {paid} paid of {due}, credit balance "
                       f"{order.credit_balance}")
        if order.status in ("VOID", "REISSUED") and paid:
            bad.append(f"order {number} is {order.status} with {paid} kept on it: money counted nowhere")
    return bad


def _customers(session: Session, caps: dict[str, int]) -> list[str]:
    """No company is held twice (one name key, one customer), and no warehouse is above its cap."""
    bad = []
    keys = Counter(name_key(name) for name in session.scalars(select(Customer.name)))
    bad += [f"customer name key '{k}' is held by {n} customers" for k, n in keys.items() if n > 1]
    roles = {name: role for name, role in session.execute(select(User.username, User.role))}
    held = session.execute(select(Customer.owner, func.count()).where(Customer.owner.is_not(None))
                           .group_by(Customer.owner)).all()
    for owner, count in held:
        cap = caps.get(roles.get(owner, ""))
        if cap is not None and count > cap:
            bad.append(f"{owner} holds {count} customers; the cap is {cap}")
    return bad + _served(session)


def _served(session: Session) -> list[str]:
    """A customer with an order in flight is in its rep's warehouse or its partner's own (the deck's first
    complaint: a customer being served is never taken from them)."""
    partner_accounts: dict[str, set[str]] = defaultdict(set)
    for username, code in session.execute(select(UserPartner.username, UserPartner.partner_code)
                                          .join(User, User.username == UserPartner.username)
                                          .where(User.role == Role.PARTNER.value)):
        partner_accounts[code].add(username)
    rows = session.execute(select(Order.number, Order.status, Order.rep, Order.partner_code, Customer.id,
                                  Customer.owner).join(Customer, Customer.id == Order.customer_id)).all()
    return [f"customer {cid} has order {number} in flight ({status}) but is held by {owner or 'the public pool'}, "
            f"not by {rep} or partner {partner}'s own warehouse"
            for number, status, rep, partner, cid, owner in rows
            if order_in_flight(status) and owner != rep and owner not in partner_accounts[partner]]


def _events(session: Session) -> list[str]:
    """Each order's events are 1..n with no gap and no repeat, and the order row points at the last one."""
    bad = []
    seqs: dict[str, list[int]] = defaultdict(list)
    for number, seq in session.execute(select(OrderEvent.order_number, OrderEvent.seq)):
        seqs[number].append(seq)
    for order in session.scalars(select(Order)):
        got = sorted(seqs.get(order.number, []))
        if got != list(range(1, len(got) + 1)) or order.last_seq != len(got):
            bad.append(f"order {order.number}: events {got[:20]}, last_seq {order.last_seq}")
    return bad


def _scans(session: Session, s3: Any, bucket: str) -> list[str]:
    """Every scan row has its object in S3, versions are 1..n, and no staged upload was left behind."""
    bad = []
    stored = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        stored |= {o["Key"] for o in page.get("Contents", [])}
    versions: dict[str, list[int]] = defaultdict(list)
    for scan in session.scalars(select(Scan)):
        versions[scan.order_number].append(scan.version)
        if scan.key not in stored:
            bad.append(f"scan {scan.key} is recorded but not in S3")
    bad += [f"order {n}: scan versions {sorted(v)}" for n, v in versions.items()
            if sorted(v) != list(range(1, len(v) + 1))]
    recorded = set(session.scalars(select(Scan.key)))
    bad += [f"S3 has {key} with no scan row" for key in stored if key.startswith("orders/") and "/scan-v" in key
            and key not in recorded]
    bad += [f"staged upload {key} left behind" for key in stored if key.startswith("staging/")]
    return bad


async def _workflows(session: Session, client: Client) -> list[str]:
    """The read model's status and payments are the workflow's own: a closed order's from the result it returned,
    which the server answers from history, a running one's from a query. Querying a closed workflow would make the
    worker replay its whole history, and a thousand of those at once outlast the server's query deadline."""
    from workflows.order import OrderWorkflow

    gate = asyncio.Semaphore(20)

    async def one(number: str, status: str) -> str | None:
        handle = client.get_workflow_handle_for(OrderWorkflow.run, f"order-{number}")
        async with gate:
            try:
                state = (await handle.describe()).status
                if state == WorkflowExecutionStatus.RUNNING:
                    view = await handle.query(OrderWorkflow.view)
                elif state == WorkflowExecutionStatus.COMPLETED:
                    view = await handle.result()
                else:
                    return f"order {number}: workflow ended {state.name if state else 'unknown'}"
            except RPCError as err:
                return f"order {number}: workflow not answering ({err.message})"
        if view.status.value != status:
            return f"order {number}: database says {status}, workflow says {view.status.value}"
        counted = sorted((p.amount, p.ref or "") for p in view.fields.payments)
        if counted != kept.get(number, []):
            return f"order {number}: database has payments {kept.get(number, [])}, workflow counts {counted}"
        return None

    kept: dict[str, list[tuple[Decimal, str]]] = defaultdict(list)
    for number, amount, ref in session.execute(select(Payment.order_number, Payment.amount, Payment.line_ref)
                                               .where(Payment.reversed_at.is_(None))):
        kept[number].append((amount, ref or ""))
    kept = {number: sorted(paid) for number, paid in kept.items()}
    rows = session.execute(select(Order.number, Order.status)).all()
    found = await asyncio.gather(*(one(number, status) for number, status in rows))
    return [f for f in found if f is not None]



def _deliveries(session: Session) -> list[str]:
    """Every notification is delivered at most once per channel and person: each delivery row belongs to a stored
    notification, no (key, channel, person) has two sent rows, and a sent row says when."""
    from db.delivery_models import Delivery
    from db.models import Notification

    bad = []
    # The rows first, the keys after: a notification and its rows commit together, so a key read later covers
    # every row read before, even while workflows still running (a certification's notices) add more.
    rows = session.execute(select(Delivery.id, Delivery.notification_key, Delivery.channel, Delivery.person,
                                  Delivery.status, Delivery.sent_at)).all()
    keys = set(session.scalars(select(Notification.key)))
    bad += [f"delivery {i} belongs to no notification ({k})" for i, k, *_ in rows if k not in keys]
    sent = Counter((k, c, p) for _, k, c, p, status, _ in rows if status == "sent")
    bad += [f"notification {k} sent {n} times by {c} to {p}" for (k, c, p), n in sent.items() if n > 1]
    bad += [f"delivery {i} is sent without sent_at"
            for i, _, _, _, status, at in rows if status == "sent" and at is None]
    return bad

def _digests(session: Session) -> list[str]:
    """The daily digest reaches a person at most once a business day, under the key of that day and person."""
    from db.models import Notification

    rows = session.execute(select(Notification.key, Notification.recipient, Notification.order_number)
                           .where(Notification.kind == "digest")).all()
    bad = [f"digest {k} is not keyed by its day and person" for k, who, ref in rows
           if not ref.startswith("digest:") or k != f"{ref}:{who}"]
    twice = Counter((who, ref) for _, who, ref in rows)
    return bad + [f"{who} got {n} digests for {ref}" for (who, ref), n in twice.items() if n > 1]


def _certifications(session: Session) -> list[str]:
    """认证: a service start only for an effective order whose certification passed or was not needed; then always
    one, on the later of the day it took effect and the day it was certified (Beijing days, as written)."""
    from db.certification_repo import service_starts

    bad = []
    for n, status, effective_on, d, cert, certified_on in service_starts(session):
        if d is not None and (status != "EFFECTIVE" or cert not in ("PASSED", "NOT_NEEDED")):
            bad.append(f"order {n} has a service start ({d}) but is {status} with certification {cert}")
        elif cert in ("PASSED", "NOT_NEEDED") and d is None:
            bad.append(f"order {n}'s certification is {cert} but it has no service start")
        elif cert == "PASSED" and (certified_on is None or d != max(effective_on, certified_on)):
            bad.append(f"order {n} starts on {d}, not the later of {effective_on} and {certified_on}")
        elif cert == "NOT_NEEDED" and d != effective_on:
            bad.append(f"order {n} needs no certification but starts on {d}, not {effective_on}")
    return bad


async def check(sessions: sessionmaker[Session], *, s3: Any = None, bucket: str = "", client: Client | None = None,
                caps: dict[str, int] | None = None) -> list[str]:
    """Every invariant; pass what the test has (S3, the Temporal client) to check those too."""
    with unit_of_work(sessions) as session:
        bad = (_payments(session) + _money(session) + _customers(session, caps or {"sales": 400})
               + _events(session))
        bad += _deliveries(session)
        bad += _digests(session)
        bad += _certifications(session)
        from tests.follow_up_invariants import follow_up_violations

        bad += follow_up_violations(session)
        if s3 is not None:
            bad += _scans(session, s3, bucket)
        if client is not None:
            bad += await _workflows(session, client)
    return bad
