"""Special follow-ups (其它特殊问题跟进): the read model of each case (issue #17)."""

from __future__ import annotations

from db.models import Base  # noqa: F401
