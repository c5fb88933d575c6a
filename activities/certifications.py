"""Certification (认证) activities: open one for an order, record its steps, file its documents. Each is one
transaction and idempotent by its business key (the order number; the step's seq; the staging key)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.scans import ScanActivities
from db.certification_models import Certification, CertificationDocument
from db.certification_repo import (
    assistants_of,
    document_by,
    documents_of,
    effective_without_certification,
    last_passed_key,
    next_document_version,
)
from db.engine import unit_of_work
from db.models import Customer, Order
from domain.certification import CertStatus, DocumentKind, needs_certification
from domain.errors import Refused, ScanRejected, no_order
from domain.order import OrderKind, OrderStatus
from orderflow.certification_contracts import (
    CertDocument,
    CertificationContext,
    CertPolicyModel,
    CertRecord,
    OpenInput,
    PromoteDocumentInput,
    SweepRun,
)
from orderflow.contracts import PromoteScanInput
from orderflow.failures import business_errors


def _document(row: CertificationDocument) -> CertDocument:
    return CertDocument(kind=row.kind, version=row.version, key=row.key, sha256=row.sha256, size=row.size,
                        content_type=row.content_type)


def _shown_name(inp: PromoteDocumentInput) -> str:
    """The name a refusal may echo: an identity document's only by its extension (which the type check reads)."""
    if inp.kind is DocumentKind.LICENCE:
        return inp.file.filename
    return "upload" + PurePosixPath(inp.file.filename).suffix[:10]


