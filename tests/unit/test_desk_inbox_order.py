"""我的待办's order: the overdue first (the longest overdue on top), then by deadline, then those without one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from web.inbox import ordered

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def row(number: str, due: timedelta | None, updated: str = "2026-11-30T00:00:00+00:00") -> dict[str, object]:
    return {"number": number, "status": "FIRST_REVIEW", "updated_at": updated,
            "due_at": (NOW + due).isoformat() if due is not None else None}


def test_overdue_first_then_by_deadline_then_none() -> None:
    rows = [row("A", None), row("B", timedelta(days=2)), row("C", -timedelta(hours=1)), row("D", timedelta(hours=3)),
            row("E", -timedelta(days=3)), row("F", None, "2026-11-01T00:00:00+00:00")]
    found = ordered(rows, NOW)
    assert [r["number"] for r in found] == ["E", "C", "D", "B", "F", "A"]
    assert [r["overdue"] for r in found] == [True, True, False, False, False, False]
