"""Sign-in over HTTP: the token is the only way in, and nothing says who exists."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from db.models import User
from db.org_repo import set_active
from tests.api.conftest import PASSWORD, ApiHarness


async def test_no_token_a_malformed_a_revoked_or_a_deactivated_users_token_is_401(api: ApiHarness) -> None:
    assert (await api.client().get("/auth/whoami")).status_code == 401
    for bad in ("nonsense", "oft_" + "a" * 43 + "_00000000", "Basic abc"):
        answer = await api.client(token=bad).get("/auth/whoami")
        assert answer.status_code == 401 and answer.json()["error"] == "unauthenticated"
        assert answer.headers["www-authenticate"] == "Bearer"
    amy = api.client("amy")
    me = (await amy.get("/auth/whoami")).json()
    assert me["username"] == "amy" and me["role"] == "assistant" and me["partners"] == ["BJ"]
    assert (await amy.post("/auth/logout")).status_code == 204
    assert (await amy.get("/auth/whoami")).status_code == 401
    bob = api.client("bob")
    assert (await bob.get("/auth/whoami")).status_code == 200
    with api.services.transaction() as session:
        user = session.get(User, "bob")
        assert user is not None
        set_active(session, user, False, "mike", datetime.now(UTC))
    assert (await bob.get("/auth/whoami")).status_code == 401


async def test_login_gives_a_token_and_the_same_answer_for_unknown_users(api: ApiHarness) -> None:
    api.token("olga")  # sets olga's password
    anon = api.client()
    good = await anon.post("/auth/login", json={"username": "olga", "password": PASSWORD, "label": "laptop"})
    assert good.status_code == 200 and good.json()["token"].startswith("oft_")
    wrong = await anon.post("/auth/login", json={"username": "olga", "password": "nope nope nope"})
    unknown = await anon.post("/auth/login", json={"username": "nobody", "password": "nope nope nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"error": "unauthenticated", "message": "wrong username or password"}
    extra = await anon.post("/auth/login", json={"username": "olga", "password": PASSWORD, "as": "dora"})
    assert extra.status_code == 422 and extra.json()["error"] == "invalid"
    not_json = await anon.post("/auth/login", content=b"{not json", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 400 and not_json.json()["error"] == "bad_request"


async def test_brute_force_locks_the_account_with_429_and_retry_after(api: ApiHarness) -> None:
    api.token("fay")
    anon = api.client()
    for _ in range(api.services.settings.signin_account_failures):
        assert (await anon.post("/auth/login", json={"username": "fay", "password": "guess guess"})).status_code == 401
    locked = await anon.post("/auth/login", json={"username": "fay", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert locked.json()["error"] == "throttled"


async def test_tokens_list_and_revoke_only_ones_own(api: ApiHarness) -> None:
    amy, bob = api.client("amy"), api.client("bob")
    mine = (await amy.get("/auth/tokens")).json()
    assert [t["current"] for t in mine] == [True] and "token" not in mine[0]
    bobs = (await bob.get("/auth/tokens")).json()[0]["id"]
    assert (await amy.delete(f"/auth/tokens/{bobs}")).status_code == 404
    assert (await bob.get("/auth/whoami")).status_code == 200
    assert (await bob.delete(f"/auth/tokens/{bobs}")).status_code == 204
    assert (await bob.get("/auth/whoami")).status_code == 401


async def test_secrets_stay_out_of_logs_and_bodies(api: ApiHarness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.token("amy")  # sets amy's password
    anon = api.client()
    # The token checked is the one the app itself issued and answered, then carried back in by the client.
    issued = await anon.post("/auth/login", json={"username": "amy", "password": PASSWORD})
    token = issued.json()["token"]
    assert issued.status_code == 200 and token.startswith("oft_")
    assert (await anon.post("/auth/login", json={"username": "amy", "password": "a wrong one, typed"})
            ).status_code == 401
    assert (await api.client(token=token).get("/auth/whoami")).status_code == 200
    logged = caplog.text
    assert token not in logged and PASSWORD not in logged and "a wrong one, typed" not in logged
    assert "GET /auth/whoami 200 amy" in logged


async def test_cors_is_closed_unless_configured(api: ApiHarness) -> None:
    anon = api.client()
    preflight = await anon.options("/auth/login", headers={"Origin": "http://evil.example",
                                                          "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


async def test_openapi_declares_the_error_body(api: ApiHarness) -> None:
    spec = (await api.client().get("/openapi.json")).json()
    login = spec["paths"]["/auth/login"]["post"]
    assert {"401", "422", "429"} <= set(login["responses"])
    assert (await api.client().get("/docs")).status_code == 200
