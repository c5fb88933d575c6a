"""What an endpoint can ask for: the services, the signed-in actor, a page, an idempotency key."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request, Response

from domain.errors import InvalidInput, NotAuthenticated
from domain.people import Actor
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


def page_params(limit: Annotated[int, Query(ge=1, le=500, description="Rows per page.")] = 100,
                offset: Annotated[int, Query(ge=0, description="Rows to skip.")] = 0) -> PageParams:
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


def idempotency_key(key: Annotated[str | None, Header(alias="Idempotency-Key",
                                                      description="A retried step with the same key applies once.")]
                    = None) -> str | None:
    if key is not None and not _KEY.fullmatch(key):
        raise InvalidInput("Idempotency-Key must be 1-64 letters, digits, '.', '_', ':' or '-'")
    return key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