class CertificationActivities(ScanActivities):
    """Shares the staged-file verification of scans (size, SHA-256, type by content, completeness)."""

    def __init__(self, s3: Any, bucket: str, sessions: sessionmaker[Session], max_bytes: int,
                 sse: dict[str, str] | None = None, max_rounds: int = 3) -> None:
        super().__init__(s3, bucket, sessions, max_bytes, sse)
        self._max_rounds = max_rounds

    @activity.defn(name="open_certification")
    @business_errors
    def open_certification(self, inp: OpenInput) -> CertificationContext:
        """Read the order, its customer and the partner's assistants; decide whether it needs certifying
        (domain.certification) and write its row once: a retry finds the row and answers the same."""
        with unit_of_work(self._sessions) as session:
            order = session.get(Order, inp.order_number)
            if order is None:
                raise no_order(inp.order_number)
            if order.status != OrderStatus.EFFECTIVE.value or order.effective_on is None or order.customer_id is None:
                raise Refused(f"order {inp.order_number} is {order.status}, not EFFECTIVE: nothing to certify yet")
            customer = session.get(Customer, order.customer_id)
            assert customer is not None
            kind = OrderKind(order.kind) if order.kind else None
            row = session.get(Certification, inp.order_number)
            if row is None:
                last = last_passed_key(session, customer.id, inp.order_number)
                needed = needs_certification(kind, customer.name_key, last)
                status = CertStatus.AWAITING_DOCUMENTS if needed else CertStatus.NOT_NEEDED
                row = Certification(order_number=order.number, partner_code=order.partner_code, rep=order.rep,
                                    supervisor=order.supervisor, customer_id=customer.id, name_key=customer.name_key,
                                    status=status.value, pending_role=None, pending_user=None, rounds=0,
                                    allowed_rounds=self._max_rounds, status_since=inp.at, last_seq=0,
                                    opened_at=inp.at, updated_at=inp.at)
                session.add(row)
                if not needed:
                    # Nothing to wait for: the membership starts when the order took effect.
                    order.service_starts_on = order.effective_on
            needed = row.status != CertStatus.NOT_NEEDED.value
            why = ("a new order is certified" if kind is not OrderKind.RENEWAL else
                   "the customer's licensed name changed since its last passed certification" if needed else
                   "a renewal whose licensed name is unchanged since its last passed certification")
            return CertificationContext(
                needed=needed, why=why, order_number=order.number, partner=order.partner_code, rep=order.rep,
                supervisor=order.supervisor, customer_id=customer.id, kind=kind, effective_on=order.effective_on,
                assistants=assistants_of(session, order.partner_code),
                policy=CertPolicyModel(max_rounds=row.allowed_rounds), last_seq=row.last_seq, rounds=row.rounds,
                documents=[_document(d) for d in documents_of(session, order.number)])

    @activity.defn(name="uncertified_orders")
    def uncertified_orders(self, run: SweepRun) -> list[str]:
        """Orders that took effect since `run.since` and have no certification row yet (at most 500 a run)."""
        with unit_of_work(self._sessions) as session:
            return effective_without_certification(session, run.since, limit=500)

    @activity.defn(name="record_certification")
    def record_certification(self, rec: CertRecord) -> bool:
        """Write one step to the row (and, on a pass, the service start on the order); a step already written
        (by seq) changes nothing."""
        with unit_of_work(self._sessions) as session:
            row = session.get(Certification, rec.order_number)
            if row is None or row.last_seq >= rec.seq:
                return False
            if row.status != rec.status.value:
                row.status_since = rec.at
            row.status, row.pending_role, row.pending_user = rec.status.value, rec.pending_role, rec.pending_user
            row.rounds, row.allowed_rounds, row.last_seq = rec.rounds, rec.allowed_rounds, rec.seq
            row.reasons = [r.value for r in rec.reasons] if rec.reasons is not None else row.reasons
            row.note = rec.note if rec.note is not None else row.note
            row.position = rec.position if rec.position is not None else row.position
            row.updated_at = rec.at
            if rec.status is CertStatus.PASSED:
                row.certified_on = rec.certified_on
                order = session.get(Order, rec.order_number)
                if order is not None:
                    order.service_starts_on = rec.service_starts_on
            return True

    @activity.defn(name="promote_document")
    @business_errors
    def promote_document(self, inp: PromoteDocumentInput) -> CertDocument:
        """Verify the staged file as a scan is verified, refuse the same file filed before for this order, and
        copy it to certifications/<partner>/<number>/<kind>-v<n>.<ext>; idempotent by staging key."""
        with unit_of_work(self._sessions) as session:
            done = document_by(session, staging_key=inp.file.staging_key)
            if done is not None:
                return _document(done)
            if document_by(session, order_number=inp.order_number, sha256=inp.file.sha256) is not None:
                self._s3.delete_object(Bucket=self._bucket, Key=inp.file.staging_key)
                # An identity document's file name may name the applicant: failure messages are not encrypted.
                named = f" {inp.file.filename}" if inp.kind is DocumentKind.LICENCE else ""
                raise ScanRejected(f"{inp.kind.value}{named} is the same file as one already handed in "
                                   f"for order {inp.order_number}: send the new document")
        what = f"{inp.kind.value} document"
        kind = self._verify(PromoteScanInput(order_number=inp.order_number, partner=inp.partner,
                                             staging_key=inp.file.staging_key, size=inp.file.size,
                                             sha256=inp.file.sha256, filename=_shown_name(inp),
                                             uploaded_by=inp.uploaded_by), what)
        with unit_of_work(self._sessions) as session:
            version = next_document_version(session, inp.order_number, inp.kind.value)
            key = f"certifications/{inp.partner}/{inp.order_number}/{inp.kind.value}-v{version}.{kind.extension}"
            # No metadata beyond the hash: an identity document says nothing about itself outside its bytes.
            self._s3.copy_object(Bucket=self._bucket, Key=key,
                                 CopySource={"Bucket": self._bucket, "Key": inp.file.staging_key},
                                 ContentType=kind.content_type, MetadataDirective="REPLACE",
                                 Metadata={"sha256": inp.file.sha256}, **self._sse)
            row = CertificationDocument(order_number=inp.order_number, kind=inp.kind.value, version=version, key=key,
                                        staging_key=inp.file.staging_key, sha256=inp.file.sha256, size=inp.file.size,
                                        content_type=kind.content_type, uploaded_by=inp.uploaded_by,
                                        at=datetime.now(UTC))
            session.add(row)
            session.flush()
            answer = _document(row)
        self._s3.delete_object(Bucket=self._bucket, Key=inp.file.staging_key)
        return answer

