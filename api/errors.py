"""One error body, `{"error": kind, "message": ...}` (with `code` and `params` for a refusal that has them), and the
one map from the domain's error kinds to statuses."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.errors import DomainError, ErrorKind, Throttled
from domain.printable import printable  # a request path as logged: a %0A cannot forge a line
from services.failures import as_domain_error

log = logging.getLogger("orderflow.api")

STATUS: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 422,
    ErrorKind.REFUSED: 409,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.THROTTLED: 429,
    ErrorKind.TOO_LARGE: 413,
}
# Statuses that are not a domain kind: a body that is not JSON at all, and a bug.
BAD_REQUEST = "bad_request"
INTERNAL = "internal"


def error_body(kind: str, message: str) -> dict[str, str]:
    return {"error": kind, "message": message}


def error_response(err: DomainError) -> JSONResponse:
    headers = {}
    if err.kind is ErrorKind.UNAUTHENTICATED:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(err, Throttled):
        headers["Retry-After"] = str(err.retry_after_seconds)
    body: dict[str, object] = {**error_body(err.kind.value, err.message)}
    if err.code:  # a refusal a client may word in its reader's language: its code and facts (domain/errors.py)
        body.update(code=err.code, params=err.params)
    return JSONResponse(body, status_code=STATUS[err.kind], headers=headers)


# Declared on every route for the OpenAPI document: the shape of every error answer.
ERROR_SCHEMA = {"content": {"application/json": {"schema": {
    "type": "object", "required": ["error", "message"],
    "properties": {"error": {"type": "string", "enum": [k.value for k in ErrorKind] + [BAD_REQUEST, INTERNAL]},
                   "message": {"type": "string"},
                   "code": {"type": "string", "description": "A refusal people often meet: what it is, for a "
                            "client to say it in its reader's language (wrong_state, cap_full, daily_limit ...)"},
                   "params": {"type": "object", "additionalProperties": {"type": "string"},
                              "description": "The facts of that refusal, by name."}}}}}}
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"description": kind.value, **ERROR_SCHEMA} for kind, status in STATUS.items()}
ERROR_RESPONSES[400] = {"description": BAD_REQUEST, **ERROR_SCHEMA}


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, err: DomainError) -> JSONResponse:
        return error_response(err)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, err: RequestValidationError) -> JSONResponse:
        problems = []
        for e in err.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body") or "body"
            if e.get("type") == "json_invalid":
                return JSONResponse(error_body(BAD_REQUEST, "the body is not valid JSON"), status_code=400)
            problems.append(f"{where}: {e.get('msg', 'invalid')}")
        return JSONResponse(error_body(ErrorKind.INVALID.value, "; ".join(problems)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, err: StarletteHTTPException) -> JSONResponse:
        kinds = {404: ErrorKind.NOT_FOUND.value, 405: BAD_REQUEST, 401: ErrorKind.UNAUTHENTICATED.value,
                 413: ErrorKind.TOO_LARGE.value, 415: BAD_REQUEST}
        return JSONResponse(error_body(kinds.get(err.status_code, BAD_REQUEST), str(err.detail)),
                            status_code=err.status_code, headers=getattr(err, "headers", None))

    async def any_error(request: Request, err: Exception) -> JSONResponse:
        known = as_domain_error(request.app.state.services.settings, err)
        if known is not None:
            return error_response(known)
        # A bug: logged with its traceback (no request body or headers, so no secret), answered without details.
        log.exception("unhandled error on %s %s", request.method, printable(request.url.path))
        return JSONResponse(error_body(INTERNAL, "the server failed on this request; it has been logged"),
                            status_code=500)

    # The failures of the servers a step needs, and a workflow's own refusal (a validator's, say), are answered
    # here, inside the app: a handler for `Exception` alone runs in Starlette's outermost layer, which answers
    # and then re-raises, so every refused step would also be logged as a crash.
    from botocore.exceptions import BotoCoreError, ClientError
    from sqlalchemy.exc import SQLAlchemyError
    from temporalio.exceptions import TemporalError

    for known_kind in (TemporalError, SQLAlchemyError, BotoCoreError, ClientError, OSError):
        app.add_exception_handler(known_kind, any_error)
    app.add_exception_handler(Exception, any_error)
