"""Every failure a use case can meet, said as one domain error: the API maps its kind to a status in one place."""

from __future__ import annotations

import logging

from domain.errors import DomainError, Refused, Unavailable
from orderflow.failures import business_cause, from_application_error
from orderflow.settings import Settings

log = logging.getLogger("orderflow.failures")


def as_domain_error(settings: Settings, err: BaseException, detailed: bool = False) -> DomainError | None:
    """A broken rule keeps its kind across Temporal; an unreachable server becomes `Unavailable`; anything else is
    a bug (None). People of other companies read these answers, so a server's address and the driver's words go
    to the log, and the answer names only which server is down; `detailed` (the admin commands on the server host)
    puts them in the message. Credentials appear in neither: the database URL is cut after its '@'."""
    from sqlalchemy.exc import OperationalError
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.exceptions import WorkflowAlreadyStartedError
    from temporalio.service import RPCError, RPCStatusCode

    if isinstance(err, DomainError):
        return err
    cause = business_cause(err)
    if cause is not None:
        return from_application_error(cause)
    if isinstance(err, WorkflowAlreadyStartedError):
        return Refused("that order number has already been issued; a number is never issued twice")
    if isinstance(err, WorkflowUpdateFailedError):
        return None  # an update that failed for no business reason is a bug, as it was for the CLI (exit 1)

    def down(server: str, details: str) -> Unavailable:
        log.warning("%s unavailable: %s", server, details)
        return Unavailable(f"{server} is not reachable" + (f" ({details})" if detailed else "; try again shortly"))

    if isinstance(err, RPCError):
        if err.status is RPCStatusCode.NOT_FOUND:
            from domain.errors import NotFound

            return NotFound(f"not found: {err.message}")
        return down("Temporal", f"{settings.temporal_address}: {err.status.name if err.status else ''} {err.message}")
    if isinstance(err, OperationalError):
        return down("the database", f"{settings.db_url.split('@')[-1]}: {err.orig}")
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(err, BotoCoreError | ClientError):
        return down("the file store (S3)", f"{settings.s3_endpoint_url}: {err}")
    if isinstance(err, ConnectionError | OSError):
        return down("a server the step needs", f"{type(err).__name__}: {err}")
    return None  # a bug: the API logs it and answers 500 without details
