"""The daily digest's text (每日摘要): what waits for a person, what is overdue, which customers are about to be
recycled, in Chinese, bounded per section."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from domain.fields import BUSINESS_TZ
from domain.order import OrderStatus
from domain.printable import printable

S = OrderStatus

# (section key, heading); the sources (db/digest_sources.py) file each item under one of the keys.
SECTIONS: tuple[tuple[str, str], ...] = (("waiting", "等待您处理"), ("overdue", "已逾期"), ("recycle", "即将回收"))
PER_SECTION = 20  # a digest is a reminder, not the inbox: the rest is counted, and `orderflow inbox` lists it

# What an order waits for, as the digest says it (domain.order.WAITING_FOR says it in English for the CLI).
WAITING_ZH: dict[OrderStatus, str] = {
    S.ISSUED: "等待与客户签单",
    S.AWAITING_ORIGINAL: "等待原件送达",
    S.FIRST_REVIEW: "等待第一次审核",
    S.AWAITING_SCAN: "等待上传原件扫描件",
    S.SECOND_REVIEW: "等待订单组第二次审核",
    S.AWAITING_PAYMENT: "等待客户付款",
    S.RETURNED: "被退回，等待更正",
    S.ESCALATED: "已升级，等待主管处理",
    S.LOST: "已遗失，等待补发新单号",
}


class Line(Protocol):
    """One item of the digest (db.digest_sources.DigestItem)."""

    @property
    def section(self) -> str: ...

    @property
    def what(self) -> str: ...

    @property
    def due_at(self) -> datetime | None: ...

    @property
    def link(self) -> str: ...


def waiting_zh(status: str) -> str:
    try:
        return WAITING_ZH[OrderStatus(status)]
    except (ValueError, KeyError):
        return f"状态 {status}"


def _when(at: datetime) -> str:
    return f"{at.astimezone(BUSINESS_TZ):%Y-%m-%d %H:%M}"


def digest_text(day: date, items: Sequence[Line], desk_url: str, per_section: int = PER_SECTION) -> str:
    """The digest of one person for `day`: a count line, then each non-empty section, soonest deadline first, at
    most `per_section` lines each and "还有 N 项" for the rest. Typed parts (customer names) are written with every
    invisible character spelt out, so each item stays one line; mail and chat escape the text where they show it."""
    base = desk_url.rstrip("/")
    by_section = {key: [i for i in items if i.section == key] for key, _ in SECTIONS}
    counts = "，".join(f"{title} {len(by_section[key])} 项" for key, title in SECTIONS)
    lines = [f"{day:%Y年%m月%d日} 每日摘要：{counts}。"]
    for key, title in SECTIONS:
        found = sorted(by_section[key], key=lambda i: (i.due_at is None, i.due_at or datetime.min.replace(
            tzinfo=BUSINESS_TZ), i.what))
        if not found:
            continue
        lines += ["", f"【{title}】（{len(found)} 项）"]
        for n, item in enumerate(found[:per_section], start=1):
            due = f"，截止 {_when(item.due_at)}" if item.due_at else ""
            lines.append(f"{n}. {printable(item.what)}{due}  {base}{item.link}")
        if len(found) > per_section:
            lines.append(f"还有 {len(found) - per_section} 项，请用 orderflow inbox 查看全部。")
    return "\n".join(lines)
