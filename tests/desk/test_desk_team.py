"""The team and reports page over HTTP: a manager sees his team's contact counts and latest notes, with a typed
note shown as text; operations staff see the ageing report and the Temporal Web UI's saved queries; each section
only to a role that may see it; a rep is refused."""

from __future__ import annotations

from tests.desk.conftest import Desk
from tests.desk.test_desk_scans import issued

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(1)>"


async def test_a_manager_sees_his_team_and_typed_notes_come_back_as_text(desk: Desk) -> None:
    noted = await desk.api.client("alice").post("/customers/1/notes", json={"text": f"回访 {HOSTILE}"})
    assert noted.status_code == 201, noted.text
    mike = await desk.person("mike")
    page = await mike.get("/desk/team")
    assert page.status_code == 200, page.text
    text = page.text
    assert 'id="team"' in text and "我的团队" in text and "alice" in text and "Alice Wang" in text
    assert "回访 &lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<script>alert" not in text and "<img src=x" not in text
    # A manager also runs the ops report; a supervisor sees his team only.
    assert 'id="report"' in text and 'id="queries"' in text
    sam = (await (await desk.person("sam")).get("/desk/team")).text
    assert 'id="team"' in sam and "alice" in sam and 'id="report"' not in sam and 'id="queries"' not in sam


async def test_a_rep_is_refused_and_operations_see_the_report_and_queries(desk: Desk) -> None:
    alice = await desk.person("alice")
    refused = await alice.get("/desk/team")
    assert refused.status_code == 403 and 'id="team"' not in refused.text and 'id="report"' not in refused.text
    amy = await desk.person("amy")
    number = await issued(amy)
    olga = await desk.person("olga")  # the order group: the ops report, no team
    page = (await olga.get("/desk/team")).text
    assert 'id="report"' in page and 'id="queries"' in page and 'id="team"' not in page
    assert "订单：状态与账龄" in page and "/namespaces/" in page and "OrderStatus%3D%22SECOND_REVIEW%22" in page
    assert f"/desk/orders/{number}" in page and "已发放，待签约" in page  # the oldest issued order, by its status
