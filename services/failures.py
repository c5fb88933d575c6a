"""Every failure a use case can meet, said as one domain error: the API maps its kind to a status in one place."""

from __future__ import annotations

from domain.errors import DomainError, ErrorKind, Refused, Unavailable
from orderflow.failures import business_cause
from orderflow.settings import Settings


def as_domain_error(settings: Settings, err: BaseException) -> DomainError | None:
    """A broken rule keeps its kind across Temporal; an unreachable server becomes `Unavailable` and says which;
    anything else is a bug (None).
    Messages never carry credentials: the database URL is shown without its user and password."""
    from sqlalchemy.exc import OperationalError
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.exceptions import WorkflowAlreadyStartedError
    from temporalio.service import RPCError, RPCStatusCode

    if isinstance(err, DomainError):
        return err
    cause = business_cause(err)
    if cause is not None:
        found = DomainError(cause.message)
        found.kind = ErrorKind(cause.details[0])
        return found
    if isinstance(err, WorkflowAlreadyStartedError):
        return Refused("that order number has already been issued; a number is never issued twice")
    if isinstance(err, WorkflowUpdateFailedError):
        return Refused(f"the step failed: {err.cause or err}")
    if isinstance(err, RPCError):
        if err.status is RPCStatusCode.NOT_FOUND:
            from domain.errors import NotFound

            return NotFound(f"not found: {err.message}")
        if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return Unavailable(f"Temporal is not reachable at {settings.temporal_address}: {err.message}")
        return Unavailable(f"Temporal refused the call: {err.message}")
    if isinstance(err, OperationalError):
        return Unavailable(f"the database is not reachable ({settings.db_url.split('@')[-1]}): {err.orig}")
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(err, BotoCoreError | ClientError):
        return Unavailable(f"S3 at {settings.s3_endpoint_url} failed: {type(err).__name__}")
    if isinstance(err, ConnectionError | OSError):
        return Unavailable(f"a server the step needs is not reachable: {type(err).__name__}")
    return None  # a bug: the API logs it and answers 500 without details
