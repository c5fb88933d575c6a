"""Dates for tests, read when a test needs them: never kept in a module constant, because a run that crosses
midnight in Beijing (16:00 UTC) moves the server's "today" but not a constant computed at import."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.fields import business_date


def today() -> date:
    """The business day (Beijing) now."""
    return business_date(datetime.now(UTC))
