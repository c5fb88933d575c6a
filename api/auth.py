"""Sign-in over HTTP: a password for a token, a setup code for a first password, and the token's own life."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from api.deps import DB_INT_MAX, Auth, Body, Svc
from api.errors import ERROR_RESPONSES
from services import auth

router = APIRouter(prefix="/auth", tags=["sign-in"], responses=ERROR_RESPONSES)


class Login(Body):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    label: str = Field(default="orderflow CLI", max_length=100, description="Shown in `orderflow tokens list`.")


class Setup(Body):
    username: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=64, description="The one-time code printed when the account opened.")
    password: str = Field(min_length=1, max_length=1024)


class IssuedToken(BaseModel):
    token: str = Field(description="Shown once: send it as `Authorization: Bearer <token>`.")
    token_id: int
    username: str
    label: str
    expires_at: str


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post("/login", response_model=IssuedToken, summary="Exchange a password for an API token")
def login(body: Login, request: Request, services: Svc) -> dict[str, Any]:
    return auth.login(services, body.username, body.password, _address(request), body.label)


@router.post("/setup", status_code=204, summary="Set a first password with the account's one-time setup code")
def setup(body: Setup, request: Request, services: Svc) -> Response:
    auth.complete_setup(services, body.username, body.code, body.password, _address(request))
    return Response(status_code=204)


@router.post("/logout", status_code=204, summary="Revoke the token this request carries")
def logout(who: Auth, request: Request, services: Svc) -> Response:
    auth.logout(services, who, _address(request))
    return Response(status_code=204)


@router.get("/whoami", summary="The signed-in user, their role and scope, and this token")
def whoami(who: Auth, services: Svc) -> dict[str, Any]:
    return auth.whoami(services, who)


@router.get("/tokens", summary="Your live tokens")
def tokens(who: Auth, services: Svc) -> list[dict[str, Any]]:
    return auth.list_tokens(services, who)


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke one of your tokens")
def revoke(token_id: Annotated[int, Path(ge=1, le=DB_INT_MAX)], who: Auth, request: Request, services: Svc) -> Response:
    auth.revoke_token(services, who, token_id, _address(request))
    return Response(status_code=204)
