"""认证 (certification), our reading: the membership an order sells starts only once a certification agency has
checked the customer's identity: the business licence, the applicant's identity document and the applicant's
position (employment confirmation). The rep collects the documents, the partner's assistant checks them against the
customer record and submits them, the agency answers pass or fail with reasons. These are its pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.customers import address_key
from domain.errors import InvalidInput, NotPermitted, Refused
from domain.fields import business_date
from domain.order import OrderKind
from domain.people import ROLE_LABELS, Actor, Role


class CertStatus(StrEnum):
    AWAITING_DOCUMENTS = "AWAITING_DOCUMENTS"  # the rep collects and uploads the documents
    CHECKING = "CHECKING"  # the partner's assistant checks them against the customer record
    AT_AGENCY = "AT_AGENCY"  # submitted; waiting for the agency's answer
    ESCALATED = "ESCALATED"  # the rounds are used up: the order's supervisor decides
    PASSED = "PASSED"
    FAILED = "FAILED"  # closed by the supervisor without a pass
    NOT_NEEDED = "NOT_NEEDED"  # a renewal whose licensed name did not change since its last pass


FINAL = frozenset({CertStatus.PASSED, CertStatus.FAILED, CertStatus.NOT_NEEDED})

# Who each open status waits for: a role, and for the rep and supervisor the order's own person.
PENDING_ROLE: dict[CertStatus, Role | None] = {
    CertStatus.AWAITING_DOCUMENTS: Role.SALES,
    CertStatus.CHECKING: Role.ASSISTANT,
    CertStatus.AT_AGENCY: Role.AGENCY_CLERK,
    CertStatus.ESCALATED: Role.SUPERVISOR,
    CertStatus.PASSED: None,
    CertStatus.FAILED: None,
    CertStatus.NOT_NEEDED: None,
}


class DocumentKind(StrEnum):
    LICENCE = "licence"  # the business licence scan (营业执照)
    IDENTITY = "identity"  # the applicant's identity document: personal data


class FailReason(StrEnum):
    NAME_MISMATCH = "name_mismatch"
    LICENCE_EXPIRED_OR_REVOKED = "licence_expired_or_revoked"
    APPLICANT_UNREACHABLE = "applicant_unreachable"
    ILLEGIBLE = "illegible"
    OTHER = "other"


REASON_LABELS: dict[FailReason, str] = {
    FailReason.NAME_MISMATCH: "执照名称与客户记录不符 (name mismatch)",
    FailReason.LICENCE_EXPIRED_OR_REVOKED: "执照过期或被吊销 (licence expired or revoked)",
    FailReason.APPLICANT_UNREACHABLE: "无法联系申请人 (applicant not reachable)",
    FailReason.ILLEGIBLE: "材料无法辨认 (documents illegible)",
    FailReason.OTHER: "其它 (other)",
}


def parse_reasons(codes: list[str], note: str | None) -> list[FailReason]:
    """A failure names at least one known reason; 'other' needs a note saying what."""
    if not codes:
        raise InvalidInput("a failure needs at least one reason: " + ", ".join(r.value for r in FailReason))
    reasons: list[FailReason] = []
    for code in codes:
        try:
            reason = FailReason(code.strip().lower())
        except ValueError:
            raise InvalidInput(f"reason '{code[:40]}' is not one of: "
                               + ", ".join(r.value for r in FailReason)) from None
        if reason not in reasons:
            reasons.append(reason)
    if FailReason.OTHER in reasons and not (note or "").strip():
        raise InvalidInput("reason 'other' needs a note saying what is wrong")
    return reasons


def needs_certification(kind: OrderKind | None, licensed_name_key: str, last_passed_key: str | None) -> bool:
    """A new order is always certified; a renewal only when the customer's licensed name changed since its last
    passed certification (or none is on record)."""
    if kind is not OrderKind.RENEWAL:
        return True
    return last_passed_key is None or last_passed_key != licensed_name_key


@dataclass(frozen=True)
class CertPolicy:
    """The cap on rounds (a return by the assistant or a failure by the agency each uses one) and the waits."""

    max_rounds: int = 3
    documents_reminder: timedelta = timedelta(days=3)
    documents_escalation: timedelta = timedelta(days=7)
    submission_reminder: timedelta = timedelta(days=2)
    agency_reminder: timedelta = timedelta(days=5)
    escalation_reminder: timedelta = timedelta(days=3)


# Each kind of document may be uploaded this many times in all: a bound on the workflow's history.
MAX_VERSIONS_PER_KIND = 10
# A failure for these reasons is mended only by a document uploaded after it.
DOCUMENT_REASONS = frozenset({FailReason.NAME_MISMATCH, FailReason.ILLEGIBLE})


def after_failure(rounds_used: int, allowed_rounds: int) -> CertStatus:
    """Back to the rep with the reasons, until the rounds are used up: then to the supervisor."""
    return CertStatus.ESCALATED if rounds_used >= allowed_rounds else CertStatus.AWAITING_DOCUMENTS


def service_start(effective_on: date, certified_at: datetime) -> date:
    """The membership starts when the order is both effective and certified: the later of the two days, each a
    Beijing date (the agency's answer is dated by when it arrived, in Beijing)."""
    return max(effective_on, business_date(certified_at))


@dataclass(frozen=True)
class CustomerFacts:
    name_key: str
    address: str
    phone_key: str


def check_against_record(customer_id: int, on_licence: CustomerFacts, record: CustomerFacts) -> None:
    """The assistant compares what the documents say with the customer record: the licensed name (by its key),
    the address and the phone. The record's values are not echoed."""
    wrong = [what for what, same in (
        ("licensed name", on_licence.name_key == record.name_key),
        ("address", address_key(on_licence.address) == address_key(record.address)),
        ("phone", on_licence.phone_key == record.phone_key)) if not same]
    if wrong:
        raise Refused(f"the {', '.join(wrong)} on the documents {'does' if len(wrong) == 1 else 'do'} not match "
                      f"customer {customer_id}'s record: return the certification to the rep with the reasons, or "
                      "have the customer record corrected first")


# What the agency's clerk sees: what waits for the agency and what it passed, not the rep's and assistant's work.
AGENCY_SEES = frozenset({CertStatus.AT_AGENCY, CertStatus.PASSED})


def seen_by(role: Role) -> frozenset[CertStatus] | None:
    """The statuses a role may see certifications in; None: every status (within the role's scope)."""
    return AGENCY_SEES if role is Role.AGENCY_CLERK else None


# Which role takes which step; the rep and the supervisor must also be the order's own.
STEP_ROLES: dict[str, frozenset[Role]] = {
    "documents": frozenset({Role.SALES}),
    "check": frozenset({Role.ASSISTANT}),
    "answer": frozenset({Role.AGENCY_CLERK}),
    "escalation": frozenset({Role.SUPERVISOR}),
}
STEP_STATUS: dict[str, CertStatus] = {
    "documents": CertStatus.AWAITING_DOCUMENTS,
    "check": CertStatus.CHECKING,
    "answer": CertStatus.AT_AGENCY,
    "escalation": CertStatus.ESCALATED,
}
STEP_WORDS = {"documents": "hand in certification documents", "check": "check and submit certifications",
              "answer": "answer for the certification agency", "escalation": "decide escalated certifications"}
# The agency's signed callback acts as this user, who is in no org file (a colon is in no username).
WEBHOOK_ACTOR = "agency:webhook"


def check_cert_step(step: str, status: CertStatus, actor: Actor, *, number: str, partner: str, rep: str,
                    supervisor: str | None, deputy: str | None = None) -> None:
    """The step is allowed to this actor, now: the role, the order's own rep or supervisor, the partner, the
    status. `deputy` is who stands in for a deactivated rep (documents) or supervisor (escalation): the person
    they report to, as their orders move to them; an order without a supervisor is decided by the order group."""
    words = STEP_WORDS[step]
    if not actor.active:
        raise NotPermitted(f"{actor.describe()} is deactivated and may not {words}")
    webhook = step == "answer" and actor.username == WEBHOOK_ACTOR
    standing_in = deputy is not None and actor.username == deputy and step in ("documents", "escalation")
    no_supervisor = step == "escalation" and not supervisor and actor.role is Role.ORDER_GROUP
    if actor.role not in STEP_ROLES[step] and not (webhook or standing_in or no_supervisor):
        allowed = " or ".join(ROLE_LABELS[r] for r in sorted(STEP_ROLES[step]))
        raise NotPermitted(f"{actor.describe()} may not {words}: that needs the {allowed} role")
    if step == "documents" and actor.username != rep and not standing_in:
        raise NotPermitted(f"{actor.describe()} may not {words} for order {number}: it is {rep}'s order")
    if step == "escalation" and actor.username != (supervisor or "") and not (standing_in or no_supervisor):
        raise NotPermitted(f"{actor.describe()} may not {words} for order {number}: that is its rep's supervisor")
    if step == "check" and partner not in actor.partners:
        raise NotPermitted(f"{actor.describe()} may not {words} for order {number}: partner {partner} is not "
                           "served by this assistant")
    if status is not STEP_STATUS[step]:
        raise Refused(f"the certification of order {number} is {status.value}, not {STEP_STATUS[step].value}")
