"""The customer, warehouse and transfer-in routes over HTTP: each user signs in for a real token; another partner's
customer id answers 404 like a missing one, the check hides out-of-scope holders, lists page, and a body
naming anyone is refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from db.models import Customer
from db.warehouse_repo import move
from services.customers import HIDDEN_HOLDER
from tests.api.conftest import ApiHarness, SignedIn

# Customer 1's four facts as confirmed for a transfer-in into 上海.
CONFIRMED = {"region": "上海", "name": "美来尔工程技术有限公司", "phone": "010-62345678", "fax": "010-62345679",
             "address": "北京市海淀区中关村大街1号"}
NEW = {"name": "长城建材有限公司", "phone": "010-63330001", "fax": "010-63330002", "address": "北京市朝阳区建国路88号",
       "region": "北京"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_customers_over_http(signed_in: SignedIn) -> None:
    alice, bob, carol, sam, bjpartner = (signed_in(u) for u in ("alice", "bob", "carol", "sam", "bjpartner"))
    added = bob.post("/customers", json=NEW)
    assert added.status_code == 201 and added.json() == {
        "id": 2, "name": "长城建材有限公司", "owner": "bob", "phone": "+861063330001", "fax": "+861063330002",
        "risk_flags": []}
    assert bob.post("/customers", json={**NEW, "owner": "alice"}).status_code == 422  # no one named in the body
    collided = bob.post("/customers", json={**NEW, "name": "美来尔工程技术(北京)有限公司", "phone": "010-63330005",
                                            "fax": "010-63330006"})
    assert collided.status_code == 409 and "alice" not in collided.json()["message"]

    check = {"name": "北京美来尔工程技术有限公司", "phone": "(010)62345678"}
    assert carol.post("/customers/check", json=check).json() == [
        {"customer": None, "name": None, "match": "name", "score": 100, "why": "", "holder": HIDDEN_HOLDER,
         "region": None}]
    assert sam.post("/customers/check", json=check).json()[0]["holder"] == "alice (Alice Wang, partner BJ)"
    assert TestClient(alice.app).post("/customers/check", json=check).status_code == 401
    assert signed_in("olga").post("/customers/check", json=check).status_code == 403

    # Another partner's customer, a colleague's customer and a missing one: the same 404.
    for who, path, body in [(carol, "/customers/1/notes", {"text": "x"}), (bob, "/customers/1/notes", {"text": "x"}),
                            (carol, "/customers/1/claim", None),
                            (carol, "/customers/1/transfer-in", {"reason": "x", **CONFIRMED}),
                            (signed_in("shpartner"), "/customers/1/hand-over", {"to": "carol"})]:
        for cid in (1, 999):
            answer = who.post(path.replace("1", str(cid), 1), json=body)
            assert (answer.status_code, answer.json()) == (404, {
                "error": "not_found", "message": f"there is no customer {cid}", "code": "no_customer",
                "params": {"customer": str(cid)}}), path
    assert carol.get("/customers/1/history").json()["message"] == "there is no customer 1"
    assert alice.get("/customers/1").json() == {"id": 1, "name": "美来尔工程技术有限公司", "region": "北京",
                                                "owner": "alice"}
    for who, cid in ((carol, 1), (bob, 1), (alice, 999)):  # another partner's, a colleague's, a missing one
        answer = who.get(f"/customers/{cid}")
        assert (answer.status_code, answer.json()) == (404, {
            "error": "not_found", "message": f"there is no customer {cid}", "code": "no_customer",
            "params": {"customer": str(cid)}})

    assert alice.post("/customers/1/notes", json={"text": "visited"}).status_code == 201
    assert bjpartner.post("/customers/1/hand-over", json={"to": "bob"}).json() == {
        "id": 1, "name": "美来尔工程技术有限公司", "owner": "bob"}
    assert sam.post("/customers/1/hand-over", json={"to": "alice"}).status_code == 403
    first = sam.get("/customers/1/history", params={"limit": 1})
    assert [h["from"] for h in first.json()] == [None] and 'rel="next"' in first.headers["link"]
    assert [h["to"] for h in sam.get("/customers/1/history").json()] == ["alice", "bob"]

    page = sam.get("/customers", params={"limit": 1})
    assert [c["id"] for c in page.json()] == [1] and "offset=1" in page.headers["link"]
    assert [c["id"] for c in sam.get("/customers", params={"limit": 1, "offset": 1}).json()] == [2]
    assert carol.get("/customers").json() == [] and alice.get("/customers").json() == []
    assert sam.get("/transfer-applications").json() == []
    assert sam.get("/transfer-applications", params={"status": "OPEN"}).status_code == 422
    assert signed_in("fay").get("/transfer-applications").status_code == 403


async def test_transfer_in_over_http(api: ApiHarness) -> None:
    carol, gao, alice = api.client("carol"), api.client("gao"), api.client("alice")
    with api.services.transaction() as session:
        customer = session.get(Customer, 1)
        assert customer is not None
        move(session, customer, None, reason="recycled", actor="system", at=customer.created_at)
    filed = await carol.post("/customers/1/transfer-in", json={"reason": "moved to Shanghai", **CONFIRMED})
    assert filed.status_code == 201 and filed.json()["status"] == "FILED"
    assert (await carol.post("/customers/1/transfer-in", json={"reason": "again", **CONFIRMED})).status_code == 409
    assert (await alice.post("/customers/1/decision", json={"approve": True, "reason": "x"})).status_code == 403
    missing = await gao.post("/customers/999/decision", json={"approve": True, "reason": "x"})
    assert missing.status_code == 404
    decided = await gao.post("/customers/1/decision", json={"approve": True, "reason": "licence confirms"})
    assert decided.status_code == 200 and decided.json()["status"] == "APPROVED"
    assert [c["id"] for c in (await carol.get("/customers")).json()] == [1]
    approved = await gao.get("/transfer-applications", params={"status": "APPROVED"})
    assert [(a["customer"], a["rep"]) for a in approved.json()] == [(1, "carol")]
    assert (await alice.get("/transfer-applications", params={"status": "APPROVED"})).json() == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_correction_over_http_refuses_a_colliding_number_and_tells_both_holders(signed_in: SignedIn) -> None:
    alice, bob, olga = (signed_in(u) for u in ("alice", "bob", "olga"))
    # The deck's case 2: the caller's number as phone and fax; the real phone is alice's customer's.
    added = bob.post("/customers", json={**NEW, "phone": "010-63330009", "fax": "010-63330009",
                                         "same_phone_fax": True}).json()
    path = f"/customers/{added['id']}"
    collided = bob.patch(path, json={"phone": "010-62345678", "fax": "010-63330010", "reason": "from the licence"})
    assert collided.status_code == 409 and collided.json()["message"].startswith(
        f"customer {added['id']} was not corrected: a customer with the same phone, held in {HIDDEN_HOLDER}")
    for who in (alice, bob):
        assert [n["kind"] for n in who.get("/inbox").json()["notifications"]] == ["number-collision"]
    assert "alice" not in bob.get("/inbox").json()["notifications"][0]["text"]
    assert alice.patch(path, json={"address": "x路1号", "reason": "x"}).status_code == 404  # not hers: not found
    assert bob.patch(path, json={"address": "x路1号", "reason": "x", "owner": "alice"}).status_code == 422
    corrected = olga.patch(path, json={"phone": "010-63330011", "fax": "010-63330010", "reason": "checked"})
    assert corrected.status_code == 200 and corrected.json() == {
        "id": added["id"], "name": "长城建材有限公司", "phone": "+861063330011", "fax": "+861063330010",
        "address": NEW["address"], "risk_flags": [], "corrected": ["phone", "fax"]}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_name_correction_over_http_waits_for_the_order_group(signed_in: SignedIn) -> None:
    bob, olga = signed_in("bob"), signed_in("olga")
    added = bob.post("/customers", json=NEW).json()
    path = f"/customers/{added['id']}/name-correction"
    assert bob.post(path, json={"name": "美来尔工程技术(北京)有限公司", "reason": "licence"}).status_code == 409
    asked = bob.post(path, json={"name": "长城建材(北京)股份有限公司", "reason": "licence"})
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    assert [r["after"] for r in olga.get("/name-corrections").json()] == ["长城建材(北京)股份有限公司"]
    assert bob.get("/name-corrections").status_code == 403
    assert bob.post(f"{path}/decision", json={"approve": True, "reason": "x"}).status_code == 403
    decided = olga.post(f"{path}/decision", json={"approve": True, "reason": "licence checked"})
    assert decided.status_code == 200 and decided.json()["status"] == "applied"
    assert [c["name"] for c in bob.get("/customers").json()] == ["长城建材(北京)股份有限公司"]
