"""Customers and warehouses."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.models import Customer, User, UserPartner
from domain.customers import name_key
from domain.errors import Refused
from domain.order import CustomerHolding


def holder_label(session: Session, owner: str | None) -> str:
    if owner is None:
        return "the public pool"
    user = session.get(User, owner)
    partners = sorted(session.scalars(select(UserPartner.partner_code).where(UserPartner.username == owner)))
    name = user.name if user else owner
    return f"{owner} ({name}{', partner ' + '/'.join(partners) if partners else ''})"


def customer_ref(session: Session, customer: Customer) -> CustomerHolding:
    return CustomerHolding(customer.id, customer.name, customer.owner, holder_label(session, customer.owner))


def add_customer(
    session: Session, *, name: str, phone: str, fax: str, address: str, region: str,
    owner: str, partner: str | None, at: datetime,
) -> Customer:
    key = name_key(name)
    existing = session.scalar(select(Customer).where(Customer.name_key == key))
    if existing is not None:
        raise _duplicate(session, existing, owner)
    customer = Customer(name=name, name_key=key, phone=phone, fax=fax, address=address, region=region,
                        owner=owner, partner_code=partner, created_by=owner, created_at=at)
    session.add(customer)
    try:
        session.flush()
    except IntegrityError:
        # Another entry of the same company won the race; the database's unique key decided.
        session.rollback()
        raced = session.scalar(select(Customer).where(Customer.name_key == key))
        if raced is None:
            raise
        raise _duplicate(session, raced, owner) from None
    return customer


def _duplicate(session: Session, existing: Customer, owner: str) -> Refused:
    if existing.owner == owner:
        return Refused(f"customer '{existing.name}' is already yours (customer {existing.id})")
    return Refused(
        f"customer '{existing.name}' already exists (customer {existing.id}), held by "
        f"{holder_label(session, existing.owner)}; ask the holder for a hand-over"
    )


def list_customers(session: Session, owner: str | None = None) -> list[Customer]:
    stmt = select(Customer).order_by(Customer.id)
    if owner is not None:
        stmt = stmt.where(Customer.owner == owner)
    return list(session.scalars(stmt))
