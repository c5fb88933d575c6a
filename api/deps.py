"""What an endpoint can ask for: the services, the signed-in actor, a page, an idempotency key; and the bounds
every request body, id and date shares, so that odd input is a 422 and never a 500 from the database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from domain.errors import InvalidInput, NotAuthenticated
from domain.people import Actor
from domain.text import describe
from services.auth import Authenticated, authenticate
from services.context import Services


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


Svc = Annotated[Services, Depends(get_services)]


def bearer_token(request: Request) -> str:
    """The one place a request's credential is read (a single sign-on would be added here)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("sign in first: this needs a token (`orderflow login`)")
    return token.strip()


def current_auth(request: Request, services: Svc) -> Authenticated:
    found = authenticate(services, bearer_token(request))
    request.state.username = found.actor.username  # for the access log: the user, never the token
    return found


Auth = Annotated[Authenticated, Depends(current_auth)]


def current_actor(auth: Auth) -> Actor:
    return auth.actor


# Every route that acts or reads takes this: the actor comes from the verified token, never from the body.
CurrentActor = Annotated[Actor, Depends(current_actor)]


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int

    @property
    def fetch(self) -> int:
        """Ask the store for one row more than the page: its presence says a next page exists."""
        return self.limit + 1


# The largest id or offset any column or query here takes (PostgreSQL's INTEGER): beyond it the driver fails.
DB_INT_MAX = 2**31 - 1


def page_params(limit: Annotated[int, Query(ge=1, le=500, description="Rows per page.")] = 100,
                offset: Annotated[int, Query(ge=0, le=DB_INT_MAX, description="Rows to skip.")] = 0) -> PageParams:
    return PageParams(limit, offset)


Page = Annotated[PageParams, Depends(page_params)]


def paged(rows: list[Any], page: PageParams, request: Request, response: Response) -> list[Any]:
    """Cut the rows to the page; when more exist, a `Link: <...>; rel="next"` header names the next page."""
    if len(rows) > page.limit:
        following = request.url.include_query_params(limit=page.limit, offset=page.offset + page.limit)
        response.headers["Link"] = f'<{following.path}?{following.query}>; rel="next"'
        rows = rows[:page.limit]
    return rows


_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def idempotency_key(actor: CurrentActor,
                    key: Annotated[str | None, Header(alias="Idempotency-Key",
                                                      description="A retried step with the same key applies once.")]
                    = None) -> str | None:
    """The key as the Temporal update id, in the signed-in user's own namespace: one user's key can never
    answer another's request with the first one's result, nor take an id the server sends its own steps under
    (`pay-line-...`), which would make a later payment a silent no-op."""
    return None if key is None else scoped_key(actor.username, key)


def scoped_key(username: str, key: str) -> str:
    """A client's idempotency key as the update id (the API's header, the desk's hidden field)."""
    if not _KEY.fullmatch(key):
        raise InvalidInput("Idempotency-Key must be 1-64 letters, digits, '.', '_', ':' or '-'")
    return f"key/{username}/{key}"


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]


def _refuse_unstorable(value: Any, where: str = "a text field") -> None:
    """NUL and lone surrogates pass JSON but no database can store them (PostgreSQL fails on them)."""
    if isinstance(value, str):
        bad = next((ch for ch in value if ch == "\x00" or "\ud800" <= ch <= "\udfff"), None)
        if bad is not None:
            raise ValueError(f"{where} contains {describe(bad)}, which no text may contain")
    elif isinstance(value, dict):
        for k, v in value.items():
            _refuse_unstorable(k, "a field name")
            _refuse_unstorable(v, f"the field '{k}'" if isinstance(k, str) and k.isidentifier() else where)
    elif isinstance(value, list):
        for v in value:
            _refuse_unstorable(v, where)


class Body(BaseModel):
    """Every request body: unknown fields are refused (an `actor` or `as` in a body is a 422, never obeyed), and
    so is text no database can store."""
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        _refuse_unstorable(data)
        return data


class Reasoned(Body):
    """A step whose body is only its reason (audited): the step's description says what the reason is about."""
    reason: str = Field(max_length=4000, description="Why the step is taken: the step's description says what about.")


def _plausible_day(day: date | None) -> date | None:
    """Dates far outside the business's life overflow date arithmetic (the day after 9999-12-31)."""
    if day is not None and not date(1900, 1, 1) <= day <= date(9000, 12, 31):
        raise ValueError("the date must lie between 1900-01-01 and 9000-12-31")
    return day


Day = Annotated[date | None, AfterValidator(_plausible_day)]
