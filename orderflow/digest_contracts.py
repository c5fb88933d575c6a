"""The daily digest's messages (issue #17): the schedule's input, the activities' inputs and results."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from orderflow.contracts import Model


class DigestInput(Model):
    """The schedule starts a run with the defaults. `as_of` and `people` carry a long run over a continue-as-new:
    the same day's digest, for those not reached yet."""

    per_section: int = Field(default=20, gt=0, le=200)
    as_of: datetime | None = None
    people: list[str] | None = None


class DigestRun(Model):
    as_of: datetime


class DigestPeople(Model):
    usernames: list[str]  # active people with at least one item, by username


class DigestFor(Model):
    username: str
    as_of: datetime
    day: date  # the business day (Beijing) the digest is for: part of its notification key
    per_section: int = 20


class DigestResult(Model):
    people: int = 0  # people with something in their digest
    sent: int = 0  # digests written now (a re-run the same day writes none again)
