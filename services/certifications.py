"""认证 (certification) use cases: start one, hand in documents, check and submit, answer, decide an escalation,
and read them. Each certification is a `CertificationWorkflow` with id `cert-<order number>`; its row in
`certifications` (written by the workflow's activity) serves the reads.

How one starts: the step that writes an order EFFECTIVE starts it (activities/certification_start.py); the
certification sweep (a Temporal Schedule, services/schedules.py) starts one for each order that took effect lately
without one; the order group starts one by hand for an order that took effect before certification existed. Not as
a child of OrderWorkflow: that would change every order's history, and an abandoned child outlives the worker of
the test that made it, so on the shared time-skipping test server its pending timers stop time for later tests."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from db.certification_models import Certification, CertificationDocument
from db.certification_repo import list_certifications, waiting_for
from db.models import Customer, Order, User
from db.org_repo import scope_for
from domain.certification import (
    FINAL,
    CertStatus,
    CustomerFacts,
    DocumentKind,
    check_against_record,
    check_cert_step,
    parse_reasons,
    seen_by,
)
from domain.errors import InvalidInput, NotFound, NotPermitted, Refused, Unavailable
from domain.names import name_key
from domain.order import OrderStatus
from domain.people import Actor, Role
from domain.permissions import Perm, require
from domain.phones import fixed_line
from domain.text import TextKind, check_text
from orderflow.certification_contracts import (
    CERT_ID_REUSE,
    AnswerInput,
    CertificationInput,
    CertificationView,
    DocumentInput,
    EscalationInput,
    HandInInput,
    ReturnInput,
    StagedFile,
    SubmitInput,
    cert_id,
)
from services.context import Services
from services.order_desk_base import actor_ref
from services.order_files import FileSource, inspect_local_scan
from services.order_reads import sees, visible_number
from workflows.certification import CertificationWorkflow

STATUSES = tuple(s.value for s in CertStatus)


def _missing(number: str) -> NotFound:
    return NotFound(f"there is no certification for order {number}")


def _visible_row(services: Services, actor: Actor, number_text: str) -> Certification:
    """The certification of an order in the actor's scope; missing and out of scope answer alike."""
    with services.transaction() as session:
        number = number_text.strip().upper()
        row = session.get(Certification, number)
        statuses = seen_by(actor.role)
        if row is None or not sees(scope_for(session, actor), row.partner_code, row.rep) or (
                statuses is not None and CertStatus(row.status) not in statuses):
            raise _missing(number)
        session.expunge(row)
        return row


def _row_view(session: Any, row: Certification) -> dict[str, Any]:
    docs = session.scalars(select(CertificationDocument).where(CertificationDocument.order_number == row.order_number)
                           .order_by(CertificationDocument.kind, CertificationDocument.version))
    order = session.get(Order, row.order_number)
    return {"order": row.order_number, "partner": row.partner_code, "rep": row.rep, "status": row.status,
            "pending_role": row.pending_role, "pending_user": row.pending_user, "rounds": row.rounds,
            "allowed_rounds": row.allowed_rounds, "since": row.status_since.isoformat(),
            "reasons": row.reasons or [], "note": row.note, "position": row.position,
            "certified_on": row.certified_on.isoformat() if row.certified_on else None,
            "service_starts_on": order.service_starts_on.isoformat() if order and order.service_starts_on else None,
            # Keys and hashes only: the documents themselves stay in the file store.
            "documents": [{"kind": d.kind, "version": d.version, "sha256": d.sha256, "size": d.size,
                           "content_type": d.content_type} for d in docs]}


def show(services: Services, actor: Actor, number: str) -> dict[str, Any]:
    require(actor, Perm.SEE_CERTIFICATIONS, "see certifications")
    row = _visible_row(services, actor, number)
    with services.transaction() as session:
        return _row_view(session, session.merge(row))


