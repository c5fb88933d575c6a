"""Certifications (认证) over HTTP: each route parses, then calls one service function. An order outside your
scope answers 404, as one without a certification. `POST /certifications/agency-callback` is the agency's signed
callback: no token, an HMAC signature instead (services/agency_callback.py)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import Field

from api.deps import Body, CurrentActor, Page, Svc, paged
from api.errors import ERROR_RESPONSES
from api.uploads import FILE_TYPES, check_content_type, received_file, safe_filename
from orderflow.certification_contracts import ShownCertification
from services import agency_callback, certifications
from services.agency_callback import CallbackAnswer

router = APIRouter(prefix="/certifications", tags=["certifications"], responses=ERROR_RESPONSES)

Number = Annotated[str, Path(min_length=1, max_length=32, description="The order's number, e.g. BJ100001.")]
Note = Annotated[str, Field(max_length=1000)]
Code = Annotated[str, Field(max_length=64)]


class HandIn(Body):
    position: str = Field(max_length=200, description="The applicant's position, as the employment confirmation "
                                                      "states it (e.g. 总经理).")


class Submit(Body):
    name: str = Field(max_length=400, description="The licensed company name as the licence shows it,")
    address: str = Field(max_length=800, description="the address,")
    phone: str = Field(max_length=64, description="and the fixed phone: each must match the customer record.")
    note: Note | None = None


class Return(Body):
    reasons: list[Code] = Field(max_length=10, description="Reason codes: name_mismatch, licence_expired_or_revoked, "
                                                           "applicant_unreachable, illegible, other.")
    note: Note | None = Field(default=None, description="Needed with 'other'.")


class Answer(Body):
    passed: bool = Field(description="true: the agency certified the customer; false: it failed, with reasons.")
    reasons: list[Code] = Field(default=[], max_length=10)
    note: Note | None = None


class Escalation(Body):
    decision: Literal["allow", "close"] = Field(description="allow one more round, or close it as failed.")
    note: Note


@router.post("/agency-callback", response_model=CallbackAnswer,
             summary="The certification agency's signed answer (HMAC; no token)")
async def agency_answer(request: Request, services: Svc,
                        timestamp: Annotated[str | None, Header(alias="X-Orderflow-Timestamp", max_length=20)] = None,
                        signature: Annotated[str | None, Header(alias="X-Orderflow-Signature",
                                                                max_length=128)] = None) -> CallbackAnswer:
    body = await request.body()
    return await agency_callback.receive(services, body, timestamp, signature)


@router.get("", summary="Certifications within your scope, the longest waiting first")
def list_certifications(actor: CurrentActor, services: Svc, page: Page, request: Request, response: Response,
                        status: Annotated[str | None, Query(max_length=32)] = None) -> list[dict[str, Any]]:
    rows = certifications.listing(services, actor, status=status, limit=page.fetch, offset=page.offset)
    return paged(rows, page, request, response)


@router.get("/{number}", summary="One order's certification: status, rounds, reasons, documents (hashes only)")
def show(number: Number, actor: CurrentActor, services: Svc) -> dict[str, Any]:
    return certifications.show(services, actor, number)


@router.post("/{number}/start", status_code=201, response_model=ShownCertification,
             summary="Start the certification of an order that took effect before certification existed")
async def start(number: Number, actor: CurrentActor, services: Svc) -> ShownCertification:
    return ShownCertification.of(await certifications.start(services, actor, number))


@router.put("/{number}/documents/{kind}", response_model=ShownCertification,
            summary="Upload the licence scan or the applicant's identity document (the body is the file)")
async def upload(number: Number, kind: Annotated[str, Path(max_length=16, description="licence or identity")],
                 request: Request, actor: CurrentActor, services: Svc,
                 filename: Annotated[str, Query(min_length=1, max_length=200)]) -> ShownCertification:
    check_content_type(request, FILE_TYPES, "document", "application/octet-stream")
    name = safe_filename(filename, "document")
    limit = services.settings.scan_max_bytes
    return ShownCertification.of(await certifications.upload_document(
        services, actor, number, kind, lambda: received_file(request, name, limit, "document")))


@router.post("/{number}/hand-in", response_model=ShownCertification,
             summary="Hand in the documents with the applicant's position (the order's rep)")
async def hand_in(number: Number, body: HandIn, actor: CurrentActor, services: Svc) -> ShownCertification:
    return ShownCertification.of(await certifications.hand_in(services, actor, number, body.position))


@router.post("/{number}/submit", response_model=ShownCertification,
             summary="Checked against the customer record: submit to the agency (the partner's assistant)")
async def submit(number: Number, body: Submit, actor: CurrentActor, services: Svc) -> ShownCertification:
    return ShownCertification.of(await certifications.submit(
        services, actor, number, name=body.name, address=body.address, phone=body.phone, note=body.note))


@router.post("/{number}/return", response_model=ShownCertification,
             summary="Return to the rep with reasons (the partner's assistant)")
async def return_to_rep(number: Number, body: Return, actor: CurrentActor, services: Svc) -> ShownCertification:
    return ShownCertification.of(await certifications.return_to_rep(services, actor, number, body.reasons, body.note))


@router.post("/{number}/answer", response_model=ShownCertification,
             summary="Key in the agency's answer: pass, or fail with reasons (认证机构)")
async def answer(number: Number, body: Answer, actor: CurrentActor, services: Svc) -> ShownCertification:
    return ShownCertification.of(await certifications.answer(
        services, actor, number, passed=body.passed, reasons=body.reasons, note=body.note))


@router.post("/{number}/escalation", response_model=ShownCertification,
             summary="Rounds used up: allow one more, or close it as failed (the order's supervisor)")
async def escalation(number: Number, body: Escalation, actor: CurrentActor, services: Svc) -> ShownCertification:
    return ShownCertification.of(await certifications.decide(
        services, actor, number, allow=body.decision == "allow", note=body.note))
