"""Orders over HTTP on the in-process harness: the steps, an Idempotency-Key, uploads (scope first, content
type, size, path tricks), out-of-scope reads answered as missing, scoped and paged lists, 401 and 403."""

from __future__ import annotations

from datetime import UTC, datetime

from db.org_repo import UserSpec, save_user
from domain.fields import business_date
from domain.people import Role
from tests.api.conftest import ApiHarness
from tests.helpers import pdf_bytes


async def test_orders_over_http(api: ApiHarness):
    amy, alice, olga, fay, sue = (api.client(u) for u in ("amy", "alice", "olga", "fay", "sue"))
    r = await amy.post("/orders", json={"rep": "alice", "number": "BJ100001"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "ISSUED"
    r = await amy.post("/orders", json={"rep": "alice", "number": "BJ100001"})
    assert r.status_code == 409 and "already been issued" in r.json()["message"], r.text
    r = await alice.post("/orders/BJ100001/sign", json={"customer": 1, "product": "p", "kind": "new",
                                                       "amount": "12000.00"})
    assert r.status_code == 200, r.text
    assert r.json()["fields"]["signed_on"] == business_date(datetime.now(UTC)).isoformat()
    r = await alice.post("/orders/BJ100001/sign", json={"customer": 1, "product": "p", "kind": "x", "amount": "1",
                                                       "extra": 1})
    assert r.status_code == 422, r.text
    r = await amy.post("/orders/BJ100001/receive", headers={"Idempotency-Key": "rcv-1"})
    assert r.status_code == 200, r.text
    r2 = await amy.post("/orders/BJ100001/receive", headers={"Idempotency-Key": "rcv-1"})
    assert r2.status_code == 200 and r2.json()["timeline"] == r.json()["timeline"], r2.text
    r = await amy.post("/orders/BJ100001/reject", json={"reasons": ["smudge"], "note": "x"})
    assert r.status_code == 422 and "rejection reason 'smudge'" in r.json()["message"], r.text
    r = await amy.post("/orders/BJ100001/approve", json={})
    assert r.status_code == 200 and r.json()["status"] == "AWAITING_SCAN", r.text
    # scan: out of scope 404 before the body, wrong type refused, path tricks reduced, oversized refused
    r = await sue.put("/orders/BJ100001/scan", params={"filename": "s.pdf"}, content=pdf_bytes(3000))
    assert r.status_code == 404 and r.json() == {"error": "not_found", "message": "there is no order BJ100001",
                                                 "code": "no_order", "params": {"order": "BJ100001"}}
    r = await amy.put("/orders/BJ100001/scan", params={"filename": "s.pdf"}, content=b"{}",
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    r = await amy.put("/orders/BJ100001/scan", params={"filename": "s.pdf"},
                      content=b"x" * (api.services.settings.scan_max_bytes + 1))
    assert r.status_code == 413, r.text
    retried = []
    for _ in range(2):  # a retry after a lost reply: the same key files the scan once and leaves nothing staged
        r = await amy.put("/orders/BJ100001/scan", params={"filename": "../../etc/s.pdf"}, content=pdf_bytes(3000),
                          headers={"Content-Type": "application/octet-stream", "Idempotency-Key": "scan-1"})
        assert r.status_code == 200, r.text
        retried.append(r.json())
    assert retried[0] == retried[1] and [s["key"] for s in retried[0]["scans"]] == ["orders/BJ/BJ100001/scan-v1.pdf"]
    listed = api.services.s3().list_objects_v2(Bucket=api.services.settings.s3_bucket, Prefix="staging/")
    assert listed.get("KeyCount", 0) == 0, listed.get("Contents")
    r = await olga.post("/orders/BJ100001/approve", json={"location": "Cabinet 3"})
    assert r.status_code == 200 and r.json()["status"] == "AWAITING_PAYMENT", r.text
    r = await fay.post("/orders/BJ100001/pay", json={"amount": "12000", "paid_on": "yesterday"})
    assert r.status_code == 422, r.text
    today = business_date(datetime.now(UTC)).isoformat()
    r = await fay.post("/orders/BJ100001/pay", json={"amount": "12000", "paid_on": today})
    assert r.status_code == 200 and r.json()["status"] == "EFFECTIVE", r.text
    shown = await alice.get("/orders/BJ100001")
    assert shown.status_code == 200 and shown.json() == r.json()
    for who in (sue, api.client("bob"), api.client("carol")):
        for url in ("/orders/BJ100001", "/orders/BJ100001/scan-url"):
            out = await who.get(url)
            assert out.status_code == 404 and out.json()["message"] == "there is no order BJ100001", out.text
    link = await alice.get("/orders/BJ100001/scan-url")
    assert link.status_code == 200 and link.json()["version"] == 1, link.text
    slip = await alice.get("/orders/BJ100001/scan-url", params={"slip": "true"})
    assert slip.status_code == 404 and "no remittance slip" in slip.json()["message"]
    # lists: scope and pages
    await amy.post("/orders", json={"rep": "bob"})
    await amy.post("/orders", json={"rep": "alice"})
    page = await olga.get("/orders", params={"limit": 2})
    assert len(page.json()) == 2 and 'rel="next"' in page.headers["link"], page.headers
    nxt = page.headers["link"].split(";")[0].strip("<>")
    rest = await olga.get(nxt)
    assert [r["number"] for r in page.json() + rest.json()] == ["BJ100002", "BJ100000", "BJ100001"]
    assert [r["number"] for r in (await alice.get("/orders")).json()] == ["BJ100002", "BJ100001"]
    assert (await alice.get("/orders", params={"status": "bogus"})).status_code == 422
    assert (await api.client("gao").get("/orders")).status_code == 403
    assert (await api.client().get("/orders")).status_code == 401
    openapi = (await api.client().get("/openapi.json")).json()
    assert "/orders/{number}/scan" in openapi["paths"]


async def test_the_next_number_is_the_rep_s_partner_s(api: ApiHarness):
    """An assistant serving BJ and SH hands SH's rep an SH number, not BJ's (issue #16)."""
    with api.services.transaction() as session:
        save_user(session, UserSpec("ann", "Ann An", Role.ASSISTANT, ["BJ", "SH"], None), "test", datetime.now(UTC))
    issued = await api.client("ann").post("/orders", json={"rep": "carol"})
    assert issued.status_code == 201, issued.text
    assert (issued.json()["number"], issued.json()["partner"]) == ("SH200000", "SH")


async def test_a_step_retried_under_its_key_answers_as_the_first_attempt(api: ApiHarness):
    """A reply lost after the step succeeded: the retry, under the same key, gets the same answer even though
    the order has moved on since (its own checks would now refuse it), and a scan is not received again."""
    amy, alice, olga, fay = (api.client(u) for u in ("amy", "alice", "olga", "fay"))
    assert (await amy.post("/orders", json={"rep": "alice", "number": "BJ100011"})).status_code == 201
    signed = await alice.post("/orders/BJ100011/sign", json={"customer": 1, "product": "p", "kind": "new",
                                                            "amount": "100"})
    assert signed.status_code == 200, signed.text
    assert (await amy.post("/orders/BJ100011/receive")).status_code == 200
    approved = await amy.post("/orders/BJ100011/approve", headers={"Idempotency-Key": "approve-1"})
    assert approved.status_code == 200 and approved.json()["status"] == "AWAITING_SCAN", approved.text
    scanned = await amy.put("/orders/BJ100011/scan", params={"filename": "s.pdf"}, content=pdf_bytes(3000),
                            headers={"Content-Type": "application/pdf", "Idempotency-Key": "scan-1"})
    assert scanned.status_code == 200 and scanned.json()["status"] == "SECOND_REVIEW", scanned.text
    again = await amy.post("/orders/BJ100011/approve", headers={"Idempotency-Key": "approve-1"})
    assert again.status_code == 200 and again.json() == approved.json(), again.text
    assert (await olga.post("/orders/BJ100011/approve", json={"location": "Cabinet 1"})).status_code == 200
    today = business_date(datetime.now(UTC)).isoformat()
    paid = await fay.post("/orders/BJ100011/pay", json={"amount": "100", "paid_on": today})
    assert paid.status_code == 200 and paid.json()["status"] == "EFFECTIVE", paid.text
    for _ in range(2):
        again = await amy.put("/orders/BJ100011/scan", params={"filename": "s.pdf"}, content=pdf_bytes(3000),
                              headers={"Content-Type": "application/pdf", "Idempotency-Key": "scan-1"})
        assert again.status_code == 200 and again.json() == scanned.json(), again.text
        again = await amy.post("/orders/BJ100011/approve", headers={"Idempotency-Key": "approve-1"})
        assert again.status_code == 200 and again.json() == approved.json(), again.text
    listed = api.services.s3().list_objects_v2(Bucket=api.services.settings.s3_bucket, Prefix="staging/")
    assert listed.get("KeyCount", 0) == 0, listed.get("Contents")
    # A new key is a new request, checked against the order as it stands.
    fresh = await amy.post("/orders/BJ100011/approve", headers={"Idempotency-Key": "approve-2"})
    assert fresh.status_code == 409 and "is EFFECTIVE" in fresh.json()["message"], fresh.text
    # The refusal's code and facts, for a client to say it in its reader's language (the desk says it in Chinese).
    assert (fresh.json()["code"], fresh.json()["params"]) == ("wrong_state", {
        "order": "BJ100011", "status": "EFFECTIVE", "action": "review", "expected": "FIRST_REVIEW,SECOND_REVIEW"})
    assert (await alice.get("/orders/BJ100011")).json()["scans"] == paid.json()["scans"]


async def test_a_role_that_may_not_take_a_step_learns_nothing_of_the_order(api: ApiHarness):
    """The approval group's scope is everything, but it takes no step: the role is refused before the order is
    looked up, so an order that exists and one that does not get the same 403."""
    amy, gao = api.client("amy"), api.client("gao")
    assert (await amy.post("/orders", json={"rep": "alice", "number": "BJ100021"})).status_code == 201
    for method, step, kwargs in (
            ("POST", "/receive", {}), ("POST", "/approve", {}),
            ("POST", "/reject", {"json": {"reasons": ["missing_stamp"], "note": "x"}}),
            ("POST", "/sign", {"json": {"customer": 1, "product": "p", "kind": "new", "amount": "1"}}),
            ("POST", "/lost", {"json": {"note": "x"}}), ("POST", "/reissue", {"json": {"new_number": "BJ100500"}}),
            ("PUT", "/scan", {"params": {"filename": "s.pdf"}, "content": pdf_bytes(3000)})):
        there = await gao.request(method, f"/orders/BJ100021{step}", **kwargs)
        gone = await gao.request(method, f"/orders/BJ100999{step}", **kwargs)
        assert there.status_code == gone.status_code == 403, (step, there.text, gone.text)
        assert there.text == gone.text.replace("BJ100999", "BJ100021"), (step, there.text, gone.text)
    # Issuing: no mapping of the number ranges by a role that may not issue.
    for number in ("BJ100022", "BJ999999"):
        answer = await gao.post("/orders", json={"rep": "alice", "number": number})
        assert answer.status_code == 403 and f"may not issue order {number}" in answer.json()["message"], answer.text


async def test_a_leaver_s_open_orders_are_listed_at_closing_and_reassigned(api: ApiHarness):
    amy, alice, mike, bjpartner = (api.client(u) for u in ("amy", "alice", "mike", "bjpartner"))
    assert (await amy.post("/orders", json={"rep": "alice", "number": "BJ100071"})).status_code == 201
    r = await alice.post("/orders/BJ100071/sign", json={"customer": 1, "product": "p", "kind": "new",
                                                       "amount": "12000.00"})
    assert r.status_code == 200, r.text
    r = await mike.post("/users/alice/close", json={"reason": "left the company"})
    assert r.status_code == 200 and r.json()["open_orders"] == ["BJ100071"], r.text
    r = await bjpartner.post("/orders/BJ100071/reassign", json={"to": "Bob Li", "reason": "alice left"})
    assert r.status_code == 422 and r.json()["message"].startswith("to must be a username"), r.text
    r = await bjpartner.post("/orders/BJ100071/reassign", json={"to": "bob", "reason": "alice left"})
    assert r.status_code == 200 and r.json()["rep"] == "bob", r.text
    assert r.json()["timeline"][-1]["note"] == "reassigned from alice to bob: alice left"
    r = await api.client("bob").post("/orders/BJ100071/lost", json={"note": "the courier lost it"})
    assert r.status_code == 200 and r.json()["status"] == "LOST", r.text
