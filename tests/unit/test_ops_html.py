"""The ops report's HTML page: typed text (partner codes, reps, order numbers) arrives as text and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from domain.ageing import OrderAge, build_report
from domain.order import OrderStatus
from orderflow.ops.html import (
    COLOURS,
    FUNNEL,
    FUNNEL_COLOUR,
    LEFT,
    ROW,
    SIDE_COLOUR,
    WIDTH,
    ageing_chart,
    funnel_chart,
    render_html,
)
from tests.hostile import HOSTILE

AS_OF = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
# Every element the template writes, and nothing else: no script, link, img, iframe, form, object or anchor.
TEMPLATE_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "span", "div", "svg",
                 "text", "rect", "table", "tr", "th", "td", "b"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


class Page(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs += [(name, value or "") for name, value in attrs]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _report(texts: list[str]) -> str:
    """Orders in every section of the page (open, past due, closed), with `texts` as their numbers, partners and
    reps; the report is scoped to the first of them."""
    orders = []
    for i, text in enumerate(texts):
        since = AS_OF - timedelta(days=i % 40 + 1)
        status = [OrderStatus.AWAITING_ORIGINAL, OrderStatus.RETURNED, OrderStatus.EFFECTIVE][i % 3]
        orders.append(OrderAge(text, text, text, status, since, since + timedelta(hours=12)))
    return render_html(build_report(orders, AS_OF), texts[0])


def test_hostile_text_renders_as_text_inside_the_templates_own_tags():
    hostile = ["<img src=x onerror=alert(1)>", '"><script>alert(1)</script>', "javascript:alert(1)", *HOSTILE]
    page = Page(_report(hostile))
    plain = Page(_report([f"BJ{100001 + i}" for i in range(len(hostile))]))
    assert page.tags == plain.tags == TEMPLATE_TAGS
    assert not [name for name, _ in page.attrs if name.lower().startswith("on")]
    assert not [value for _, value in page.attrs if "javascript:" in value.lower() or "evil" in value.lower()]
    shown = "".join(page.text)
    for text in hostile:  # each arrives whole, as the characters typed
        assert text in shown, text[:60]


def test_the_page_may_fetch_and_run_nothing():
    page = Page(_report(["BJ100001"]))
    assert ("http-equiv", "Content-Security-Policy") in page.attrs and ("content", CSP) in page.attrs
    assert "Status funnel" in "".join(page.text)


def test_the_charts_bars_are_as_long_as_their_counts() -> None:
    """The builders the page and the desk's team page share: the fullest status gets the longest bar."""
    funnel = funnel_chart({OrderStatus.ISSUED: 4, OrderStatus.EFFECTIVE: 2, OrderStatus.LOST: 1})
    assert [b.status for b in funnel.bars] == [*FUNNEL, OrderStatus.LOST]  # a side status only when it has orders
    widths = {b.status: [(p.x, p.width, p.colour) for p in b.parts] for b in funnel.bars}
    assert widths[OrderStatus.ISSUED] == [(LEFT, WIDTH, FUNNEL_COLOUR)]
    assert widths[OrderStatus.EFFECTIVE] == [(LEFT, WIDTH / 2, FUNNEL_COLOUR)]
    assert widths[OrderStatus.LOST] == [(LEFT, WIDTH / 4, SIDE_COLOUR)]
    assert [b.y for b in funnel.bars] == [i * ROW for i in range(len(FUNNEL) + 1)]
    ageing = ageing_chart({OrderStatus.RETURNED: {"<1d": 1, ">30d": 1},
                           OrderStatus.AWAITING_ORIGINAL: {"1-3d": 4}})
    assert [(b.status, b.total, b.y) for b in ageing.bars] == [(OrderStatus.AWAITING_ORIGINAL, 4, 0),
                                                               (OrderStatus.RETURNED, 2, ROW)]
    returned = ageing.bars[1]
    assert [(p.x, p.width, p.colour, p.label, p.count) for p in returned.parts] == [
        (LEFT, WIDTH / 4, COLOURS[0], "<1d", 1), (LEFT + WIDTH / 4, WIDTH / 4, COLOURS[-1], ">30d", 1)]
    assert returned.end == LEFT + WIDTH / 2 and ageing.height == 2 * ROW + 4
