"""Certifications (认证): the read model of each order's certification (issue #17)."""

from __future__ import annotations

from db.models import Base  # noqa: F401
