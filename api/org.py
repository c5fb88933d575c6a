"""The organisation over HTTP: the team, agency sales accounts, the org file, the inbox, credits and ops views."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import Body, CurrentActor, Day, Page, Svc, paged
from api.errors import ERROR_RESPONSES
from api.uploads import YAML_TYPES, check_content_type, received_file, safe_filename
from services import accounts, ops, org, views

router = APIRouter(tags=["organisation"], responses=ERROR_RESPONSES)

Username = Annotated[str, Path(min_length=1, max_length=64)]
# What an org file may be sent as; anything else (a form, an image) is refused before it is read.


class OpenAccount(Body):
    username: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    partner: str = Field(min_length=1, max_length=16, description="The agency (channel partner) the rep sells for.")
    regions: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(min_length=1, max_length=50)
    reports_to: str | None = Field(default=None, max_length=64, description="The rep's supervisor.")


class OpenedAccount(BaseModel):
    username: str
    partner: str
    regions: list[str]
    setup_code: str = Field(description="Shown once: the rep sets a first password with it (`POST /auth/setup`).")
    setup_code_days: int


class CloseAccount(Body):
    reason: str = Field(min_length=1, max_length=500)


class ClosedAccount(BaseModel):
    username: str
    customers_to_partner: int  # to the partner account's own warehouse, which hands them on (转移)
    customers_to_pool: int
    open_orders: list[str] = []  # the leaver's open orders, for the partner or the manager to reassign


class OrgLoaded(BaseModel):
    partners: int
    users: int
    deactivated: list[str]
    open_orders: dict[str, list[str]] = Field(
        default={}, description="Each user deactivated by this load, with their open orders (maybe none), for the "
        "partner account or the manager to reassign, as when an account is closed.")


class CreditRow(BaseModel):
    order: str
    rep: str
    partner: str
    kind: str
    amount: str
    effective_on: str
    customer: int


class SavedQuery(BaseModel):
    name: str
    query: str
    url: str


@router.get("/team", summary="Your subordinates' contact counts and latest sales notes")
def team(actor: CurrentActor, services: Svc,
         since: Annotated[Day, Query(description="YYYY-MM-DD; default 30 days ago.")] = None) -> Any:
    return accounts.team(services, actor, since)


@router.post("/users", status_code=201, response_model=OpenedAccount,
             summary="Open an agency sales account in your scope; answers its one-time setup code")
def open_account(body: OpenAccount, actor: CurrentActor, services: Svc) -> Any:
    return accounts.open_account(services, actor, body.username, body.name, body.partner, body.regions,
                                 body.reports_to)


@router.post("/users/{username}/close", response_model=ClosedAccount,
             summary="Close an agency sales account: its tokens die and its customers go to the public pool")
def close_account(username: Username, body: CloseAccount, actor: CurrentActor, services: Svc) -> Any:
    return accounts.close_account(services, actor, username, body.reason)


@router.put("/org", response_model=OrgLoaded, summary="Reload the org file (the YAML is the body; a director)",
            openapi_extra={"requestBody": {"required": True, "content": {"application/yaml": {
                "schema": {"type": "string"}}}}})
async def reload_org(request: Request, actor: CurrentActor, services: Svc,
                     filename: Annotated[str | None, Query(max_length=200)] = None) -> Any:
    check_content_type(request, YAML_TYPES, "org file", "application/yaml")
    name = safe_filename(filename, "org.yaml")
    return await org.receive_org(
        services, actor, lambda: received_file(request, name, services.settings.api_max_body_bytes, "org file"), name)


@router.get("/inbox", summary="Orders waiting for you, your deactivated reports' tasks, your notifications")
def inbox(actor: CurrentActor, services: Svc) -> Any:
    return views.inbox(services, actor)


@router.get("/credits", response_model=list[CreditRow], summary="Commission credits of effective orders in scope")
def credits(actor: CurrentActor, services: Svc, page: Page, request: Request, response: Response,
            rep: Annotated[str | None, Query(max_length=64, description="Only this rep's credits.")] = None,
            month: Annotated[str | None, Query(max_length=16, description="YYYY-MM, by effective date.")] = None,
            ) -> Any:
    rows = views.credits(services, actor, rep, month, limit=page.fetch, offset=page.offset)
    return paged(rows, page, request, response)


@router.get("/ops/queries", response_model=list[SavedQuery], tags=["ops"],
            summary="Ready-made Temporal Web UI list queries, with links")
def ops_queries(actor: CurrentActor, services: Svc, page: Page, request: Request, response: Response,
                partner: Annotated[str | None, Query(max_length=16)] = None,
                user: Annotated[str | None, Query(max_length=64)] = None) -> Any:
    rows = ops.saved_queries(services, actor, partner, user, limit=page.fetch, offset=page.offset)
    return paged(rows, page, request, response)


@router.get("/ops/report", tags=["ops"],
            summary="Counts by status and partner, ageing, the oldest orders and SLA breaches, in your scope")
def ops_report(actor: CurrentActor, services: Svc,
               partner: Annotated[str | None, Query(max_length=16, description="Only this partner's orders.")] = None,
               as_of: Annotated[Day, Query(description="YYYY-MM-DD: the end of that day, Beijing time.")]
               = None,
               html: Annotated[bool, Query(description="Also the self-contained HTML page, under `html`.")] = False,
               ) -> Any:
    return ops.ops_report(services, actor, partner, as_of, html)
