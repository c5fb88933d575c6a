"""Messages of the follow-up workflow (其它特殊问题跟进): one pydantic model per workflow, update and activity."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from orderflow.contracts import ActorRef, Model


class FollowUpPolicy(Model):
    remind_before: timedelta = timedelta(days=1)  # domain.follow_ups.REMIND_BEFORE


class FollowUpInput(Model):
    """A new case. The service has checked the subject's scope, the assignee and the due date."""

    case_id: str
    type: str  # domain.follow_ups.FollowUpType
    order_number: str | None = None
    customer_id: int | None = None
    partner: str | None = None  # the subject's partner: the scope rule and the ChannelPartner search attribute
    opener: ActorRef
    description: str
    assignee: str  # a username or a desk address ("desk:finance")
    assignee_role: str  # the person's role or the desk's: the PendingRole search attribute
    escalate_to: str
    due_on: date
    due_at: datetime
    correction_id: int | None = None  # a name change's filed correction (services/name_corrections.py)
    policy: FollowUpPolicy = FollowUpPolicy()


class OpenedInput(Model):
    """Asks for the case once it is recorded as opened (update-with-start: the opening request's answer)."""

    case_id: str


class Acting(Model):
    """Every update: who acts (from the token) and whether the case's partner lies in their scope (the service
    computes it: the workflow cannot read the org)."""

    actor: ActorRef
    covers: bool = False


class CommentInput(Acting):
    text: str


class AttachInput(Acting):
    staging_key: str
    size: int
    sha256: str
    filename: str


class AssignInput(Acting):
    assignee: str
    assignee_role: str
    escalate_to: str
    reason: str


class DueInput(Acting):
    due_on: date
    due_at: datetime


class CloseInput(Acting):
    outcome: str  # domain.follow_ups.Outcome
    resolution: str
    reference: str | None = None  # a refund's payment reference
    correction_status: str | None = None  # a name change's correction as the service read it


class AttachmentView(Model):
    version: int
    key: str
    size: int
    sha256: str
    content_type: str
    filename: str
    uploaded_by: str


class FollowUpView(Model):
    case_id: str
    type: str
    order_number: str | None = None
    customer_id: int | None = None
    partner: str | None = None
    opener: str
    description: str
    assignee: str
    escalate_to: str
    due_on: date
    due_at: datetime
    status: str  # OPEN, CLOSED
    overdue: bool = False
    wait: int = 1  # a new due date or assignee starts a new wait: reminders are once per wait
    reminded: bool = False
    outcome: str | None = None
    resolution: str | None = None
    reference: str | None = None
    correction_id: int | None = None
    comments: int = 0
    attachments: list[AttachmentView] = []
    opened_at: datetime
    closed_at: datetime | None = None


class FollowUpRecord(Model):
    """The case's row as it is now, and one event (with a comment's text); idempotent by the event's key. The
    activity answers the subject's partner as it is now (a customer may have moved to another partner)."""

    view: FollowUpView
    seq: int = 0  # the workflow's record count: the row takes only a newer record's state
    event_key: str
    event: str  # opened, comment, attached, assigned, due, reminded, escalated, closed
    actor: str
    at: datetime
    detail: str = ""
    comment: str | None = None


class FollowUpFileInput(Model):
    case_id: str
    staging_key: str
    size: int
    sha256: str
    filename: str
    uploaded_by: str


class RecipientInput(Model):
    """Whom a notice for `username` reaches: the person, or, if deactivated, their manager."""

    username: str
    fallback: str
