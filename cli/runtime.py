"""What every command shares: the API client, output, and turning failures into exit codes.

The CLI is an HTTP client of the orderflow API and nothing else: it holds no database, Temporal or S3
credential, and acts only as the user its token belongs to. Keep this module's imports light (no pydantic,
SQLAlchemy, temporalio or boto3): every command pays for them at start-up."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar
from urllib.parse import quote

import typer

from cli import config
from cli.console import plain
from domain.errors import EXIT_CODES as DOMAIN_EXIT_CODES

T = TypeVar("T")

# Each of the API's error kinds, and the API's own two (a body that is not JSON, a server bug), as an exit code.
EXIT_CODES = {kind.value: code for kind, code in DOMAIN_EXIT_CODES.items()} | {"bad_request": 2, "internal": 1}
DEFAULT_API_URL = "http://127.0.0.1:8000"


class ApiError(Exception):
    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def path(*segments: object) -> str:
    """A URL path from segments, each quoted whole: a typed '../x' stays one segment and cannot climb."""
    return "/" + "/".join(quote(str(s), safe="") for s in segments)


class Api:
    def __init__(self, base_url: str, token: str | None) -> None:
        # httpcore imports trio whenever it is installed (the test tools bring it) in case it runs on a trio event
        # loop; this client is synchronous, so it declines the ~50 ms import.
        sys.modules.setdefault("trio", None)  # type: ignore[arg-type]
        import httpx  # imported here: `orderflow --help` needs none of it

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers=headers,
                                  timeout=httpx.Timeout(connect=5.0, read=120.0, write=120.0, pool=5.0))

    def request(self, method: str, url: str, *, json_body: Any = None, params: dict[str, Any] | None = None,
                content: Any = None, headers: dict[str, str] | None = None) -> Any:
        """One call; the answer's JSON, or `ApiError` with the API's kind and message."""
        import httpx

        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            answer = self._http.request(method, url, json=json_body, params=clean, content=content,
                                        headers=headers)
        except httpx.TimeoutException:
            raise ApiError(0, "unavailable", f"the orderflow API at {self.base_url} did not answer in time") from None
        except httpx.TransportError as err:
            raise ApiError(0, "unavailable", f"the orderflow API is not reachable at {self.base_url} "
                                             f"({type(err).__name__}); start it with `make up` or "
                                             "`orderflow serve`, or set ORDERFLOW_API_URL") from None
        self.last_headers = answer.headers
        if answer.status_code == 204:
            return None
        try:
            body = answer.json()
        except ValueError:
            body = None
        if answer.is_success:
            return body
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            raise ApiError(answer.status_code, body["error"], str(body.get("message", "")))
        raise ApiError(answer.status_code, "internal" if answer.status_code >= 500 else "bad_request",
                       f"the API answered {answer.status_code} {answer.reason_phrase}")

    def upload(self, url: str, file: Path, content_type: str = "application/octet-stream",
               idempotency_key: str | None = None, **params: Any) -> Any:
        """PUT a file as the request body, streamed as it is read: it is never held in memory whole."""
        headers = {"Content-Type": content_type, **({"Idempotency-Key": idempotency_key} if idempotency_key else {})}
        with file.open("rb") as fh:
            return self.request("PUT", url, content=fh, params={"filename": file.name, **params}, headers=headers)

    def get(self, url: str, **params: Any) -> Any:
        return self.request("GET", url, params=params)

    def post(self, url: str, body: Any = None, *, idempotency_key: str | None = None, **params: Any) -> Any:
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        return self.request("POST", url, json_body=body, params=params, headers=headers)

    def get_all(self, url: str, **params: Any) -> list[Any]:
        """Every page of a list, following the `Link: <...>; rel="next"` header."""
        return [row for page in self._pages(url, params) for row in page]

    def _pages(self, url: str, params: dict[str, Any]) -> Iterator[list[Any]]:
        following: str | None = url
        first = True
        while following:
            page = self.request("GET", following, params={**params, "limit": 500} if first else None)
            first = False
            yield page
            following = _next_link(self.last_headers.get("link", ""))


def _next_link(header: str) -> str | None:
    """The next page's path. Only a path on this same API is followed: an absolute or scheme-relative URL
    (`//elsewhere`) would carry the token to another host."""
    for part in header.split(","):
        target, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            found = target.strip().strip("<>")
            return found if found.startswith("/") and not found.startswith("//") else None
    return None


@dataclass
class Cli:
    as_json: bool
    request_id: str | None = None
    api_url: str = field(default_factory=lambda: os.environ.get("ORDERFLOW_API_URL") or DEFAULT_API_URL)
    _api: Api | None = field(default=None, repr=False)

    def api(self) -> Api:
        if self._api is None:
            problem = config.unsafe_url(self.api_url)
            if problem:
                raise ApiError(0, "invalid", problem)
            self._api = Api(self.api_url, config.token_for(self.api_url))
        return self._api

    def emit(self, data: Any, human: Callable[[], None]) -> None:
        if self.as_json:
            print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            human()


def get(ctx: typer.Context) -> Cli:
    obj = ctx.find_root().obj
    assert isinstance(obj, Cli)
    return obj


def fail(cli: Cli | None, code: int, message: str, kind: str = "error") -> NoReturn:
    if cli is not None and cli.as_json:
        print(json.dumps({"error": message, "kind": kind, "exit_code": code}, ensure_ascii=False))
    print(f"error: {plain(message)}", file=sys.stderr)  # the API's message may quote what was typed
    raise typer.Exit(code)


# A decision command's two switches (`approve: Approve = False, reject: Reject = False`): `decision` checks them.
Approve = Annotated[bool, typer.Option("--approve")]
Reject = Annotated[bool, typer.Option("--reject")]


def decision(cli: Cli, approve: bool, reject: bool) -> bool:
    """The decision said by exactly one of --approve and --reject (True: approve); neither or both exits 2."""
    if approve == reject:
        fail(cli, 2, "say either --approve or --reject")
    return approve


def run(cli: Cli, work: Callable[[], T]) -> T:
    """Run a command body and map every failure to a one-line message and the documented exit code."""
    try:
        return work()
    except typer.Exit:
        raise
    except ApiError as err:
        fail(cli, EXIT_CODES.get(err.kind, 1), err.message, err.kind)
    except OSError as err:  # a local file the command reads or writes
        fail(cli, 2, f"{err.filename or 'file'}: {err.strerror or err}", "invalid")
