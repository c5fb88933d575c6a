"""The certification agency's signed callback: `POST /certifications/agency-callback`, outside the token scheme.

The agency signs `f"{timestamp}." + raw body` with HMAC-SHA256 under the shared secret (settings), sending
X-Orderflow-Timestamp (unix seconds) and X-Orderflow-Signature (hex). Refused, with nothing changed: no secret
configured, a missing or bad signature, a timestamp outside the window, a signed message seen before (the digest of
timestamp + body is kept in `agency_callbacks`, unique: the window bounds a replay, and the same answer sent afresh in
a later round is a new message), a malformed body, an unknown order. The log names the refusal and the order at most:
never the body (it may name the applicant) nor the secret."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from db.certification_models import Certification
from db.certification_repo import forget_callback, remember_callback
from domain.certification import WEBHOOK_ACTOR, CertStatus
from domain.errors import DomainError, InvalidInput, NotAuthenticated, NotFound, Refused
from domain.people import Role
from orderflow.certification_contracts import CertificationView
from orderflow.contracts import ActorRef
from services.certifications import answer_input, handle_of
from services.context import Services
from workflows.certification import CertificationWorkflow

log = logging.getLogger("orderflow.certifications.callback")
AGENCY = ActorRef(username=WEBHOOK_ACTOR, role=Role.AGENCY_CLERK)


class AgencyAnswer(BaseModel):
    """The callback's body: which order, pass or fail, the reason codes and a note."""

    model_config = ConfigDict(extra="forbid")
    order: str = Field(min_length=2, max_length=16, pattern=r"^[A-Z]{1,4}[0-9]{1,12}$")
    result: str = Field(pattern=r"^(pass|fail)$")
    # Codes only: a reason is echoed in a refusal (and its log line), so nothing else may pass as one.
    reasons: list[Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")]] = Field(default=[], max_length=10)
    note: str | None = Field(default=None, max_length=1000)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str | None, sent: str | None, body: bytes, now: datetime, window: int) -> None:
    """Signature first (nothing about the body is believed before it), then the timestamp's age."""
    if not secret:
        raise NotAuthenticated("the agency callback is not configured on this server")
    if not timestamp or not sent:
        raise NotAuthenticated("the callback needs X-Orderflow-Timestamp and X-Orderflow-Signature headers")
    if not (sent.isascii() and timestamp.isascii()):
        # compare_digest refuses non-ASCII text with a TypeError: a refusal, not a crash.
        raise NotAuthenticated("the callback's signature does not match its body and timestamp")
    if not hmac.compare_digest(signature(secret, timestamp, body), sent.strip().lower()):
        raise NotAuthenticated("the callback's signature does not match its body and timestamp")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise NotAuthenticated("X-Orderflow-Timestamp must be unix seconds") from None
    if abs(now.timestamp() - sent_at) > window:
        raise NotAuthenticated(f"the callback's timestamp is more than {window} seconds from now: send it afresh")


def parse(body: bytes) -> AgencyAnswer:
    try:
        return AgencyAnswer.model_validate(json.loads(body))
    except (ValueError, ValidationError) as err:
        fields = ", ".join(".".join(map(str, e["loc"])) or "body" for e in err.errors()) \
            if isinstance(err, ValidationError) else "body"
        raise InvalidInput(f"the callback's body is not a valid answer (check: {fields}); expected JSON with order, "
                           "result (pass or fail), reasons and note") from None


def signed_digest(timestamp: str, body: bytes) -> str:
    """What a replay is recognised by: the signed bytes, so a fresh send of the same answer is not one."""
    return hashlib.sha256(timestamp.encode() + b"." + body).hexdigest()


class CallbackAnswer(BaseModel):
    """What the agency is told back: its order and where the certification now stands, nothing about people."""

    order: str
    status: CertStatus | None


async def receive(services: Services, body: bytes, timestamp: str | None, sent: str | None) -> CallbackAnswer:
    settings = services.settings
    now = datetime.now(UTC)
    try:
        verify(settings.certification_webhook_secret.get_secret_value(), timestamp, sent, body, now,
               settings.certification_webhook_window_seconds)
        found = parse(body)
        inp = answer_input(AGENCY, found.result == "pass", found.reasons, found.note)
        assert timestamp is not None
        digest = signed_digest(timestamp, body)

        def claim() -> None:
            with services.transaction() as session:
                row = session.get(Certification, found.order)
                if row is None:
                    raise NotFound(f"there is no certification for order {found.order}")
                if row.status != CertStatus.AT_AGENCY.value:
                    raise Refused(f"the certification of order {found.order} is {row.status}, not AT_AGENCY")
                if not remember_callback(session, digest, found.order, now):
                    raise Refused("this callback was received before: a replay is refused")

        await asyncio.to_thread(claim)
        try:
            handle = await handle_of(services, found.order)
            view: CertificationView = await handle.execute_update(CertificationWorkflow.answer, inp)
        except BaseException:
            # Nothing changed: the agency may send the same answer again once the cause is fixed.
            log.warning("agency callback for order %s refused by its certification", found.order)
            await asyncio.to_thread(_forget, services, digest)
            raise
    except DomainError as err:
        log.warning("agency callback refused: %s", err.message)
        raise
    log.info("agency callback for order %s: %s", found.order, found.result)
    return CallbackAnswer(order=view.order_number, status=view.status)


def _forget(services: Services, digest: str) -> None:
    with services.transaction() as session:
        forget_callback(session, digest)

