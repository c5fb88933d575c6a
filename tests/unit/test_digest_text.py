"""The daily digest's Chinese text: sections in order, soonest deadline first, bounded, one line per item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from domain.digest import digest_text, waiting_zh

DAY = date(2026, 12, 2)
AT = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    section: str
    what: str
    due_at: datetime | None
    link: str


def test_the_sections_come_in_order_with_counts_deadlines_in_beijing_time_and_links():
    text = digest_text(DAY, [
        Item("recycle", "客户 7（长城建材）自 2026-11-01 起未跟进", None, "/customers/7"),
        Item("waiting", "订单 BJ100002 等待第一次审核", AT + timedelta(days=2), "/orders/BJ100002"),
        Item("waiting", "订单 BJ100001 等待与客户签单", AT + timedelta(days=1), "/orders/BJ100001"),
    ], "http://desk.example/")
    assert text.splitlines() == [
        "2026年12月02日 每日摘要：等待您处理 2 项，已逾期 0 项，即将回收 1 项。",
        "",
        "【等待您处理】（2 项）",
        "1. 订单 BJ100001 等待与客户签单，截止 2026-12-03 09:00  http://desk.example/orders/BJ100001",
        "2. 订单 BJ100002 等待第一次审核，截止 2026-12-04 09:00  http://desk.example/orders/BJ100002",
        "",
        "【即将回收】（1 项）",
        "1. 客户 7（长城建材）自 2026-11-01 起未跟进  http://desk.example/customers/7",
    ]


def test_a_long_section_is_cut_and_says_how_many_more():
    items = [Item("overdue", f"订单 BJ1000{n:02d} 等待客户付款", AT - timedelta(hours=n), f"/orders/BJ1000{n:02d}")
             for n in range(25)]
    lines = digest_text(DAY, items, "http://d", per_section=20).splitlines()
    assert lines[2] == "【已逾期】（25 项）" and len(lines) == 3 + 20 + 1
    assert lines[3].startswith("1. 订单 BJ100024")  # the longest overdue first
    assert lines[-1] == "还有 5 项，请用 orderflow inbox 查看全部。"


def test_typed_text_cannot_break_an_item_into_forged_lines():
    text = digest_text(DAY, [Item("recycle", "客户 1（坏\n2. 伪造的一行）", None, "/customers/1")], "http://d")
    assert "客户 1（坏\\n2. 伪造的一行）" in text and len(text.splitlines()) == 4


def test_every_waiting_status_has_words_and_an_unknown_one_is_named():
    assert waiting_zh("FIRST_REVIEW") == "等待第一次审核"
    assert waiting_zh("SOMETHING_NEW") == "状态 SOMETHING_NEW"
