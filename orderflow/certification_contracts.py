"""Messages of the CertificationWorkflow (认证): its input, its updates, its activities and its view. Documents
travel as S3 keys and hashes only, never their content."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from temporalio.common import WorkflowIDReusePolicy

from domain.certification import CertPolicy, CertStatus, DocumentKind, FailReason
from domain.order import OrderKind
from orderflow.contracts import ActorRef, Model

# One certification per order: a completed one is never started again; a terminated or failed one may be.
CERT_ID_REUSE = WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
CERTIFICATION_WORKFLOW = "CertificationWorkflow"


def cert_id(number: str) -> str:
    return f"cert-{number}"


class CertPolicyModel(Model):
    """domain.certification.CertPolicy as the workflow carries it (its max_rounds comes from the settings)."""

    max_rounds: int = CertPolicy.max_rounds
    documents_reminder: timedelta = CertPolicy.documents_reminder
    documents_escalation: timedelta = CertPolicy.documents_escalation
    submission_reminder: timedelta = CertPolicy.submission_reminder
    agency_reminder: timedelta = CertPolicy.agency_reminder
    escalation_reminder: timedelta = CertPolicy.escalation_reminder


class CertificationInput(Model):
    """`cert-<order number>`: started by the order on taking effect, or by the order group for an older order."""

    order_number: str
    started_by: str = "system"


class SweepInput(Model):
    """The schedule's run: orders that took effect within `lookback` and have no certification yet get one."""

    lookback: timedelta = timedelta(days=2)


class SweepRun(Model):
    since: datetime


class SweepResult(Model):
    started: list[str] = []


class OpenInput(Model):
    order_number: str
    at: datetime


class ShownDocument(Model):
    """A document as a response shows it: its kind, version and hash; never where it is stored."""

    kind: DocumentKind
    version: int
    sha256: str
    size: int
    content_type: str


class CertDocument(ShownDocument):
    key: str  # where it is stored (S3): the workflow's and the reads', never a response's


class CertificationContext(Model):
    """What the workflow needs of the order and the org, read once when it opens."""

    needed: bool
    why: str  # why it is (not) needed
    order_number: str
    partner: str
    rep: str
    supervisor: str | None
    customer_id: int
    kind: OrderKind | None
    effective_on: date
    assistants: list[str]
    policy: CertPolicyModel
    # Where an earlier run (failed or terminated) left it: a restart goes on from there.
    last_seq: int = 0
    rounds: int = 0
    documents: list[CertDocument] = []


class StagedFile(Model):
    staging_key: str
    size: int
    sha256: str
    filename: str


class DocumentInput(Model):
    actor: ActorRef
    kind: DocumentKind
    file: StagedFile
    standing_in: bool = False  # set by the service: the actor stands in for the order's deactivated rep


class HandInInput(Model):
    actor: ActorRef
    position: str  # the applicant's position, as the employment confirmation states it
    standing_in: bool = False


class SubmitInput(Model):
    """The assistant checked the documents against the customer record (services.certifications) and submits."""

    actor: ActorRef
    note: str | None = None


class ReturnInput(Model):
    """Back to the rep with the reasons: from the assistant's check, or the agency's failure."""

    actor: ActorRef
    reasons: list[FailReason]
    note: str | None = None


class AnswerInput(Model):
    actor: ActorRef
    passed: bool
    reasons: list[FailReason] = []
    note: str | None = None


class EscalationInput(Model):
    actor: ActorRef
    allow: bool  # one more round, or close it as failed
    note: str
    standing_in: bool = False  # set by the service: the actor stands in for the deactivated supervisor


class PromoteDocumentInput(Model):
    order_number: str
    partner: str
    kind: DocumentKind
    file: StagedFile
    uploaded_by: str


class CertRecord(Model):
    """One step of the certification written to its row; idempotent by `seq`."""

    seq: int
    order_number: str
    status: CertStatus
    pending_role: str | None
    pending_user: str | None
    rounds: int
    allowed_rounds: int
    at: datetime
    actor: str
    reasons: list[FailReason] | None = None
    note: str | None = None
    position: str | None = None
    certified_on: date | None = None
    service_starts_on: date | None = None


class _CertificationFields(Model):
    order_number: str
    status: CertStatus | None  # None until the workflow has read the order
    partner: str | None = None
    rep: str | None = None
    supervisor: str | None = None
    since: datetime | None = None
    rounds: int = 0
    allowed_rounds: int = 0
    position: str | None = None
    reasons: list[FailReason] = []
    note: str | None = None
    certified_on: date | None = None
    service_starts_on: date | None = None
    why: str | None = None


class CertificationView(_CertificationFields):
    documents: list[CertDocument] = []


class ShownCertification(_CertificationFields):
    """CertificationView as the API answers a step with it: documents without their storage keys."""

    documents: list[ShownDocument] = []

    @classmethod
    def of(cls, view: CertificationView) -> ShownCertification:
        data = view.model_dump(exclude={"documents"})
        return cls(**data, documents=[ShownDocument(**d.model_dump(exclude={"key"})) for d in view.documents])
