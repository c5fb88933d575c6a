"""GET /customers/pool (公海) over HTTP: a rep pages through the pool of their own regions with a search, each row
saying whether the rep may claim it now; a role without the claim right is refused, odd input is a 422."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from db.customer_repo import add_customer
from db.engine import unit_of_work
from db.warehouse_repo import move
from domain.people import Role
from tests.api.conftest import SignedIn
from tests.helpers import entry


def _to_pool(sessions: sessionmaker[Session], name: str, phone: str, region: str, days_ago: int) -> int:
    at = datetime.now(UTC) - timedelta(days=days_ago)
    with unit_of_work(sessions) as session:
        c = add_customer(session, entry(name, phone, phone[:-1] + "9", region=region), owner="bob", role=Role.SALES,
                         partner="BJ", at=at - timedelta(days=60))
        move(session, c, None, reason="recycled", actor="system", at=at)
        return c.id


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_pool_over_http(signed_in: SignedIn, sessions: sessionmaker[Session]) -> None:
    older = _to_pool(sessions, "长城建材有限公司", "010-66660101", "北京", days_ago=3)
    newer = _to_pool(sessions, "黄河机械有限公司", "010-66660201", "北京", days_ago=1)
    shanghai = _to_pool(sessions, "浦江贸易有限公司", "021-66660301", "上海", days_ago=2)
    alice, carol = signed_in("alice"), signed_in("carol")

    first = alice.get("/customers/pool", params={"limit": 1})
    assert first.status_code == 200 and [r["id"] for r in first.json()] == [newer]
    assert first.json()[0] == {"id": newer, "name": "黄河机械有限公司", "region": "北京",
                               "entered_at": first.json()[0]["entered_at"], "reason": "recycled", "may_claim": True,
                               "why_not": None, "why_not_code": None, "why_not_params": {}}
    assert 'rel="next"' in first.headers["link"] and "offset=1" in first.headers["link"]
    second = alice.get("/customers/pool", params={"limit": 1, "offset": 1})
    assert [r["id"] for r in second.json()] == [older] and "link" not in second.headers
    assert [r["id"] for r in alice.get("/customers/pool", params={"q": "长城"}).json()] == [older]
    assert [r["id"] for r in alice.get("/customers/pool", params={"q": "6666 0201"}).json()] == [newer]
    assert [r["id"] for r in carol.get("/customers/pool").json()] == [shanghai]

    assert alice.post(f"/customers/{older}/claim").status_code == 200
    assert [r["id"] for r in alice.get("/customers/pool").json()] == [newer]

    long = alice.get("/customers/pool", params={"q": "长" * 101})
    assert long.status_code == 422 and long.json()["message"].startswith("the search text is 101 characters long")
    for params in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"q": "x" * 401}):
        assert alice.get("/customers/pool", params=params).status_code == 422, params
    for who in ("sam", "bjpartner", "olga"):
        refused = signed_in(who).get("/customers/pool")
        assert refused.status_code == 403 and "lacks the 'claim' permission" in refused.json()["message"]
