"""Bad input and attacks over HTTP (issue 15), on the in-process harness with real tokens: guessed order
numbers, customer ids, scan versions and bank references answer exactly like missing ones; unknown and
actor-like fields, oversized bodies (declared or chunked), wrong upload types, path tricks and bad
Idempotency-Keys are refused; odd path and query values never reach a 500; no token, password or setup code
reaches a log, a response (but the one that issues it) or a Temporal history; CORS is closed unless
configured. Every refused request leaves the store exactly as it was."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from temporalio.api.common.v1 import Payload
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.uploads import safe_filename
from cli import config as cli_config
from cli.runtime import _next_link
from db.auth_models import AuthEvent
from db.customer_repo import add_customer
from db.models import Base, Customer, Order, User
from domain.errors import InvalidInput
from domain.people import Role
from orderflow.settings import Settings
from services.auth import _network
from services.context import Services
from tests.api.conftest import PASSWORD, ApiHarness, SignedIn, harness
from tests.dates import today
from tests.helpers import entry, eventually, pdf_bytes

PDF = pdf_bytes(3000)
SIGN = {"customer": 1, "product": "Ads", "kind": "new", "amount": "1000"}


@pytest.fixture(scope="module")
async def world(dev_env: WorkflowEnvironment, s3_endpoint: str,
                tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ApiHarness]:
    """BJ100001 (alice's, scanned, at the second review), BJ100002 (issued), BJ100003 (awaiting its scan),
    BJ100004 (awaiting its original); SH200001 (carol's, issued); customer 1 (alice's, BJ) and 2 (carol's, SH);
    bank line ATK-1 (open)."""
    async with harness(dev_env, s3_endpoint, tmp_path_factory.mktemp("attacks")) as api:
        with api.services.transaction() as session:
            add_customer(session, entry("浦江贸易有限公司", "021-66660007", "021-66660008", region="上海"),
                         owner="carol", role=Role.SALES, partner="SH", at=datetime.now(UTC) - timedelta(days=1))
        amy, alice, sue = api.client("amy"), api.client("alice"), api.client("sue")
        for n in ("BJ100001", "BJ100002", "BJ100003", "BJ100004"):
            await _ok(amy.post("/orders", json={"rep": "alice", "number": n}))
        for n in ("BJ100001", "BJ100003", "BJ100004"):
            await _ok(alice.post(f"/orders/{n}/sign", json=SIGN))
        for n in ("BJ100001", "BJ100003"):
            await _ok(amy.post(f"/orders/{n}/receive"))
            await _ok(amy.post(f"/orders/{n}/approve"))
        await _ok(amy.put("/orders/BJ100001/scan", params={"filename": "s.pdf"}, content=PDF,
                          headers={"Content-Type": "application/pdf"}))
        await _ok(sue.post("/orders", json={"rep": "carol", "number": "SH200001"}))
        statement = ("value date,amount,payer name,payer account,bank reference,memo\n"
                     f"{today().isoformat()},333.00,美来尔工程技术有限公司,1,ATK-1,\n").encode()
        await _ok(api.client("fay").put("/payments/statements", params={"filename": "s.csv"}, content=statement,
                                        headers={"Content-Type": "text/csv"}))
        yield api


async def _ok(call: Any) -> Any:
    answer = await call
    assert answer.is_success, answer.text
    return answer.json()


def _store(api: ApiHarness) -> tuple[Any, ...]:
    """Every table's row count and the states a refused request could move. Not counted: the sign-in audit,
    and notifications, which workflows of earlier steps write in the background at their own pace."""
    with api.services.transaction() as session:
        counts = tuple((t.name, session.scalar(select(func.count()).select_from(t)))
                       for t in Base.metadata.sorted_tables if t.name not in ("auth_events", "notifications"))
        return (counts,
                tuple(session.execute(select(Order.number, Order.status, Order.amount, Order.updated_at)).all()),
                tuple(session.execute(select(Customer.id, Customer.owner)).all()),
                tuple(session.execute(select(User.username, User.active)).all()),
                tuple(session.execute(text("select bank_ref, status from statement_lines")).all()))


async def _like_missing(client: httpx.AsyncClient, method: str, real: str, missing: str, real_id: str,
                        missing_id: str, **kwargs: Any) -> httpx.Response:
    """The answer about something that exists but lies outside the caller's reach is the answer about something
    that does not exist, byte for byte (but for the id the caller typed)."""
    there = await client.request(method, real, **kwargs)
    gone = await client.request(method, missing, **kwargs)
    assert there.status_code == gone.status_code and there.status_code in (403, 404), (real, there.text, gone.text)
    assert there.text == gone.text.replace(missing_id, real_id), (real, there.text, gone.text)
    return there


# --- guessing ---------------------------------------------------------------------------------------------
async def test_guessed_order_numbers_and_scan_versions_answer_like_missing_ones(world: ApiHarness) -> None:
    api = world
    outsiders = {u: api.client(u) for u in ("carol", "sue", "shpartner", "bob", "mary")}
    before = _store(api)
    for user, client in outsiders.items():
        for suffix in ("", "/scan-url", "/scan-url?version=1", "/scan-url?version=7", "/scan-url?slip=true"):
            answer = await _like_missing(client, "GET", f"/orders/BJ100001{suffix}", f"/orders/BJ100999{suffix}",
                                         "BJ100001", "BJ100999")
            assert answer.status_code == 404 and answer.json() == {
                "error": "not_found", "message": "there is no order BJ100001", "code": "no_order",
                "params": {"order": "BJ100001"}}, (user, suffix)
        # The number as typed differently still tells nothing.
        for typed in ("bj100001", "%20BJ100001", "BJ100001%20"):
            there = await client.get(f"/orders/{typed}")
            gone = await client.get(f"/orders/{typed.replace('100001', '100999')}")
            assert there.status_code == gone.status_code == 404, there.text
            assert there.text == gone.text.replace("100999", "100001"), (there.text, gone.text)
    steps: list[tuple[str, str, str, dict[str, Any]]] = [
             ("sue", "POST", "/receive", {}), ("sue", "POST", "/approve", {}),
             ("sue", "POST", "/reject", {"json": {"reasons": ["missing_stamp"], "note": "x"}}),
             ("carol", "POST", "/sign", {"json": SIGN}), ("carol", "POST", "/lost", {"json": {"note": "x"}}),
             ("mary", "POST", "/reissue", {"json": {"new_number": "BJ100500"}}),
             ("sue", "PUT", "/scan", {"params": {"filename": "s.pdf"}, "content": PDF}),
             ("carol", "PUT", "/slip", {"params": {"filename": "s.pdf", "amount": "10", "paid_on": today().isoformat()},
                                        "content": PDF})]
    for user, method, step, kwargs in steps:
        for number in ("BJ100001", "BJ100002", "BJ100003", "BJ100004"):
            await _like_missing(outsiders[user], method, f"/orders/{number}{step}", f"/orders/BJ100999{step}",
                                number, "BJ100999", **kwargs)
    # Lists hold nothing of the other partner.
    assert all(row["partner"] == "SH" for row in (await outsiders["sue"].get("/orders")).json())
    assert (await outsiders["bob"].get("/orders")).json() == []
    assert _store(api) == before


async def test_a_scan_key_or_version_outside_the_order_gets_nothing(world: ApiHarness) -> None:
    alice = world.client("alice")
    before = _store(world)
    for params in ({"version": "2"}, {"version": "2147483647"}, {"slip": "true", "version": "1"}):
        answer = await alice.get("/orders/BJ100001/scan-url", params=params)
        assert answer.status_code == 404 and "url" not in answer.json(), answer.text
    for params in ({"version": "0"}, {"version": "-1"}, {"version": "1e3"}, {"version": "99999999999999999999"},
                   {"version": "1;2"}):
        answer = await alice.get("/orders/BJ100001/scan-url", params=params)
        assert answer.status_code == 422 and answer.json()["error"] == "invalid", answer.text
    # The key is derived from the order the caller may see; a key of another partner's order is never a param.
    assert (await alice.get("/orders/BJ100001/scan-url", params={"key": "orders/SH/SH200001/scan-v1.pdf"})
            ).json()["key"] == "orders/BJ/BJ100001/scan-v1.pdf"
    assert _store(world) == before


async def test_guessed_customer_ids_answer_like_missing_ones(world: ApiHarness) -> None:
    api = world
    clients = [api.client(u) for u in ("carol", "shpartner", "sue", "mary", "bob")]
    before = _store(api)
    for client in clients:
        for method, suffix, body in (("GET", "/history", None), ("POST", "/notes", {"text": "called"}),
                                     ("POST", "/claim", None), ("POST", "/hand-over", {"to": "carol"}),
                                     ("POST", "/transfer-in", {
                                         "reason": "moved", "region": "上海", "name": "美来尔工程技术有限公司",
                                         "phone": "010-62345678", "fax": "010-62345679", "address": "北京"})):
            await _like_missing(client, method, f"/customers/1{suffix}", f"/customers/999999{suffix}", "1",
                                "999999", json=body)
        assert all(row["id"] != 1 for row in (await client.get("/customers")).json())
    assert _store(api) == before


async def test_signing_for_a_guessed_customer_answers_like_a_missing_one(world: ApiHarness) -> None:
    alice = world.client("alice")
    before = _store(world)
    await _like_missing(alice, "POST", "/orders/BJ100002/sign", "/orders/BJ100002/sign", "x", "x",
                        json={**SIGN, "customer": 2})
    held = await alice.post("/orders/BJ100002/sign", json={**SIGN, "customer": 2})
    missing = await alice.post("/orders/BJ100002/sign", json={**SIGN, "customer": 999999})
    assert _store(world) == before
    assert held.status_code == missing.status_code == 404
    assert held.text == missing.text.replace("999999", "2")


async def test_statement_lines_are_finances_and_a_guessed_ref_reads_as_missing(world: ApiHarness) -> None:
    api = world
    clients = [api.client(u) for u in ("alice", "sue", "mike", "bjpartner")]
    fay = api.client("fay")
    before = _store(api)
    for client in clients:
        for method, suffix, body in (("GET", "", None), ("POST", "/match", {"order": "BJ100001"}),
                                     ("POST", "/unmatch", {"reason": "wrong"})):
            answer = await _like_missing(client, method, f"/payments/lines/ATK-1{suffix}",
                                         f"/payments/lines/NOPE-9{suffix}", "ATK-1", "NOPE-9", json=body)
            assert answer.status_code == 403
    assert (await fay.get("/payments/lines/ATK-1")).status_code == 200
    for ref in ("NOPE-9", "ATK-1%2F..", "..%2FATK-1", "ATK-1%09X", "%E2%80%AEATK-1", "A" * 64, "A" * 65):
        answer = await fay.get(f"/payments/lines/{ref}")
        assert answer.status_code in (404, 422) and answer.json()["error"] in ("not_found", "invalid"), answer.text
    answer = await fay.post("/payments/lines/ATK-1/match", json={"order": "BJ100999"})
    assert answer.status_code == 404 and answer.json()["message"] == "there is no order BJ100999"
    after = _store(api)
    assert after == before, [(b, a) for b, a in zip(before, after, strict=True) if a != b]


# --- bodies -----------------------------------------------------------------------------------------------
async def test_unknown_and_actor_like_fields_are_refused_and_the_actor_is_the_tokens(world: ApiHarness) -> None:
    api = world
    amy, alice, mike = api.client("amy"), api.client("alice"), api.client("mike")
    before = _store(api)
    refused = [(amy, "/orders", {"rep": "alice", "actor": "olga"}),
               (amy, "/orders", {"rep": "alice", "as": "dora"}),
               (amy, "/orders/BJ100004/receive", {"actor": {"username": "olga", "role": "order_group"}}),
               (amy, "/orders/BJ100001/approve", {"location": "x", "user": "olga"}),
               (alice, "/orders/BJ100002/sign", {**SIGN, "by": "bob"}),
               (alice, "/customers/1/notes", {"text": "called", "author": "bob"}),
               (mike, "/users", {"username": "dan", "name": "Dan", "partner": "BJ", "regions": ["北京"],
                                 "role": "director"}),
               (api.client(), "/auth/login", {"username": "amy", "password": PASSWORD, "username_override": "dora"})]
    for client, url, body in refused:
        answer = await client.post(url, json=body)
        assert answer.status_code == 422 and answer.json()["error"] == "invalid", (url, answer.text)
    # A header or query parameter naming someone else is ignored: the token says who acts.
    me = await amy.get("/auth/whoami", params={"as": "dora", "actor": "dora", "user": "dora"},
                       headers={"X-Actor": "dora", "X-User": "dora", "X-Forwarded-User": "dora",
                                "X-Remote-User": "dora"})
    assert me.json()["username"] == "amy" and me.json()["role"] == "assistant"
    assert _store(api) == before


async def test_oversized_json_bodies_are_413_declared_or_chunked(world: ApiHarness) -> None:
    api = world
    limit = api.services.settings.api_max_body_bytes
    big = b'{"rep": "alice", "number": "BJ100010", "pad": "' + b"x" * limit + b'"}'

    async def chunked() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 64 * 1024):
            yield big[start:start + 64 * 1024]

    before = _store(api)
    for client, url in ((api.client("amy"), "/orders"), (api.client(), "/auth/login"),
                        (api.client(), "/auth/setup"), (api.client("alice"), "/customers/check")):
        declared = await client.post(url, content=big, headers={"Content-Type": "application/json"})
        assert declared.status_code == 413 and declared.json()["error"] == "too_large", declared.text
        streamed = client.build_request("POST", url, content=chunked(), headers={"Content-Type": "application/json"})
        assert "content-length" not in streamed.headers and streamed.headers["transfer-encoding"] == "chunked"
        answer = await client.send(streamed)
        assert answer.status_code == 413 and answer.json()["error"] == "too_large", answer.text
    assert _store(api) == before
    # Below the limit a chunked body is read as usual.
    small = api.client()
    ok = small.build_request("POST", "/auth/login", content=_once(b'{"username": "x", "password": "y"}'),
                             headers={"Content-Type": "application/json"})
    assert (await small.send(ok)).status_code == 401


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


# --- uploads ----------------------------------------------------------------------------------------------
async def test_uploads_refuse_wrong_types_path_tricks_and_endless_bodies(world: ApiHarness) -> None:
    api = world
    amy, alice, fay, dora = (api.client(u) for u in ("amy", "alice", "fay", "dora"))
    slip = {"amount": "10", "paid_on": today().isoformat()}
    uploads = [(amy, "/orders/BJ100003/scan", {}), (alice, "/orders/BJ100004/slip", slip),
               (fay, "/payments/statements", {}), (dora, "/org", {})]
    before = _store(api)
    for client, url, params in uploads:
        for kind in ("multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/json",
                     "text/html", "image/svg+xml", "application/x-sh"):
            if url == "/org" and kind == "application/json":
                continue
            answer = await client.put(url, params={"filename": "f.pdf", **params}, content=PDF,
                                      headers={"Content-Type": kind})
            assert answer.status_code == 422 and answer.json()["error"] == "invalid", (url, kind, answer.text)
        for name in ("..", "../..", "/", "a/..", "..\\..\\", "C:\\..", "a\x00.pdf", "a\nb.pdf", "a\rb.pdf",
                     "\x7f.pdf", "x" * 201 + ".pdf", ""):
            answer = await client.put(url, params={"filename": name, **params}, content=PDF,
                                      headers={"Content-Type": "application/octet-stream"})
            assert answer.status_code == 422 and answer.json()["error"] == "invalid", (url, name, answer.text)
    # An endless body without a Content-Length is cut off at the limit and nothing is kept.
    settings = api.services.settings
    saved = settings.scan_max_bytes
    settings.scan_max_bytes = 64 * 1024
    try:
        for client, url, params in uploads[:2]:
            request = client.build_request("PUT", url, params={"filename": "s.pdf", **params},
                                           content=_endless(PDF[:4096]), headers={"Content-Type": "application/pdf"})
            answer = await client.send(request)
            assert answer.status_code == 413 and answer.json()["error"] == "too_large", (url, answer.text)
    finally:
        settings.scan_max_bytes = saved
    request = dora.build_request("PUT", "/org", content=_endless(b"# padding\n" * 1000),
                                 headers={"Content-Type": "application/yaml"})
    assert (await dora.send(request)).status_code == 413
    assert _store(api) == before


async def _endless(chunk: bytes) -> AsyncIterator[bytes]:
    while True:
        yield chunk


def test_a_file_name_is_a_name_never_a_path() -> None:
    for typed, kept in (("../../etc/passwd", "passwd"), ("/etc/scan.pdf", "scan.pdf"),
                        ("..\\..\\windows\\scan.pdf", "scan.pdf"), ("C:\\scans\\s.pdf", "s.pdf"),
                        ("  s.pdf  ", "s.pdf"), ("扫描件.pdf", "扫描件.pdf"), (None, "scan")):
        assert safe_filename(typed, "scan") == kept
    for bad in ("..", "dir/", "a\x00b", "a\x1bb", "x" * 201):
        with pytest.raises(InvalidInput):
            safe_filename(bad, "scan")
    # #20: a file name is checked by its kind, and the refusal names the character; hidden ones in a dropped
    # folder are refused too.
    for bad, named in (("[点我](javascript:alert(1)).pdf", 'file name contains "[" (U+005B LEFT SQUARE BRACKET); '
                                                          "a file name may contain letters of any script"),
                       ("scan\u202efdp.exe", "file name contains U+202E RIGHT-TO-LEFT OVERRIDE"),
                       ("a\x85b\x9b2J.pdf", "file name contains U+0085 NEXT LINE"),
                       ("<img src=x onerror=alert(1)>.pdf", 'file name contains "<" (U+003C'),
                       ("=HYPERLINK(1).pdf", 'file name contains "=" (U+003D'),
                       ("+1.pdf", 'file name may not begin with "+" (U+002B PLUS SIGN)'),
                       ("a\u3164b.pdf", "file name contains U+3164 HANGUL FILLER"),
                       ("evil\x1b[2J/scan.pdf", "file name contains U+001B")):
        with pytest.raises(InvalidInput) as caught:
            safe_filename(bad, "scan")
        assert caught.value.message.startswith(named), caught.value.message
    for kept in ("扫描件 (2).pdf", "招商银行流水_2026-11.csv", "合同【盖章版】#3.pdf", "Bank statement, Nov.csv"):
        assert safe_filename(kept, "scan") == kept


# --- idempotency keys -------------------------------------------------------------------------------------
async def test_bad_idempotency_keys_are_422(world: ApiHarness) -> None:
    api = world
    amy = api.client("amy")
    before = _store(api)
    for key in ("", " ", "a b", "x" * 65, "ключ".encode(), "a/b", "../x", "a;b", "*", "a,b", '"k"'):
        answer = await amy.post("/orders/BJ100004/receive", headers={"Idempotency-Key": key})
        assert answer.status_code == 422 and "Idempotency-Key" in answer.json()["message"], (key, answer.text)
        answer = await amy.put("/orders/BJ100003/scan", params={"filename": "s.pdf"}, content=PDF,
                               headers={"Idempotency-Key": key, "Content-Type": "application/pdf"})
        assert answer.status_code == 422, (key, answer.text)
    assert _store(api) == before


async def test_one_users_idempotency_key_never_answers_for_another(world: ApiHarness) -> None:
    """sam (a supervisor, who may not receive) replays amy's key: without the key in amy's own namespace,
    Temporal would hand him amy's result as a 200."""
    api = world
    amy, sam = api.client("amy"), api.client("sam")
    await amy.post("/orders", json={"rep": "alice", "number": "BJ100020"})
    await _ok(api.client("alice").post("/orders/BJ100020/sign", json=SIGN))
    first = await _ok(amy.post("/orders/BJ100020/receive", headers={"Idempotency-Key": "rcv-shared"}))
    assert first["status"] == "FIRST_REVIEW"
    before = _store(api)
    replay = await sam.post("/orders/BJ100020/receive", headers={"Idempotency-Key": "rcv-shared"})
    assert replay.status_code in (403, 409) and replay.json()["error"] in ("forbidden", "refused"), replay.text
    # The same user's retry still answers as the first attempt did.
    again = await amy.post("/orders/BJ100020/receive", headers={"Idempotency-Key": "rcv-shared"})
    assert again.status_code == 200 and again.json()["timeline"] == first["timeline"]
    assert _store(api) == before


# --- sign-in ----------------------------------------------------------------------------------------------
async def test_lockout_counts_case_and_space_variants_of_a_name_as_one(world: ApiHarness) -> None:
    api = world
    api.token("gao")
    anon = api.client()
    for typed in ("GAO", " gao", "Gao ", "gAo", "gao"):
        answer = await anon.post("/auth/login", json={"username": typed, "password": "a wrong guess"})
        assert answer.status_code == 401
    locked = await anon.post("/auth/login", json={"username": "gao", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert (await anon.post("/auth/login", json={"username": "GAO", "password": PASSWORD})).status_code == 429


async def test_x_forwarded_for_is_not_the_apps_to_believe(world: ApiHarness) -> None:
    """The app counts failures by the connection's address; only uvicorn, told which proxies to trust
    (ORDERFLOW_API_FORWARDED_ALLOW_IPS), may rewrite it from X-Forwarded-For."""
    anon = world.client()
    await anon.post("/auth/login", json={"username": "nobody-xff", "password": "a wrong guess"},
                    headers={"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9", "Forwarded": "for=1.2.3.4"})
    with world.services.transaction() as session:
        addresses = set(session.scalars(select(AuthEvent.address).where(AuthEvent.username == "nobody-xff")))
    assert addresses == {"127.0.0.1"}


def test_an_ipv6_client_is_counted_by_its_64() -> None:
    assert _network("2001:db8:1:2::1") == _network("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert _network("::ffff:198.51.100.7") == _network("198.51.100.7") == "198.51.100.7"
    assert _network(None) == "unknown"


# --- secrets ----------------------------------------------------------------------------------------------
async def test_tokens_passwords_and_setup_codes_stay_out_of_logs_responses_and_histories(
        world: ApiHarness, caplog: pytest.LogCaptureFixture) -> None:
    api = world
    caplog.set_level(logging.DEBUG)
    bodies: list[tuple[str, str]] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        bodies.append((f"{response.request.method} {response.request.url.path}", response.text))

    def recorded(client: httpx.AsyncClient) -> httpx.AsyncClient:
        client.event_hooks["response"].append(keep)
        return client

    anon, mike = recorded(api.client()), recorded(api.client("mike"))
    opened = await _ok(mike.post("/users", json={"username": "dan", "name": "Dan Wu", "partner": "BJ",
                                                 "regions": ["北京"]}))
    code, new_password, wrong = opened["setup_code"], "a fresh long passphrase of his", "a wrongly typed passphrase"
    assert (await anon.post("/auth/setup", json={"username": "dan", "code": "WRONG-CODE-0000",
                                                 "password": new_password})).status_code == 401
    assert (await anon.post("/auth/setup", json={"username": "dan", "code": code, "password": new_password})
            ).status_code == 204
    assert (await anon.post("/auth/login", json={"username": "dan", "password": wrong})).status_code == 401
    dan_token = (await _ok(anon.post("/auth/login", json={"username": "dan", "password": new_password})))["token"]
    dan = recorded(api.client(token=dan_token))
    await _ok(dan.get("/auth/whoami"))
    await _ok(dan.get("/auth/tokens"))
    # An order through its steps, each signed in by token.
    amy, alice = recorded(api.client("amy")), recorded(api.client("alice"))
    await _ok(amy.post("/orders", json={"rep": "alice", "number": "BJ100030"}))
    await _ok(alice.post("/orders/BJ100030/sign", json=SIGN))
    await _ok(amy.post("/orders/BJ100030/receive", headers={"Idempotency-Key": "secret-flow-1"}))
    await _ok(amy.post("/orders/BJ100030/approve"))
    await _ok(amy.put("/orders/BJ100030/scan", params={"filename": "s.pdf"}, content=PDF,
                      headers={"Content-Type": "application/pdf"}))
    await _ok(alice.get("/orders/BJ100030"))
    await _ok(alice.get("/orders/BJ100030/scan-url"))
    assert (await dan.post("/auth/logout")).status_code == 204
    assert (await dan.get("/auth/whoami")).status_code == 401

    tokens = [*api.tokens.values(), dan_token]
    secrets = [*tokens, PASSWORD, new_password, wrong, code]
    logged = caplog.text
    for secret in secrets:
        assert secret not in logged
    for where, body in bodies:
        for secret in secrets:
            if secret == dan_token and where == "POST /auth/login" or secret == code and where == "POST /users":
                continue  # the answers that issue them, once
            assert secret not in body, f"{where} answered a secret"
    assert "GET /auth/whoami 200 dan" in logged and "POST /orders/BJ100030/sign 200 alice" in logged

    # Temporal: every workflow's history in this namespace, raw and decoded with the API's own converter.
    client = await api.services.temporal()
    listed = await eventually(lambda: _workflow_ids(client), lambda ids: "order-BJ100030" in ids)
    decoded_blob = b""
    for workflow_id, run_id in listed.items():
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        raw = b"".join(event.SerializeToString() for event in history.events)
        payloads = [p for event in history.events for p in _payloads(event)]
        codec = client.data_converter.payload_codec
        plain = await codec.decode(payloads) if codec is not None else payloads
        decoded = b"".join(p.data for p in plain)
        for secret in secrets:
            assert secret.encode() not in raw and secret.encode() not in decoded, f"{secret[:6]}… in {workflow_id}"
        decoded_blob += decoded
    assert b"alice" in decoded_blob and b"BJ100030" in decoded_blob  # the search looked at readable data


async def _workflow_ids(client: Any) -> dict[str, str]:
    return {wf.id: wf.run_id async for wf in client.list_workflows()}


def _payloads(message: Any) -> Iterator[Payload]:
    """Every Payload anywhere inside a protobuf message."""
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            items = list(value.values())
        elif _repeated(field):
            items = list(value)
        else:
            items = [value]
        for item in items:
            if isinstance(item, Payload):
                yield item
            elif hasattr(item, "ListFields"):
                yield from _payloads(item)


def _repeated(field: Any) -> bool:
    flag = getattr(field, "is_repeated", None)  # newer protobuf; older ones have only `label`
    return bool(flag) if flag is not None else bool(field.label == field.LABEL_REPEATED)


async def test_the_access_log_cannot_be_forged_through_the_path(world: ApiHarness,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """A decoded %0A in a path cannot start a forged line (httpx never sends one, so the ASGI call is made here)."""
    caplog.set_level(logging.INFO, logger="orderflow.api.access")
    forged = "/orders/BJ100001\n2026-01-01 INFO orderflow.api.access: GET /orders 200 dora\x1b[2K\r"
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await world.app({"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                     "scheme": "http", "path": forged, "raw_path": forged.encode(), "root_path": "",
                     "query_string": b"", "headers": [(b"host", b"orderflow.test")], "client": ("127.0.0.1", 1),
                     "server": ("orderflow.test", 80)}, receive, send)
    assert sent[0]["status"] in (404, 422)
    lines = [r.getMessage() for r in caplog.records if r.name == "orderflow.api.access"]
    assert lines and all("\n" not in line and "\r" not in line for line in lines)
    assert all("\x1b" not in line for line in lines) and any("dora\\x1b[2K" in line for line in lines)


async def test_every_answer_carries_the_security_headers(world: ApiHarness) -> None:
    for client, url in ((world.client(), "/health"), (world.client(), "/auth/whoami"),
                        (world.client("amy"), "/orders/BJ100001"), (world.client("amy"), "/orders/BJ100999")):
        answer = await client.get(url)
        assert answer.headers["cache-control"] == "no-store" and answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY" and answer.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert "server" not in answer.headers or "uvicorn" not in answer.headers["server"].lower()
    docs = await world.client().get("/docs")
    assert docs.status_code == 200 and "content-security-policy" not in docs.headers


# --- CORS -------------------------------------------------------------------------------------------------
def _cors_client(tmp_path: Path, origins: list[str]) -> TestClient:
    return TestClient(create_app(Services(Settings(data_dir=tmp_path, api_cors_origins=origins), None)))  # type: ignore[arg-type]


def test_cors_is_closed_by_default(tmp_path: Path) -> None:
    with _cors_client(tmp_path, []) as http:
        simple = http.get("/health", headers={"Origin": "https://partner.example"})
        assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers
        preflight = http.options("/auth/login", headers={"Origin": "https://partner.example",
                                                         "Access-Control-Request-Method": "POST"})
        assert not any(h.startswith("access-control-") for h in preflight.headers)


def test_cors_allows_only_the_configured_origins_and_never_credentials(tmp_path: Path) -> None:
    with _cors_client(tmp_path, ["https://desk.example"]) as http:
        ok = http.options("/orders", headers={"Origin": "https://desk.example", "Access-Control-Request-Method": "POST",
                                              "Access-Control-Request-Headers": "Authorization, Idempotency-Key"})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://desk.example"
        assert "access-control-allow-credentials" not in ok.headers
        simple = http.get("/health", headers={"Origin": "https://desk.example"})
        assert simple.headers["access-control-allow-origin"] == "https://desk.example"
        assert "access-control-allow-credentials" not in simple.headers
        for evil in ("https://evil.example", "https://desk.example.evil.example", "null", "http://desk.example"):
            refused = http.options("/orders", headers={"Origin": evil, "Access-Control-Request-Method": "POST"})
            assert "access-control-allow-origin" not in refused.headers, evil
            simple = http.get("/health", headers={"Origin": evil})
            assert "access-control-allow-origin" not in simple.headers, evil


# --- odd input never breaks the server --------------------------------------------------------------------
ODD_URLS = [
    ("GET", "/orders/%00"), ("GET", "/orders/BJ100001%00"), ("GET", "/orders/" + "9" * 40), ("GET", "/orders/-1"),
    ("GET", "/orders/BJ%0A100001"), ("GET", "/orders/%E2%80%AEBJ100001"), ("GET", "/orders/%FF%FE"),
    ("GET", "/orders/BJ100001/scan-url?version=99999999999999999999"),
    ("GET", "/customers/99999999999999999999/history"), ("GET", "/customers/-5/history"),
    ("GET", "/customers/4611686018427387904/history"), ("GET", "/customers/2147483648/history"),
    ("GET", "/customers/1/history?offset=99999999999999999999"), ("GET", "/customers?offset=9223372036854775808"),
    ("GET", "/orders?offset=99999999999999999999"), ("GET", "/orders?limit=-1"), ("GET", "/orders?status=%00"),
    ("DELETE", "/auth/tokens/99999999999999999999"), ("DELETE", "/auth/tokens/2147483648"),
    ("DELETE", "/auth/tokens/-1"), ("GET", "/payments/lines/%00"), ("GET", "/payments/lines/" + "%E4%B8%AD" * 64),
    ("POST", "/users/a%00b/close"), ("POST", "/users/" + "u" * 65 + "/close"),
    ("GET", "/credits?rep=a%00b"), ("GET", "/credits?month=9999-12"), ("GET", "/credits?month=0000-01"),
    ("GET", "/ops/report?as_of=9999-12-31"), ("GET", "/ops/report?as_of=0001-01-01"),
    ("GET", "/ops/report?partner=%00"),
    ("GET", "/ops/queries?user=%00"), ("GET", "/team?since=0001-01-01"), ("GET", "/team?since=9999-12-31"),
    ("GET", "/transfer-applications?status=%00"),
]
ODD_BODIES: list[tuple[str, str, Any]] = [
    ("POST", "/customers/check", {"name": "a\x00b"}), ("POST", "/customers/1/notes", {"text": "a\x00b"}),
    ("POST", "/customers/1/hand-over", {"to": "a\x00b"}), ("POST", "/users/bob/close", {"reason": "a\x00"}),
    ("POST", "/users", {"username": "d\x00n", "name": "Dan", "partner": "BJ", "regions": ["北京"]}),
    ("POST", "/auth/login", {"username": "a\x00b", "password": "x"}),
    ("POST", "/auth/login", {"username": "amy", "password": "x\x00y"}),
    ("POST", "/auth/setup", {"username": "a\x00b", "code": "x", "password": "x" * 20}),
    ("POST", "/auth/login", {"username": "x" * 201, "password": "x"}),
    ("POST", "/auth/login", {"username": ["amy"], "password": {"$ne": ""}}),
    ("POST", "/customers", {"name": 10**400, "phone": None, "fax": [], "address": {}, "region": True}),
]
RAW_BODIES = [b'{"username":"\\ud800","password":"x"}', b'{"username":"amy","password":"x","label":"\\udc00"}',
              b'{"username":"amy","password":"x"', b"\xff\xfe", b"[]", b"null", b'"amy"', b"{" * 10000]


def test_odd_paths_queries_and_bodies_never_answer_500(signed_in: SignedIn) -> None:
    """On SQLite and PostgreSQL (which refuses NULs and integers past its column types)."""
    quiet = {u: TestClient((c := signed_in(u)).app, raise_server_exceptions=False, headers=dict(c.headers))
             for u in ("mike", "fay", "dora")}
    for user, http in quiet.items():
        for method, url in ODD_URLS:
            answer = http.request(method, url, json={"reason": "x"} if method == "POST" else None)
            assert answer.status_code < 500 and answer.json()["error"], (user, url, answer.text)
    for method, url, body in ODD_BODIES:
        answer = quiet["mike"].request(method, url, json=body)
        assert answer.status_code in (400, 401, 403, 404, 422), (url, body, answer.text)
    for raw in RAW_BODIES:
        for url in ("/auth/login", "/customers/check"):
            answer = quiet["mike"].post(url, content=raw, headers={"Content-Type": "application/json"})
            assert answer.status_code in (400, 422), (url, raw[:40], answer.text)


# --- the CLI's token ----------------------------------------------------------------------------------------
def test_the_cli_keeps_its_token_private_and_sends_it_only_home(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("ORDERFLOW_TOKEN", raising=False)
    folder = tmp_path / "orderflow"
    folder.mkdir()
    leftover = folder / "token.tmp"  # an earlier, interrupted save left a world-readable file behind
    leftover.write_text("{}")
    leftover.chmod(0o644)
    path = cli_config.save("https://of.example/", "amy", "oft_secret", 7, "2030-01-01")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert cli_config.token_for("https://of.example") == "oft_secret"
    for elsewhere in ("https://evil.example", "http://of.example", "https://of.example.evil.example",
                      "https://of.example:444"):
        assert cli_config.token_for(elsewhere) is None, elsewhere
    path.write_text('{"token": "oft_secret", "api_url": 5}')
    assert cli_config.token_for("https://of.example") is None
    assert _next_link('</orders?limit=2&offset=2>; rel="next"') == "/orders?limit=2&offset=2"
    for foreign in ('<https://evil.example/x>; rel="next"', '<//evil.example/x>; rel="next"'):
        assert _next_link(foreign) is None
