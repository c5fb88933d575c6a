"""Queries and writes of certifications (认证) and the agency's callbacks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.certification_models import AgencyCallback, Certification, CertificationDocument
from db.models import Order, User, UserPartner
from domain.certification import CertStatus
from domain.people import Role
from domain.permissions import Scope


def last_passed_key(session: Session, customer_id: int, other_than: str) -> str | None:
    """The customer's licensed-name key at its latest passed certification, if any."""
    return session.scalar(select(Certification.name_key)
                          .where(Certification.customer_id == customer_id,
                                 Certification.status == CertStatus.PASSED.value,
                                 Certification.order_number != other_than)
                          .order_by(Certification.updated_at.desc()).limit(1))


def effective_without_certification(session: Session, since: datetime, limit: int) -> list[str]:
    query = (select(Order.number).outerjoin(Certification, Certification.order_number == Order.number)
             .where(Order.status == "EFFECTIVE", Order.status_since >= since, Certification.order_number.is_(None))
             .order_by(Order.status_since).limit(limit))
    return list(session.scalars(query))


def assistants_of(session: Session, partner: str) -> list[str]:
    return sorted(session.scalars(
        select(User.username).join(UserPartner, UserPartner.username == User.username)
        .where(UserPartner.partner_code == partner, User.role == Role.ASSISTANT.value, User.active.is_(True))))


def next_document_version(session: Session, number: str, kind: str) -> int:
    latest = session.scalar(select(func.max(CertificationDocument.version))
                            .where(CertificationDocument.order_number == number, CertificationDocument.kind == kind))
    return (latest or 0) + 1


def document_by(session: Session, **where: Any) -> CertificationDocument | None:
    query = select(CertificationDocument)
    for column, value in where.items():
        query = query.where(getattr(CertificationDocument, column) == value)
    return session.scalar(query.limit(1))


def documents_of(session: Session, number: str) -> list[CertificationDocument]:
    return list(session.scalars(select(CertificationDocument).where(CertificationDocument.order_number == number)
                                .order_by(CertificationDocument.at, CertificationDocument.kind,
                                          CertificationDocument.version)))


def _scoped(query: Select[Any], scope: Scope) -> Select[Any]:
    if scope.own_only:
        return query.where(Certification.rep == scope.own_only)
    if not scope.everything:
        return query.where(Certification.partner_code.in_(scope.partners))
    return query


def list_certifications(session: Session, scope: Scope, status: str | None, limit: int,
                        offset: int, among: list[str] | None = None) -> list[Certification]:
    query = select(Certification)
    if among is not None:
        query = query.where(Certification.status.in_(among))
    if status:
        query = query.where(Certification.status == status)
    query = _scoped(query, scope).order_by(Certification.status_since, Certification.order_number)
    return list(session.scalars(query.limit(limit).offset(offset)))


def waiting_for(session: Session, username: str, role: Role, partners: frozenset[str]) -> list[Certification]:
    """Open certifications waiting for this person: by name (rep, supervisor), or by role within their partners
    (assistant) or everywhere (the agency's clerks)."""
    open_statuses = [s.value for s in CertStatus if s not in (CertStatus.PASSED, CertStatus.FAILED,
                                                                 CertStatus.NOT_NEEDED)]
    query = select(Certification).where(Certification.status.in_(open_statuses))
    by_role = Certification.pending_role == role.value
    if role is Role.ASSISTANT:
        by_role = by_role & Certification.partner_code.in_(partners)
    elif role not in (Role.AGENCY_CLERK, Role.ORDER_GROUP):  # the order group: escalations without a supervisor
        by_role = Certification.pending_user == username
    # A deactivated report's certifications move to their manager, as their orders do.
    left = select(User.username).where(User.reports_to == username, User.active.is_(False))
    return list(session.scalars(query.where(by_role | (Certification.pending_user == username)
                                            | Certification.pending_user.in_(left))
                                .order_by(Certification.status_since)))


def counts_by_status(session: Session, partners: set[str] | None) -> dict[str, int]:
    query = select(Certification.status, func.count()).group_by(Certification.status)
    if partners is not None:
        query = query.where(Certification.partner_code.in_(partners))
    return {status: count for status, count in session.execute(query).all()}


def at_agency(session: Session, partners: set[str] | None) -> list[Certification]:
    query = select(Certification).where(Certification.status == CertStatus.AT_AGENCY.value)
    if partners is not None:
        query = query.where(Certification.partner_code.in_(partners))
    return list(session.scalars(query.order_by(Certification.status_since)))


def _partner_filter(query: Select[Any], partners: set[str] | None) -> Select[Any]:
    return query if partners is None else query.where(Order.partner_code.in_(partners))


def services_started(session: Session, partners: set[str] | None, first: Any, last: Any) -> list[Order]:
    """Orders whose service started between two Beijing days (both included), the latest first."""
    query = select(Order).where(Order.service_starts_on >= first, Order.service_starts_on <= last)
    return list(session.scalars(_partner_filter(query, partners)
                                .order_by(Order.service_starts_on.desc(), Order.number)))


def uncertified(session: Session, partners: set[str] | None, limit: int) -> tuple[int, list[Order]]:
    """Effective orders with no certification at all (missed by both the start on taking effect and the sweep):
    how many, and the latest to take effect first."""
    query = _partner_filter(select(Order).outerjoin(Certification, Certification.order_number == Order.number)
                            .where(Order.status == "EFFECTIVE", Certification.order_number.is_(None)), partners)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return count, list(session.scalars(query.order_by(Order.status_since.desc(), Order.number).limit(limit)))


def remember_callback(session: Session, digest: str, number: str, at: datetime) -> bool:
    """Keep an accepted callback's digest; False when the same body came before (a replay)."""
    if session.get(AgencyCallback, digest) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(AgencyCallback(digest=digest, order_number=number, received_at=at))
    except IntegrityError:
        return False
    return True


def forget_callback(session: Session, digest: str) -> None:
    row = session.get(AgencyCallback, digest)
    if row is not None:
        session.delete(row)


def service_starts(session: Session) -> list[tuple[str, str, Any, Any, str | None, Any]]:
    """Every order with a service start or a certification: its number, status, effective day, service start,
    and its certification's status and day."""
    rows = session.execute(select(Order.number, Order.status, Order.effective_on, Order.service_starts_on,
                                  Certification.status, Certification.certified_on)
                           .outerjoin(Certification, Certification.order_number == Order.number)
                           .where(Order.service_starts_on.is_not(None) | Certification.order_number.is_not(None))
                           ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


CERT_WAITING_ZH = {"AWAITING_DOCUMENTS": "等待提交认证材料", "CHECKING": "等待核对认证材料并提交认证机构",
                   "AT_AGENCY": "等待认证机构答复", "ESCALATED": "认证补正次数已用完，等待主管决定"}


def digest_items(session: Session, username: str, now: datetime) -> list[Any]:
    """The daily digest's certifications waiting for the person (db/digest_sources.py)."""
    from db.digest_sources import DigestItem
    from db.org_repo import load_actor

    actor = load_actor(session, username)
    if not actor.active:
        return []
    return [DigestItem("waiting", f"订单 {c.order_number} 的认证{CERT_WAITING_ZH.get(c.status, c.status)}", None,
                       f"/certifications/{c.order_number}")
            for c in waiting_for(session, actor.username, actor.role, actor.partners)]
