"""Every route of the desk behind its two doors: without a live session a page sends the browser to sign in
(an upload is answered 401), and a form or upload without this session's CSRF token, or from another site's
page, is refused with nothing changed. A desk route missing from ROUTES fails the build."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from db.models import Base
from tests.desk.conftest import BASE, Desk

# "METHOD /path/{param}" as the app declares it -> a concrete path to send it to. Each part of the desk adds its own.
ROUTES: dict[str, str] = {
    "GET /desk": "/desk",
    "GET /desk/login": "/desk/login",
    "POST /desk/login": "/desk/login",
    "POST /desk/logout": "/desk/logout",
    "GET /desk/lang/{code}": "/desk/lang/en",
    "GET /desk/inbox": "/desk/inbox",
    "GET /desk/orders": "/desk/orders",
    "GET /desk/orders/new": "/desk/orders/new",
    "POST /desk/orders/new": "/desk/orders/new",
    "GET /desk/orders/{number}": "/desk/orders/BJ100001",
    "GET /desk/orders/{number}/file": "/desk/orders/BJ100001/file",
    "POST /desk/orders/{number}/{step}": "/desk/orders/BJ100001/receive",
    "PUT /desk/orders/{number}/scan": "/desk/orders/BJ100001/scan?filename=a.pdf&key=k1",
    # >>> scans and team (helper C)
    "GET /desk/scans": "/desk/scans",
    "GET /desk/scans/check": "/desk/scans/check?number=BJ100001",
    "GET /desk/team": "/desk/team",
    # <<< scans and team
    # >>> customers (helper A)
    "GET /desk/customers": "/desk/customers",
    "POST /desk/customers": "/desk/customers",
    "POST /desk/customers/check": "/desk/customers/check",
    "GET /desk/customers/pool": "/desk/customers/pool",
    "POST /desk/customers/claim": "/desk/customers/claim",
    "POST /desk/customers/transfer-in": "/desk/customers/transfer-in",
    "GET /desk/customers/{customer_id}": "/desk/customers/1",
    "POST /desk/customers/{customer_id}/notes": "/desk/customers/1/notes",
    "POST /desk/customers/{customer_id}/hand-over": "/desk/customers/1/hand-over",
    # <<< customers
    # >>> finance (helper B)
    "GET /desk/finance": "/desk/finance",
    "PUT /desk/finance/statements": "/desk/finance/statements?filename=s.csv",
    "GET /desk/finance/statements/{upload_id}": "/desk/finance/statements/AAAAAAAAAAAAAAAAAAAAAA",
    "POST /desk/finance/statements/{upload_id}": "/desk/finance/statements/AAAAAAAAAAAAAAAAAAAAAA",
    "POST /desk/finance/match": "/desk/finance/match",
    "POST /desk/finance/unmatch": "/desk/finance/unmatch",
    # <<< finance
}
# Open to anyone: the sign-in page and its form (CSRF-checked by its own cookie), the language switch.
OPEN = {"GET /desk", "GET /desk/login", "POST /desk/login", "GET /desk/lang/{code}"}


def desk_routes() -> set[str]:
    from web.app import routers

    return {f"{method} {route.path}" for each in routers() for route in each.routes if isinstance(route, APIRoute)
            for method in route.methods}


def test_every_desk_route_is_listed() -> None:
    assert desk_routes() == set(ROUTES), "a desk route is missing from ROUTES (or gone)"


def _rows(desk: Desk) -> dict[str, int]:
    from sqlalchemy import func, select

    with desk.api.services.transaction() as session:
        return {t.name: session.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables if t.name not in ("auth_events", "auth_attempts", "api_tokens")}


async def _send(http: Any, route: str, **extra: Any) -> Any:
    method = route.split(" ")[0]
    path = ROUTES[route]
    if method == "PUT":
        return await http.put(path, content=b"%PDF-1.4 x", headers={"Content-Type": "application/pdf",
                                                                     **extra.get("headers", {})})
    if method == "POST":
        return await http.post(path, data=extra.get("data", {"note": "x"}))
    return await http.get(path)


@pytest.mark.parametrize("route", sorted(set(ROUTES) - OPEN))
async def test_no_session_no_page(desk: Desk, route: str) -> None:
    before = _rows(desk)
    answer = await _send(desk.browser(), route)
    if route.startswith("PUT"):
        assert answer.status_code == 401, answer.text
    else:
        assert answer.status_code == 303 and answer.headers["location"].startswith("/desk/login"), answer.text
    assert _rows(desk) == before


@pytest.mark.parametrize("route", sorted(r for r in set(ROUTES) - OPEN if not r.startswith("GET")))
async def test_a_form_without_the_sessions_token_changes_nothing(desk: Desk, route: str) -> None:
    amy = await desk.person("amy")
    before = _rows(desk)
    for data, headers in (({"note": "x"}, {}), ({"note": "x", "csrf": "0" * 64}, {"X-CSRF-Token": "0" * 64})):
        answer = await _send(amy.http, route, data=data, headers=headers)
        assert answer.status_code == 403, f"{route}: {answer.status_code} {answer.text[:200]}"
    page = await amy.get("/desk/inbox")
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    elsewhere = {"Origin": "https://evil.example"}  # the right token, sent from another site's page
    answer = await amy.http.post(ROUTES[route], data={"csrf": token}, headers=elsewhere) \
        if route.startswith("POST") else await amy.http.put(ROUTES[route], content=b"x",
                                                              headers={"X-CSRF-Token": token, **elsewhere})
    assert answer.status_code == 403, f"{route} from another site: {answer.status_code}"
    assert _rows(desk) == before
    assert BASE  # the desk's own origin is the one the clients send
