"""Invariants over the whole store, after any fault: the read model, S3 and the workflows agree, and nothing
is doubled, lost or half-written. Each check returns the violations it found; an empty list is a pass."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError

from db.engine import unit_of_work
from db.models import Credit, Customer, Order, OrderEvent, Payment, Scan, StatementLine, User, UserPartner
from domain.customers import name_key
from domain.people import Role
from domain.warehouse import order_in_flight


def _payments(session: Session) -> list[str]:
    """No order is paid twice by one line, paid totals add up, and an order takes effect at most once."""
    bad = []
    live = session.execute(select(Payment.order_number, Payment.amount, Payment.line_ref)
                           .where(Payment.reversed_at.is_(None))).all()
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for number, amount, _ in live:
        totals[number] += amount
    lines = Counter(ref for _, _, ref in live if ref is not None)
    bad += [f"bank line {ref} pays {n} times" for ref, n in lines.items() if n > 1]
    for order in session.scalars(select(Order)):
        if order.paid_total != totals.get(order.number, Decimal("0.00")):
            bad.append(f"order {order.number}: paid_total {order.paid_total} but payments add up to "
                       f"{totals.get(order.number, Decimal('0.00'))}")
    effective = session.execute(select(OrderEvent.order_number, func.count())
                                .where(OrderEvent.target == "EFFECTIVE", OrderEvent.source != "EFFECTIVE")
                                .group_by(OrderEvent.order_number)).all()
    bad += [f"order {n} took effect {c} times" for n, c in effective if c > 1]
    credited = Counter(session.scalars(select(Credit.order_number)))
    bad += [f"order {n} credited {c} times" for n, c in credited.items() if c > 1]
    for order in session.scalars(select(Order).where(Order.status == "EFFECTIVE", Order.customer_id.is_not(None))):
        if order.number not in credited:
            bad.append(f"order {order.number} is effective without its credit")
    matched = session.execute(select(StatementLine.bank_ref, StatementLine.order_number)
                              .where(StatementLine.status == "matched")).all()
    paid_by = {(n, ref) for n, _, ref in live if ref}
    bad += [f"bank line {ref} is matched to {n} without a live payment" for ref, n in matched
            if (n, ref) not in paid_by]
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
    """The read model's status is the workflow's own: a closed order's from the result it returned, which the
    server answers from history, a running one's from a query. Querying a closed workflow would make the worker
    replay its whole history, and a thousand of those at once outlast the server's query deadline."""
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
        return None

    rows = session.execute(select(Order.number, Order.status)).all()
    found = await asyncio.gather(*(one(number, status) for number, status in rows))
    return [f for f in found if f is not None]


async def check(sessions: sessionmaker[Session], *, s3: Any = None, bucket: str = "", client: Client | None = None,
                caps: dict[str, int] | None = None) -> list[str]:
    """Every invariant; pass what the test has (S3, the Temporal client) to check those too."""
    with unit_of_work(sessions) as session:
        bad = _payments(session) + _customers(session, caps or {"sales": 400}) + _events(session)
        if s3 is not None:
            bad += _scans(session, s3, bucket)
        if client is not None:
            bad += await _workflows(session, client)
    return bad
