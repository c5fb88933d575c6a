"""Special follow-ups (其它特殊问题跟进) over HTTP: each route parses, then calls one service function."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field

from api.deps import DB_INT_MAX, Body, CurrentActor, Day, IdempotencyKey, Page, Svc, paged
from api.errors import ERROR_RESPONSES
from api.uploads import FILE_TYPES, check_content_type, received_file, safe_filename
from domain.errors import InvalidInput
from orderflow.follow_up_contracts import FollowUpView
from services import follow_up_open, follow_up_reads, follow_ups

router = APIRouter(prefix="/follow-ups", tags=["follow-ups"], responses=ERROR_RESPONSES)

CaseId = Annotated[str, Path(max_length=32, description="The case id, e.g. 261130-3fa2b1.")]


class NewFollowUp(Body):
    type: str = Field(max_length=16, description="dispute, invoice, refund, name_change, complaint or other.")
    order: str | None = Field(None, max_length=32, description="The order the case is about, or")
    customer: int | None = Field(None, ge=1, le=DB_INT_MAX, description="the customer it is about.")
    description: str = Field(max_length=8000, description="What the customer asks or disputes.")
    assignee: str | None = Field(None, max_length=64, description="A username, or a desk such as desk:finance "
                                                                   "(a refund goes to desk:finance).")
    due_on: Day = Field(description="The Beijing day it is due, from today on.")
    new_name: str | None = Field(None, max_length=400, description="A name change's new licensed name.")
    confirm_distinct: bool = Field(False, description="A similar name really is a different company.")


class FollowUpComment(Body):
    text: str = Field(max_length=8000)


class FollowUpAssign(Body):
    assignee: str = Field(max_length=64, description="A username, or a desk such as desk:finance.")
    reason: str = Field(max_length=2000)


class FollowUpDue(Body):
    due_on: Day = Field(description="The new Beijing due day.")


class FollowUpClose(Body):
    outcome: str = Field(max_length=16, description="resolved, declined or withdrawn.")
    resolution: str = Field(max_length=8000, description="What was done.")
    reference: str | None = Field(None, max_length=200, description="A refund's payment reference.")


def _required(day: date | None) -> date:
    if day is None:
        raise InvalidInput("due_on is required: the Beijing day the case is due, YYYY-MM-DD")
    return day


@router.post("", status_code=201, response_model=FollowUpView)
async def open_follow_up(body: NewFollowUp, actor: CurrentActor, services: Svc, key: IdempotencyKey) -> object:
    """Open a case on an order or a customer you may see, with a type, an assignee and a due date; a retry under
    the same Idempotency-Key answers with the case its first attempt opened."""
    fields = body.model_dump()
    return await follow_up_open.open_case(services, actor, due_on=_required(fields.pop("due_on")), key=key, **fields)


@router.get("", response_model=list[dict[str, Any]])
def list_follow_ups(actor: CurrentActor, services: Svc, page: Page, request: Request, response: Response,
                    status: Annotated[str | None, Query(max_length=16, description="OPEN or CLOSED.")] = "OPEN",
                    type: Annotated[str | None, Query(max_length=16, description="Only this type.")] = None,
                    waiting: Annotated[bool, Query(description="Only those waiting for you or your desk.")] = False,
                    ) -> object:
    """Cases you may see, soonest due first."""
    return paged(follow_up_reads.list_follow_ups(services, actor, status=status, kind=type, waiting=waiting,
                                                 limit=page.fetch, offset=page.offset), page, request, response)


@router.get("/{case_id}", response_model=dict[str, Any])
def show_follow_up(case_id: CaseId, actor: CurrentActor, services: Svc) -> object:
    """One case: its comments, attachments and events (who did what when)."""
    return follow_up_reads.show(services, actor, case_id)


@router.post("/{case_id}/comments", response_model=FollowUpView)
async def comment(case_id: CaseId, body: FollowUpComment, actor: CurrentActor, services: Svc,
                  key: IdempotencyKey) -> object:
    return await follow_ups.comment(services, actor, case_id, text=body.text, key=key)


@router.put("/{case_id}/attachments", response_model=FollowUpView,
            summary="Attach a file to the case (the body is the file: PDF, JPEG, PNG or TIFF)")
async def attach(case_id: CaseId, request: Request, actor: CurrentActor, services: Svc,
                 filename: Annotated[str | None, Query(max_length=255, description="The file's name.")] = None,
                 ) -> object:
    check_content_type(request, FILE_TYPES, "attachment", "application/octet-stream")
    name = safe_filename(filename, "attachment")
    limit = services.settings.scan_max_bytes
    return await follow_ups.attach(services, actor, case_id, lambda: received_file(request, name, limit,
                                                                                   "attachment"))


@router.post("/{case_id}/assign", response_model=FollowUpView)
async def assign(case_id: CaseId, body: FollowUpAssign, actor: CurrentActor, services: Svc,
                 key: IdempotencyKey) -> object:
    """Reassign to an active person in scope or a desk; a new wait starts."""
    return await follow_ups.assign(services, actor, case_id, assignee=body.assignee, reason=body.reason,
                                   key=key)


@router.post("/{case_id}/due", response_model=FollowUpView)
async def set_due(case_id: CaseId, body: FollowUpDue, actor: CurrentActor, services: Svc,
                  key: IdempotencyKey) -> object:
    """Change the due date; a new wait starts."""
    return await follow_ups.set_due(services, actor, case_id, due_on=_required(body.due_on), key=key)


@router.post("/{case_id}/close", response_model=FollowUpView)
async def close(case_id: CaseId, body: FollowUpClose, actor: CurrentActor, services: Svc,
                key: IdempotencyKey) -> object:
    """Close with an outcome and a resolution (a refund: its reference)."""
    return await follow_ups.close(services, actor, case_id, outcome=body.outcome, resolution=body.resolution,
                                  reference=body.reference, key=key)
