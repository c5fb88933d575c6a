"""Notification deliveries: each channel's attempt at a stored notification (issue #17)."""

from __future__ import annotations

from db.models import Base  # noqa: F401
