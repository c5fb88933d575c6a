"""What a person's daily digest lists: each part of the process adds a source (issue #17).

A source reads, in one session, what waits for one person; the digest activity calls every source in SOURCES."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class DigestItem:
    section: str  # "waiting" (waits for you), "overdue" (past its deadline) or "recycle" (about to be recycled)
    what: str  # one line in Chinese, e.g. "订单 BJ100001 等待第一次审核"; typed parts are escaped where shown
    due_at: datetime | None
    link: str  # the item's path under the desk's address, e.g. "/orders/BJ100001"


# (session, username, now) -> the items waiting for that person
Source = Callable[[Session, str, datetime], list[DigestItem]]

SOURCES: list[Source] = [
    # [digest] sources
    # [certification] sources
    # [follow-up] sources
]
