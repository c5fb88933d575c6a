"""Business errors. Each names the object it is about; `kind` decides the CLI exit code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TypeVar

T = TypeVar("T")


class ErrorKind(StrEnum):
    """Each kind has one HTTP status (api/errors.py) and one CLI exit code (cli/runtime.py)."""

    INVALID = "invalid"  # malformed input: 422, exit 2
    REFUSED = "refused"  # a business rule says no: 409, exit 3
    FORBIDDEN = "forbidden"  # role missing: 403, exit 4
    NOT_FOUND = "not_found"  # missing, or outside the caller's scope (the same answer): 404, exit 5
    UNAVAILABLE = "unavailable"  # a server or file the command needs is missing: 503, exit 1
    UNAUTHENTICATED = "unauthenticated"  # no valid token or session, or a wrong password: 401, exit 4
    THROTTLED = "throttled"  # too many failed sign-ins for now: 429, exit 4
    TOO_LARGE = "too_large"  # a body or file over its limit: 413, exit 2


# The CLI's exit code for each kind (the API answers the kind; the CLI and the admin commands exit with this).
EXIT_CODES: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 2, ErrorKind.REFUSED: 3, ErrorKind.FORBIDDEN: 4, ErrorKind.NOT_FOUND: 5,
    ErrorKind.UNAVAILABLE: 1, ErrorKind.UNAUTHENTICATED: 4, ErrorKind.THROTTLED: 4, ErrorKind.TOO_LARGE: 2,
}


class DomainError(Exception):
    """A broken rule, in words. A refusal people often meet also names its `code` and the facts of the case
    (`params`, all text), so that a client can say it in the reader's language (the desk says it in Chinese);
    the message stays the English words for logs, scripts and the CLI."""

    kind: ErrorKind = ErrorKind.REFUSED
    code: str | None = None

    def __init__(self, message: str, params: dict[str, str] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.params = params or {}
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    kind = ErrorKind.INVALID


class Refused(DomainError):
    kind = ErrorKind.REFUSED


class NotPermitted(DomainError):
    kind = ErrorKind.FORBIDDEN


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND


def no_order(number: str) -> NotFound:
    """The one answer for an order that does not exist and one the caller may not see."""
    return NotFound(f"there is no order {number}", {"order": number}, code="no_order")


def no_customer(customer_id: int) -> NotFound:
    """The one answer for a customer that does not exist and one the caller may not see."""
    return NotFound(f"there is no customer {customer_id}", {"customer": str(customer_id)}, code="no_customer")


class Unavailable(DomainError):
    kind = ErrorKind.UNAVAILABLE


class NotAuthenticated(DomainError):
    kind = ErrorKind.UNAUTHENTICATED


class Throttled(DomainError):
    kind = ErrorKind.THROTTLED

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class TooLarge(DomainError):
    kind = ErrorKind.TOO_LARGE


class WrongState(Refused):
    """`status` is the order's status ("" before it is issued); `expected`, the statuses the step needs (none:
    only an order not yet issued)."""

    code = "wrong_state"

    def __init__(self, order_number: str, status: str, action: str, expected: Sequence[str]) -> None:
        super().__init__(
            f"Order {order_number} is {status or 'not issued'}; '{action}' needs it to be "
            f"{' or '.join(expected) or 'not yet issued'}",
            {"order": order_number, "status": status, "action": action, "expected": ",".join(expected)})


class CustomerNotOwned(Refused):
    code = "customer_not_owned"

    def __init__(self, customer_id: int, customer_name: str, holder: str, rep: str) -> None:
        super().__init__(
            f"Customer {customer_id} ({customer_name}) is not in {rep}'s warehouse: it is held by "
            f"{holder}. Sign for it once it is yours: claim it from the pool, or ask the holder's channel partner "
            f"account, the only one who can move a rep's customer, for a hand-over (转移).",
            {"customer": str(customer_id), "name": customer_name, "holder": holder, "rep": rep})


class ScanRejected(Refused):
    pass


class Problems:
    """Every malformed value of a form named at once: each check runs, and its refusal is kept, not raised."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def attempt(self, check: Callable[[], T]) -> T | None:
        try:
            return check()
        except InvalidInput as err:
            self.messages.append(err.message)
            return None

    def add(self, message: str) -> None:
        self.messages.append(message)

    def raise_any(self) -> None:
        if self.messages:
            raise InvalidInput("; ".join(self.messages))

