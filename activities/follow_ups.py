"""Follow-up activities: the case's read model, its attachments, and where a notice for a person goes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.scans import ScanActivities
from db.engine import unit_of_work
from db.follow_up_models import FollowUp, FollowUpAttachment, FollowUpComment, FollowUpEvent
from db.follow_up_repo import current_partner
from db.models import User
from domain.errors import ScanRejected
from domain.scans import ScanType
from orderflow.contracts import PromoteScanInput
from orderflow.failures import business_errors
from orderflow.follow_up_contracts import AttachmentView, FollowUpFileInput, FollowUpRecord, RecipientInput


def _attachment(row: FollowUpAttachment) -> AttachmentView:
    return AttachmentView(version=row.version, key=row.key, size=row.size, sha256=row.sha256,
                          content_type=row.content_type, filename=row.filename, uploaded_by=row.uploaded_by)


def attachment_key(case_id: str, version: int, kind: ScanType) -> str:
    """follow-ups/<case>/attachment-v2.pdf: versions never overwrite each other."""
    return f"follow-ups/{case_id}/attachment-v{version}.{kind.extension}"


class FollowUpActivities(ScanActivities):
    """Shares the scans' verification of a staged upload (size, SHA-256, type by content, completeness)."""

    def __init__(self, s3: Any, bucket: str, sessions: sessionmaker[Session], max_bytes: int,
                 sse: dict[str, str] | None = None) -> None:
        super().__init__(s3, bucket, sessions, max_bytes, sse)

    @activity.defn(name="record_follow_up")
    def record_follow_up(self, rec: FollowUpRecord) -> str | None:
        """Write the case's row as the workflow sees it (unless a newer record got there first: a late retry never
        overwrites newer state), and the event (and comment) once, by the event's key. Answers the subject's
        partner as it is now, which the row takes too (a customer moved to another partner takes its cases)."""
        v = rec.view
        with unit_of_work(self._sessions) as session:
            partner = current_partner(session, v.order_number, v.customer_id) or v.partner
            row = session.get(FollowUp, v.case_id)
            if row is None:
                row = FollowUp(id=v.case_id, type=v.type, order_number=v.order_number, customer_id=v.customer_id,
                               opener=v.opener, description=v.description, opened_at=v.opened_at,
                               correction_id=v.correction_id, seq=0)
                session.add(row)
            row.partner_code = partner
            if rec.seq > row.seq or row.seq == 0:
                row.seq = rec.seq
                row.assignee, row.escalate_to, row.due_on, row.due_at = v.assignee, v.escalate_to, v.due_on, v.due_at
                row.status, row.overdue, row.wait, row.updated_at = v.status, v.overdue, v.wait, rec.at
                row.outcome, row.resolution, row.reference, row.closed_at = (v.outcome, v.resolution, v.reference,
                                                                             v.closed_at)
            if session.scalar(select(FollowUpEvent.id).where(FollowUpEvent.key == rec.event_key)) is None:
                session.add(FollowUpEvent(key=rec.event_key, case_id=v.case_id, kind=rec.event, actor=rec.actor,
                                          at=rec.at, detail=rec.detail))
                if rec.comment is not None:
                    session.add(FollowUpComment(key=rec.event_key, case_id=v.case_id, author=rec.actor,
                                                text=rec.comment, at=rec.at))
        return partner

    @activity.defn(name="promote_follow_up_file")
    @business_errors
    def promote_follow_up_file(self, inp: FollowUpFileInput) -> AttachmentView:
        """Verify the staged upload and copy it under follow-ups/<case>/; idempotent by staging key. The same
        content twice on one case is refused, and its staged copy removed."""
        with unit_of_work(self._sessions) as session:
            done = session.scalar(select(FollowUpAttachment).where(FollowUpAttachment.staging_key == inp.staging_key))
            if done is not None:
                # A retry after the copy was filed: the staged copy may still be there.
                self._s3.delete_object(Bucket=self._bucket, Key=inp.staging_key)
                return _attachment(done)
            self._refuse_duplicate(session, inp)
        kind = self._verify(PromoteScanInput(order_number=inp.case_id, partner="", staging_key=inp.staging_key,
                                             size=inp.size, sha256=inp.sha256, filename=inp.filename,
                                             uploaded_by=inp.uploaded_by), "attachment")
        with unit_of_work(self._sessions) as session:
            self._refuse_duplicate(session, inp)
            version = (session.scalar(select(func.max(FollowUpAttachment.version))
                                      .where(FollowUpAttachment.case_id == inp.case_id)) or 0) + 1
            key = attachment_key(inp.case_id, version, kind)
            self._s3.copy_object(
                Bucket=self._bucket, Key=key, CopySource={"Bucket": self._bucket, "Key": inp.staging_key},
                ContentType=kind.content_type, MetadataDirective="REPLACE",
                Metadata={"sha256": inp.sha256, "follow-up": inp.case_id}, **self._sse,
            )
            row = FollowUpAttachment(case_id=inp.case_id, version=version, key=key, staging_key=inp.staging_key,
                                     sha256=inp.sha256, size=inp.size, content_type=kind.content_type,
                                     filename=inp.filename, uploaded_by=inp.uploaded_by, at=datetime.now(UTC))
            session.add(row)
        self._s3.delete_object(Bucket=self._bucket, Key=inp.staging_key)
        return _attachment(row)

    def _refuse_duplicate(self, session: Session, inp: FollowUpFileInput) -> None:
        same = session.scalar(select(FollowUpAttachment).where(FollowUpAttachment.case_id == inp.case_id,
                                                               FollowUpAttachment.sha256 == inp.sha256))
        if same is not None:
            self._s3.delete_object(Bucket=self._bucket, Key=inp.staging_key)
            raise ScanRejected(f"attachment {inp.filename} is already on follow-up {inp.case_id} "
                               f"(version {same.version}, {same.filename})")

    @activity.defn(name="follow_up_recipient")
    def follow_up_recipient(self, inp: RecipientInput) -> str:
        """A desk, or an active person, gets the notice; a deactivated person's goes to their active manager (as
        the inbox moves their tasks), else to the fallback (the escalation target, or for the escalation target
        itself the opener)."""
        if inp.username.startswith("desk:"):
            return inp.username
        with unit_of_work(self._sessions) as session:
            user = session.get(User, inp.username)
            if user is None or user.active:
                return inp.username
            boss = session.get(User, user.reports_to) if user.reports_to else None
            return boss.username if boss is not None and boss.active else inp.fallback
