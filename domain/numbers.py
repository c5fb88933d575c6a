"""Order numbers and the number ranges handed to each channel partner."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from domain.errors import InvalidInput

NUMBER_RE = re.compile(r"^([A-Z]{1,4})([0-9]{3,10})$")


@dataclass(frozen=True)
class OrderNumber:
    prefix: str
    value: int
    width: int

    def __str__(self) -> str:
        return f"{self.prefix}{self.value:0{self.width}d}"


def parse_number(text: str) -> OrderNumber:
    cleaned = text.strip().upper()
    match = NUMBER_RE.match(cleaned)
    if not match:
        raise InvalidInput(
            f"order number '{text}' is malformed: expected 1-4 letters then 3-10 digits, e.g. BJ100001"
        )
    digits = match.group(2)
    return OrderNumber(match.group(1), int(digits), len(digits))


@dataclass(frozen=True)
class NumberRange:
    partner: str
    prefix: str
    first: int
    last: int

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Z]{1,4}", self.prefix):
            raise InvalidInput(f"range prefix '{self.prefix}' of partner {self.partner} must be 1-4 capital letters")
        if self.first < 0 or self.last < self.first:
            raise InvalidInput(
                f"range {self.prefix}{self.first}-{self.last} of partner {self.partner} is empty or negative"
            )

    def contains(self, number: OrderNumber) -> bool:
        return number.prefix == self.prefix and self.first <= number.value <= self.last

    def describe(self) -> str:
        return f"{self.prefix}{self.first}-{self.prefix}{self.last}"


def find_overlap(ranges: Iterable[NumberRange]) -> tuple[NumberRange, NumberRange] | None:
    """The first pair of ranges that share a number, if any."""
    ordered = sorted(ranges, key=lambda r: (r.prefix, r.first))
    for left, right in zip(ordered, ordered[1:], strict=False):
        if left.prefix == right.prefix and right.first <= left.last:
            return left, right
    return None


def owning_range(number: OrderNumber, ranges: Iterable[NumberRange]) -> NumberRange | None:
    return next((r for r in ranges if r.contains(number)), None)
