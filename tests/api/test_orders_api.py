"""Orders over HTTP on the in-process harness: the steps, an Idempotency-Key, uploads (scope first, content
type, size, path tricks), out-of-scope reads answered as missing, scoped and paged lists, 401 and 403."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.fields import business_date
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
    assert r.status_code == 404 and r.json() == {"error": "not_found", "message": "there is no order BJ100001"}
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
