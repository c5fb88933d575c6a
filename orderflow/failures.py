"""Carry a domain error across Temporal and back, keeping its kind (and so the CLI exit code)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from temporalio.exceptions import ActivityError, ApplicationError

from domain.errors import DomainError, ErrorKind

P = ParamSpec("P")
R = TypeVar("R")


def to_application_error(err: DomainError) -> ApplicationError:
    """The kind first (business_cause finds it there), then the code and facts a client words the refusal by."""
    said = [{"code": err.code, "params": err.params}] if err.code else []
    return ApplicationError(err.message, err.kind.value, *said, type=type(err).__name__, non_retryable=True)


def from_application_error(cause: ApplicationError) -> DomainError:
    """The domain error an ApplicationError of to_application_error's carries: its kind, and its code and facts
    when they are there and well-formed (a failure is read back from the server: nothing in it is trusted)."""
    found = DomainError(cause.message)
    found.kind = ErrorKind(cause.details[0])
    said = cause.details[1] if len(cause.details) > 1 else None
    if isinstance(said, dict) and isinstance(said.get("code"), str) and isinstance(said.get("params"), dict):
        params = said["params"]
        if all(isinstance(k, str) and isinstance(v, str) for k, v in params.items()):
            found.code, found.params = said["code"], dict(params)
    return found


def business_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """For activities: a broken rule fails at once; anything else propagates and is retried."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except DomainError as err:
            raise to_application_error(err) from err

    return wrapper


def business_cause(err: BaseException) -> ApplicationError | None:
    """The innermost ApplicationError that carries an ErrorKind, if any."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, ApplicationError) and seen.details and seen.details[0] in ErrorKind._value2member_map_:
            return seen
        seen = seen.__cause__ or getattr(seen, "cause", None)
    return None


def rethrow_activity_failure(err: ActivityError) -> ApplicationError:
    """Turn a failed activity into an update failure the caller can read; the workflow itself lives on."""
    cause = business_cause(err)
    if cause is not None:
        return ApplicationError(cause.message, *cause.details, type=cause.type, non_retryable=True)
    return ApplicationError(f"the step could not be recorded: {err.cause or err}", ErrorKind.REFUSED.value,
                            type="StepFailed", non_retryable=True)


def kind_of(err: BaseException) -> ErrorKind | None:
    cause = business_cause(err)
    return ErrorKind(cause.details[0]) if cause is not None else None
