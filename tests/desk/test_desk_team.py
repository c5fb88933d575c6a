"""The team and reports page over HTTP: a manager sees his team's contact counts and latest notes, with a typed
note shown as text; operations staff see the ageing report and the Temporal Web UI's saved queries; each section
only to a role that may see it; a rep is refused. The report's funnel and ageing charts are the HTML report's,
drawn as inline SVG with Chinese words; the saved queries and the age buckets have their words."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from domain.ageing import LABELS
from orderflow.ops.html import COLOURS, FUNNEL, FUNNEL_COLOUR
from orderflow.ops.queries import saved_queries
from tests.desk.conftest import Desk
from tests.desk.test_desk_scans import issued
from web.team import AGE, QUERY, query_name

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


def _bars(page: str, chart: str) -> dict[str, tuple[str, str, list[tuple[str, str, str]]]]:
    """A chart's bars by status: the label, the total written after the bar, and each part's width, colour and
    title."""
    svg = re.search(rf'<svg class="chart" id="{chart}"[^>]*>(.*?)</svg>', page, re.S)
    assert svg, f"no {chart} on the page"
    bars = {}
    for status, total, body in re.findall(r'<g class="bar" data-status="(\w+)" data-total="(\d+)">(.*?)</g>',
                                          svg.group(1), re.S):
        label = re.search(r'<text x="0" [^>]*>([^<]*)</text>', body)
        assert label, body
        parts = re.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="20" fill="(#\w+)"[^>]*>'
                           r'<title>([^<]*)</title>', body)
        bars[status] = (html.unescape(label.group(1)), total, [(w, c, html.unescape(t)) for w, c, t in parts])
    return bars


async def test_the_report_draws_the_funnel_and_ageing_charts_in_chinese(desk: Desk) -> None:
    amy = await desk.person("amy")
    for _ in range(2):
        await issued(amy)
    olga = await desk.person("olga")
    page = (await olga.get("/desk/team")).text
    assert "style=" not in page and "<script>" not in page  # the CSP allows neither: SVG's own attributes only
    assert 'href="/desk/static/team.css"' in page
    funnel = _bars(page, "funnel-chart")
    assert list(funnel) == [s.value for s in FUNNEL]  # no side status has orders
    assert funnel["ISSUED"] == ("已发放，待签约", "2", [("560.0", FUNNEL_COLOUR, "已发放，待签约: 2")])
    assert funnel["EFFECTIVE"] == ("已生效", "0", [("0.0", FUNNEL_COLOUR, "已生效: 0")])
    ageing = _bars(page, "ageing-chart")
    assert ageing == {"ISSUED": ("已发放，待签约", "2", [("560.0", COLOURS[0], "已发放，待签约 · 不足 1 天: 2")])}
    # The text alternative: each chart's title and desc name it and its numbers, and point to the table.
    assert '<title id="funnel-chart-title">状态漏斗</title>' in page
    assert 'aria-describedby="funnel-chart-desc report-counts"' in page
    assert '<desc id="ageing-chart-desc">已发放，待签约: 2 (不足 1 天 2)</desc>' in page
    assert 'id="report-ageing"' in page and "<th>超过 30 天</th>" in page and "&lt;1d" not in page
    # The saved queries by their Chinese names, with the values they were made for.
    assert "待复审的订单</a>" in page and "渠道商 BJ 的订单</a>" in page and "waiting for second review" not in page


def test_every_saved_query_and_age_has_its_words() -> None:
    """A saved query or an age bucket added without its words on the desk fails here."""
    for query in saved_queries(datetime.now(UTC), "SH", "zed"):
        named = query_name(query.name)
        assert named is not None and named[0] in QUERY.values(), f"no words for the saved query {query.name!r}"
        words, values = named
        assert "%(" not in words % values  # every value it names is there
    assert query_name("orders of partner SH") == ("Orders of partner %(partner)s",
                                                  {"partner": "SH", "user": ""})
    assert query_name("waiting for zed") == ("Waiting for %(user)s", {"partner": "", "user": "zed"})
    assert query_name("waiting for second review") == ("Waiting for the second review", {"partner": "", "user": ""})
    assert query_name("<b>a new query</b> at 100%") is None  # shown as text, as it comes
    assert set(AGE) == set(LABELS)


async def test_a_saved_query_the_desk_has_no_words_for_is_shown_as_text(desk: Desk,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """gettext trusts its message as markup: a name it has no words for never reaches it."""
    import web.team

    def queries(*_: object, **__: object) -> list[dict[str, str]]:
        return [{"name": "<b>new</b> query", "query": 'OrderStatus="LOST"', "url": "http://127.0.0.1:8233/x"}]

    monkeypatch.setattr(web.team.ops, "saved_queries", queries)
    page = (await (await desk.person("olga")).get("/desk/team")).text
    assert "&lt;b&gt;new&lt;/b&gt; query</a>" in page and "<b>new</b>" not in page
