"""The organisation routes over HTTP, in process on SQLite: each user signs in for a real token; the actor comes
from it, an out-of-scope partner answers 404, the org file is a raw YAML body, and lists page."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.conftest import SignedIn

ORG_FILE = Path(__file__).resolve().parents[2] / "examples" / "org.yaml"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_accounts_over_http(signed_in: SignedIn) -> None:
    mike = signed_in("mike")
    opened = mike.post("/users", json={"username": "dan", "name": "Dan Deng", "partner": "BJ",
                                       "regions": ["天津"], "reports_to": "sam"})
    assert opened.status_code == 201 and len(opened.json()["setup_code"]) >= 8
    assert mike.post("/users", json={"username": "eve", "name": "Eve", "partner": "BJ", "regions": ["北京"],
                                     "acting_as": "dora"}).status_code == 422  # no actor from the body
    mary = signed_in("mary")
    refused = mary.post("/users", json={"username": "eve", "name": "Eve", "partner": "BJ", "regions": ["北京"]})
    assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    assert mary.post("/users/bob/close", json={"reason": "left"}).json() == {
        "error": "not_found", "message": "there is no user 'bob'"}
    bob = signed_in("bob")
    assert bob.get("/inbox").status_code == 200
    assert mike.post("/users/bob/close", json={"reason": "left"}).json() == {
        "username": "bob", "customers_to_partner": 0, "customers_to_pool": 0, "open_orders": []}
    assert bob.get("/inbox").status_code == 401  # his token died with the account
    assert {r["rep"] for r in signed_in("sam").get("/team", params={"since": "2020-01-01"}).json()["reps"]} == {
        "alice", "bob", "dan"}
    assert mike.get("/team", params={"since": "yesterday"}).status_code == 422


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_org_file_is_a_yaml_body_for_a_director(signed_in: SignedIn) -> None:
    body = ORG_FILE.read_bytes()
    dora, mike = signed_in("dora"), signed_in("mike")
    assert mike.put("/org", content=body, headers={"Content-Type": "application/yaml"}).status_code == 403
    # The role is checked before the body is received: no size limit is told to who may not send the file.
    refused = mike.put("/org", content=b"#" * (1024 * 1024 + 1), headers={"Content-Type": "application/yaml"})
    assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    loaded = dora.put("/org", content=body, params={"filename": "../../etc/org.yaml"},
                      headers={"Content-Type": "application/yaml"})
    assert loaded.json() == {"partners": 2, "users": 17, "deactivated": [], "open_orders": {}}
    bad = dora.put("/org", content=b"partners: [", params={"filename": "mine.yaml"},
                   headers={"Content-Type": "text/yaml"})
    assert bad.status_code == 422 and bad.json()["message"].startswith("org file mine.yaml is not valid YAML")
    assert dora.put("/org", content=b"x", headers={"Content-Type": "image/png"}).status_code == 422
    huge = dora.put("/org", content=b"#" * (1024 * 1024 + 1), headers={"Content-Type": "application/yaml"})
    assert (huge.status_code, huge.json()["error"]) == (413, "too_large")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_views_and_ops_over_http(signed_in: SignedIn) -> None:
    olga = signed_in("olga")
    page = olga.get("/ops/queries", params={"limit": 3})
    assert len(page.json()) == 3 and 'rel="next"' in page.headers["link"]
    report = olga.get("/ops/report", params={"partner": "BJ", "as_of": "2026-01-01", "html": "true"}).json()
    assert report["counts"] == [] and "Status funnel" in report["html"]
    assert signed_in("hank").get("/ops/report", params={"partner": "SH"}).json() == {
        "error": "not_found", "message": "there is no partner SH"}
    fay = signed_in("fay")
    for month in ("2026-13", "abc", "9999-12"):  # the service's own words, not the query parser's
        bad = fay.get("/credits", params={"month": month})
        assert (bad.status_code, bad.json()["error"]) == (422, "invalid")
        assert bad.json()["message"].startswith(f"month '{month}' "), bad.json()
    assert fay.get("/credits", params={"month": "2026-0" + "1" * 20}).status_code == 422  # max_length
    assert olga.get("/credits", params={"month": "abc"}).status_code == 403  # the permission comes first
    assert signed_in("alice").get("/credits").json() == []
    assert signed_in("amy").get("/credits").status_code == 403