def listing(services: Services, actor: Actor, *, status: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
    """Certifications in the caller's scope, the longest waiting first."""
    require(actor, Perm.SEE_CERTIFICATIONS, "see certifications")
    wanted = status.strip().upper() if status else None
    if wanted is not None and wanted not in STATUSES:
        raise InvalidInput(f"status '{status}' is not one of: {', '.join(STATUSES)}")
    with services.transaction() as session:
        statuses = seen_by(actor.role)
        return [_row_view(session, r) for r in list_certifications(
            session, scope_for(session, actor), wanted, limit, offset,
            among=None if statuses is None else [s.value for s in statuses])]


def inbox(services: Services, actor: Actor) -> list[dict[str, Any]]:
    """Certifications waiting for this person (their own, or their role's within their partners)."""
    with services.transaction() as session:
        return [{"order": r.order_number, "status": r.status, "since": r.status_since.isoformat(),
                 "rounds": r.rounds} for r in waiting_for(session, actor.username, actor.role, actor.partners)]


async def start(services: Services, actor: Actor, number_text: str) -> CertificationView:
    """The order group starts the certification of an effective order that has none (one that took effect before
    certification existed; the sweep starts the others), or starts again one whose workflow failed or was
    terminated."""
    require(actor, Perm.START_CERTIFICATION, "start certifications")

    def order() -> tuple[str, bool]:
        with services.transaction() as session:
            number = visible_number(session, actor, number_text)
            row = session.get(Order, number)
            assert row is not None
            if row.status != OrderStatus.EFFECTIVE.value:
                raise Refused(f"order {number} is {row.status}, not EFFECTIVE: it is certified once it takes effect")
            return number, session.get(Certification, number) is not None

    number, exists = await asyncio.to_thread(order)
    client = await services.temporal()
    if exists and not await _ended_badly(client, number):
        raise Refused(f"order {number} already has a certification")
    try:
        handle = await client.start_workflow(
            CertificationWorkflow.run, CertificationInput(order_number=number, started_by=actor.username),
            id=cert_id(number), task_queue=services.settings.task_queue, id_reuse_policy=CERT_ID_REUSE,
            static_summary=f"Certification of order {number}")
    except WorkflowAlreadyStartedError:
        raise Refused(f"order {number} already has a certification") from None
    return await _opened(services, handle)


async def _ended_badly(client: Any, number: str) -> bool:
    """Its workflow failed or was terminated: started again, it goes on from its row (rounds, documents)."""
    try:
        found = await client.get_workflow_handle(cert_id(number)).describe()
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            return False
        raise
    return found.status in (WorkflowExecutionStatus.FAILED, WorkflowExecutionStatus.TERMINATED)


async def _opened(services: Services, handle: WorkflowHandle[CertificationWorkflow, CertificationView],
                  ) -> CertificationView:
    """The certification once it has read the order and written its first step, so the answer (and the row
    behind every later read) says where it stands; bounded, as every step is."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + services.settings.cli_wait_seconds
    while True:
        view = await handle.query(CertificationWorkflow.view)
        if view.status is not None or loop.time() > deadline:
            return view
        await asyncio.sleep(0.2)


async def handle_of(services: Services, number: str) -> WorkflowHandle[CertificationWorkflow, CertificationView]:
    client = await services.temporal()
    return client.get_workflow_handle_for(CertificationWorkflow.run, cert_id(number))


def _standing_in(services: Services, actor: Actor, row: Certification, step: str) -> bool:
    """The actor is the one a deactivated rep (documents) or supervisor (escalation) reports to: their
    certifications moved to them, as their orders do."""
    whose = {"documents": row.rep, "escalation": row.supervisor}.get(step)
    if not whose:
        return False
    with services.transaction() as session:
        person = session.get(User, whose)
        return person is not None and not person.active and person.reports_to == actor.username


def _may(services: Services, actor: Actor, number_text: str, step: str, perm: Perm, words: str) -> Certification:
    """The permission; without it, the actor may still stand in for the order's deactivated person or, for an
    order without a supervisor, decide as the order group (domain.certification.check_cert_step decides the rest).
    Without either, the refusal is the permission's, as before the order is looked at."""
    try:
        require(actor, perm, words)
    except NotPermitted:
        try:
            row = _visible_row(services, actor, number_text)
        except NotFound:
            row = None
        if row is None or not (_standing_in(services, actor, row, step) or (
                step == "escalation" and not row.supervisor and actor.role is Role.ORDER_GROUP)):
            raise
        return row
    return _visible_row(services, actor, number_text)


async def _step(services: Services, actor: Actor, number_text: str, step: str, update: Any, inp: Any,
                ) -> CertificationView:
    """Refuse early with the workflow's own rule, then send the update; the validator checks again."""
    row = await asyncio.to_thread(_visible_row, services, actor, number_text)
    if CertStatus(row.status) in FINAL:
        raise Refused(f"the certification of order {row.order_number} is {row.status}: it is closed")
    standing_in = await asyncio.to_thread(_standing_in, services, actor, row, step)
    check_cert_step(step, CertStatus(row.status), actor, number=row.order_number, partner=row.partner_code,
                    rep=row.rep, supervisor=row.supervisor, deputy=actor.username if standing_in else None)
    if standing_in:
        inp = inp.model_copy(update={"standing_in": True})
    handle = await handle_of(services, row.order_number)
    try:
        return await asyncio.wait_for(handle.execute_update(update, inp), timeout=services.settings.cli_wait_seconds)
    except TimeoutError:
        raise Unavailable(f"the certification of order {row.order_number} did not answer within "
                          f"{services.settings.cli_wait_seconds:g}s: is a worker running?") from None
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            raise _missing(row.order_number) from err
        raise


async def upload_document(services: Services, actor: Actor, number_text: str, kind_text: str,
                          receive: FileSource) -> CertificationView:
    """The rep uploads the licence scan or the applicant's identity document: checked as a scan is (type by
    content, size, completeness), staged in S3 under a certifications prefix, filed by the workflow's activity;
    a refused file leaves nothing staged."""
    try:
        kind = DocumentKind(kind_text.strip().lower())
    except ValueError:
        raise InvalidInput(f"document kind must be one of: {', '.join(k.value for k in DocumentKind)}") from None
    row = await asyncio.to_thread(_may, services, actor, number_text, "documents", Perm.CERTIFY_DOCUMENTS,
                                  "hand in certification documents")
    standing_in = await asyncio.to_thread(_standing_in, services, actor, row, "documents")
    check_cert_step("documents", CertStatus(row.status), actor, number=row.order_number, partner=row.partner_code,
                    rep=row.rep, supervisor=row.supervisor, deputy=actor.username if standing_in else None)
    from orderflow.s3 import sse_args, upload_staging

    s3, bucket = services.s3(), services.settings.s3_bucket
    async with receive() as path:
        inspect_local_scan(path, services.settings.scan_max_bytes, f"{kind.value} document")
        staged = await asyncio.to_thread(upload_staging, s3, bucket, path, f"certifications/{row.order_number}",
                                         sse_args(services.settings))
        inp = DocumentInput(actor=actor_ref(actor), kind=kind, file=StagedFile(
            staging_key=staged.key, size=staged.size, sha256=staged.sha256, filename=path.name))
        try:
            return await _step(services, actor, row.order_number, "documents", CertificationWorkflow.attach_document,
                               inp)
        except Unavailable:
            raise  # the step may still run, and it needs the staged file
        except Exception:
            await asyncio.to_thread(s3.delete_object, Bucket=bucket, Key=staged.key)
            raise


async def hand_in(services: Services, actor: Actor, number: str, position: str) -> CertificationView:
    text = check_text(position, TextKind.FREE_TEXT, "position", max_len=200)  # first: a bad text says why
    await asyncio.to_thread(_may, services, actor, number, "documents", Perm.CERTIFY_DOCUMENTS,
                            "hand in certification documents")
    return await _step(services, actor, number, "documents", CertificationWorkflow.hand_in,
                       HandInInput(actor=actor_ref(actor), position=text))


async def submit(services: Services, actor: Actor, number_text: str, *, name: str, address: str, phone: str,
                 note: str | None) -> CertificationView:
    """The assistant types the licensed name, address and phone as the documents show them; each must match the
    customer record (name by its key), then the certification goes to the agency."""
    require(actor, Perm.CHECK_CERTIFICATION, "check and submit certifications")
    typed = CustomerFacts(name_key(check_text(name, TextKind.LICENSED_NAME, "licensed name")),
                          check_text(address, TextKind.ADDRESS, "address"),
                          fixed_line(phone, "phone").e164)
    clean = _note(note)
    row = await asyncio.to_thread(_visible_row, services, actor, number_text)

    def record() -> CustomerFacts:
        with services.transaction() as session:
            customer = session.get(Customer, row.customer_id)
            assert customer is not None
            return CustomerFacts(customer.name_key, customer.address, customer.phone_key)

    check_cert_step("check", CertStatus(row.status), actor, number=row.order_number, partner=row.partner_code,
                    rep=row.rep, supervisor=row.supervisor)
    check_against_record(row.customer_id, typed, await asyncio.to_thread(record))
    return await _step(services, actor, row.order_number, "check", CertificationWorkflow.submit,
                       SubmitInput(actor=actor_ref(actor), note=clean))


async def return_to_rep(services: Services, actor: Actor, number: str, reasons: list[str],
                        note: str | None) -> CertificationView:
    require(actor, Perm.CHECK_CERTIFICATION, "check and submit certifications")
    clean = _note(note)
    codes = parse_reasons(reasons, clean)
    return await _step(services, actor, number, "check", CertificationWorkflow.return_to_rep,
                       ReturnInput(actor=actor_ref(actor), reasons=codes, note=clean))


def _note(note: str | None) -> str | None:
    return (check_text(note, TextKind.FREE_TEXT, "note", max_len=1000, required=False) or None) if note else None


def answer_input(actor_ref_: Any, passed: bool, reasons: list[str], note: str | None) -> AnswerInput:
    clean = _note(note)
    if passed and reasons:
        raise InvalidInput("a pass carries no failure reasons")
    codes = [] if passed else parse_reasons(reasons, clean)
    return AnswerInput(actor=actor_ref_, passed=passed, reasons=codes, note=clean)


async def answer(services: Services, actor: Actor, number: str, *, passed: bool, reasons: list[str],
                 note: str | None) -> CertificationView:
    """The agency's clerk keys in its answer: pass, or fail with reason codes."""
    require(actor, Perm.ANSWER_CERTIFICATION, "answer for the certification agency")
    return await _step(services, actor, number, "answer", CertificationWorkflow.answer,
                       answer_input(actor_ref(actor), passed, reasons, note))


async def decide(services: Services, actor: Actor, number: str, *, allow: bool, note: str) -> CertificationView:
    """The order's supervisor, once the rounds are used up: one more round, or close it as failed."""
    text = check_text(note, TextKind.FREE_TEXT, "note", max_len=1000)  # first: a bad text says why
    await asyncio.to_thread(_may, services, actor, number, "escalation", Perm.DECIDE_CERTIFICATION,
                            "decide escalated certifications")
    return await _step(services, actor, number, "escalation", CertificationWorkflow.decide_escalation,
                       EscalationInput(actor=actor_ref(actor), allow=allow, note=text))
