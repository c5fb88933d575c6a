"""Business errors. Each names the object it is about; `kind` decides the CLI exit code."""

from __future__ import annotations

from enum import StrEnum


class ErrorKind(StrEnum):
    INVALID = "invalid"  # malformed input: exit 2
    REFUSED = "refused"  # a business rule says no: exit 3
    FORBIDDEN = "forbidden"  # role or scope missing: exit 4
    NOT_FOUND = "not_found"  # exit 5
    UNAVAILABLE = "unavailable"  # a server or file the command needs is missing: exit 1


class DomainError(Exception):
    kind: ErrorKind = ErrorKind.REFUSED

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    kind = ErrorKind.INVALID


class Refused(DomainError):
    kind = ErrorKind.REFUSED


class NotPermitted(DomainError):
    kind = ErrorKind.FORBIDDEN


class NotFound(DomainError):
    kind = ErrorKind.NOT_FOUND


class Unavailable(DomainError):
    kind = ErrorKind.UNAVAILABLE


class WrongState(Refused):
    def __init__(self, order_number: str, status: str, action: str, expected: str) -> None:
        super().__init__(
            f"Order {order_number} is {status}; '{action}' needs it to be {expected}"
        )


class CustomerNotOwned(Refused):
    def __init__(self, customer_id: int, customer_name: str, holder: str, rep: str) -> None:
        super().__init__(
            f"Customer {customer_id} ({customer_name}) is not in {rep}'s warehouse: it is held by "
            f"{holder}. Ask the holder for a hand-over before signing."
        )


class ScanRejected(Refused):
    pass
