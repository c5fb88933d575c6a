"""What every command shares: settings, the acting user, output, and turning failures into exit codes."""

from __future__ import annotations

import inspect
import json
import sys
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel

from domain.errors import DomainError, ErrorKind, InvalidInput, Unavailable
from domain.people import Actor
from orderflow.settings import Settings

T = TypeVar("T")

EXIT_CODES = {ErrorKind.INVALID: 2, ErrorKind.REFUSED: 3, ErrorKind.FORBIDDEN: 4, ErrorKind.NOT_FOUND: 5,
              ErrorKind.UNAVAILABLE: 1}


@dataclass
class Cli:
    settings: Settings
    user: str | None
    as_json: bool
    request_id: str | None = None
    _sessions: Any = field(default=None, repr=False)

    def sessions(self) -> Any:
        if self._sessions is None:
            from db.engine import make_engine, session_factory

            url = self.settings.db_url
            if url.startswith("sqlite:///") and not (self.settings.data_dir / "orderflow.db").exists() \
                    and not self.settings.database_url:
                raise Unavailable(f"there is no database at {url.removeprefix('sqlite:///')}; "
                                  "start the stack with `make up` or run `orderflow db upgrade`")
            self._sessions = session_factory(make_engine(url))
        return self._sessions

    def actor(self) -> Actor:
        from db.engine import unit_of_work
        from db.org_repo import load_actor

        if not self.user:
            raise InvalidInput("no acting user: pass --as USER or set ORDERFLOW_USER")
        with unit_of_work(self.sessions()) as session:
            return load_actor(session, self.user)

    def emit(self, data: Any, human: Callable[[], None]) -> None:
        if self.as_json:
            print(json.dumps(_plain(data), ensure_ascii=False, indent=2, default=str))
        else:
            human()


def _plain(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, list):
        return [_plain(x) for x in data]
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    return data


def get(ctx: typer.Context) -> Cli:
    obj = ctx.find_root().obj
    assert isinstance(obj, Cli)
    return obj


def fail(cli: Cli | None, code: int, message: str, kind: str = "error") -> NoReturn:
    if cli is not None and cli.as_json:
        print(json.dumps({"error": message, "kind": kind, "exit_code": code}, ensure_ascii=False))
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def run(cli: Cli, work: Callable[[], Coroutine[Any, Any, T]] | Callable[[], T]) -> T:
    """Run a command body and map every failure to a one-line message and the documented exit code."""
    try:
        result = work()
        if inspect.iscoroutine(result):
            import asyncio  # only commands that talk to Temporal need it: `order show` starts faster without

            return asyncio.run(result)  # type: ignore[no-any-return]
        return result  # type: ignore[return-value]
    except typer.Exit:
        raise
    except DomainError as err:
        fail(cli, EXIT_CODES[err.kind], err.message, err.kind.value)
    except Exception as err:  # noqa: BLE001 - every failure becomes one clear line
        code, message, kind = explain(cli.settings, err)
        fail(cli, code, message, kind)


def explain(settings: Settings, err: Exception) -> tuple[int, str, str]:
    from sqlalchemy.exc import OperationalError
    from temporalio.client import WorkflowUpdateFailedError
    from temporalio.exceptions import WorkflowAlreadyStartedError
    from temporalio.service import RPCError, RPCStatusCode

    from orderflow.failures import business_cause

    if isinstance(err, WorkflowUpdateFailedError | WorkflowAlreadyStartedError) or business_cause(err):
        cause = business_cause(err)
        if cause is not None:
            kind = ErrorKind(cause.details[0])
            return EXIT_CODES[kind], cause.message, kind.value
        if isinstance(err, WorkflowAlreadyStartedError):
            return 3, "that order number has already been issued; a number is never issued twice", "refused"
        return 1, f"the step failed: {err.cause if hasattr(err, 'cause') else err}", "error"
    if isinstance(err, RPCError):
        if err.status is RPCStatusCode.NOT_FOUND:
            return 5, f"not found: {err.message}", "not_found"
        if err.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return 1, f"Temporal is not reachable at {settings.temporal_address}: {err.message}", "error"
        return 1, f"Temporal refused the call: {err.message}", "error"
    if isinstance(err, OperationalError):
        return 1, f"the database is not reachable ({settings.db_url.split('@')[-1]}): {err.orig}", "error"
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(err, BotoCoreError | ClientError):
        return 1, f"S3 at {settings.s3_endpoint_url} failed: {err}", "error"
    return 1, f"{type(err).__name__}: {err}", "error"
