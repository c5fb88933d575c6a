"""Commands that run on the server host with its local credentials (database, Temporal, S3): serving the API,
bootstrapping the org and passwords, migrations and Temporal set-up. People's commands go through the API."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer

T = TypeVar("T")


app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="orderflow on the server host: these commands use the server's own credentials.")
admin_app = typer.Typer(no_args_is_help=True, help="Bootstrap and repair: passwords, setup codes, the first org.")
db_app = typer.Typer(no_args_is_help=True, help="The application database.")
schedules_app = typer.Typer(no_args_is_help=True, help="Temporal Schedules: recycling, the daily digest, and "
                                                   "the sweeps of deliveries and certifications.")
temporal_app = typer.Typer(no_args_is_help=True, help="Set up a Temporal namespace for orderflow.")
app.add_typer(admin_app, name="admin")
app.add_typer(db_app, name="db")
app.add_typer(schedules_app, name="schedules")
app.add_typer(temporal_app, name="temporal")


def _fail(code: int, message: str, kind: str) -> NoReturn:
    if _options["json"]:
        print(json.dumps({"error": message, "kind": kind, "exit_code": code}, ensure_ascii=False))
    print(f"error: {message}", file=sys.stderr)
    raise typer.Exit(code)


def _run(work: Callable[[], Any]) -> Any:
    """Run a body; a broken rule or an unreachable server becomes one line and the documented exit code."""
    import asyncio
    import inspect

    from domain.errors import EXIT_CODES, DomainError
    from orderflow.settings import Settings
    from services.failures import as_domain_error

    try:
        result = work()
        return asyncio.run(result) if inspect.iscoroutine(result) else result
    except typer.Exit:
        raise
    except Exception as err:  # noqa: BLE001 - every failure becomes one clear line
        known: DomainError | None = as_domain_error(Settings(), err, detailed=True)
        if known is None:
            _fail(1, f"{type(err).__name__}: {err}", "error")
        _fail(EXIT_CODES[known.kind], known.message, known.kind.value)


def _services() -> Any:
    from orderflow.settings import Settings
    from services.context import build_services

    return build_services(Settings())


_options = {"json": False}


@app.callback()
def _main(as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    _options["json"] = as_json


def _emit(data: Any, human: str) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str) if _options["json"] else human)


@app.command("serve")
def serve(host: str | None = typer.Option(None, help="Default ORDERFLOW_API_HOST (127.0.0.1)."),
          port: int | None = typer.Option(None, help="Default ORDERFLOW_API_PORT (8000).")) -> None:
    """Serve the HTTP API (OpenAPI at /docs). Several may run behind one address: they share no memory."""
    from server.http import serve as run_server

    _run(lambda: run_server(host, port))


def _read_password(confirm: bool) -> str:
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("new password: ")
        if confirm and getpass.getpass("again: ") != first:
            _fail(2, "the two passwords differ", "invalid")
        return first
    return sys.stdin.readline().rstrip("\r\n")  # one line: a script pipes the password in, never an argument


@admin_app.command("set-password")
def set_password(username: str = typer.Argument(...)) -> None:
    """Set or reset USER's password, read from standard input (a prompt on a terminal); their tokens end."""
    from services.auth import set_password as set_it

    password = _read_password(confirm=True)
    _run(lambda: set_it(_services(), username, password, by="admin on the server host"))
    print(f"password set for {username}; their earlier tokens are revoked")


@admin_app.command("setup-code")
def setup_code(username: str = typer.Argument(...)) -> None:
    """Print a new one-time setup code for USER (valid ORDERFLOW_SETUP_CODE_DAYS days); the old one ends."""
    from db.models import User
    from domain.errors import NotFound
    from services.auth import issue_setup_code

    def work() -> str:
        services = _services()
        with services.transaction() as session:
            if session.get(User, username) is None:
                raise NotFound(f"there is no user '{username}' in the org")
            return issue_setup_code(session, username, "admin on the server host", services.settings.setup_code_days)

    code = _run(work)
    print(f"setup code for {username} (shown once): {code}\n"
          f"they run: orderflow setup {username}")


@admin_app.command("load-org")
def load_org(file: Path = typer.Argument(..., help="The org YAML file."),
             ) -> None:
    """Load (upsert) the org from a file on the server host: the first load, or a repair. Directors reload it
    over the API with `orderflow org load`."""
    from services.org import load_org_file

    def work() -> dict[str, Any]:
        return load_org_file(_services(), file, "admin on the server host")

    result = _run(work)
    stranded = [f"\n{user}'s open orders to reassign (order reassign N --to REP --reason ...): "
                f"{', '.join(numbers)}" for user, numbers in sorted(result["open_orders"].items()) if numbers]
    _emit(result, f"loaded {result['partners']} partners and {result['users']} users"
          + (f"; deactivated {', '.join(result['deactivated'])}" if result["deactivated"] else "") + "".join(stranded))


@db_app.command("upgrade")
def upgrade() -> None:
    """Create the schema, or migrate it to the current version (Alembic)."""
    from db.migrate import upgrade as migrate
    from orderflow.settings import Settings

    url = Settings().db_url
    _run(lambda: migrate(url))
    _emit({"database": url.split("@")[-1]}, f"schema ready at {url.split('@')[-1]}")


@schedules_app.command("ensure")
def ensure() -> None:
    """Create the Temporal Schedules (recycling, the daily digest, the delivery and certification sweeps), or
    update them to the current settings."""
    from orderflow.settings import Settings
    from orderflow.temporal import connect
    from services.schedules import ensure_schedules

    async def work() -> dict[str, str]:
        settings = Settings()
        return await ensure_schedules(await connect(settings), settings)

    done = _run(work)
    _emit({"schedules": done}, "\n".join(f"schedule {name} {result}" for name, result in done.items()))


@temporal_app.command("init")
def temporal_init() -> None:
    """Create the namespace if missing and register the search attributes (compose's temporal-init runs this)."""
    from orderflow.settings import Settings
    from orderflow.temporal import connect, init_namespace

    async def work() -> tuple[str, str]:
        client = await connect(Settings())
        return client.namespace, await init_namespace(client)

    namespace, done = _run(work)
    _emit({"namespace": namespace, "namespace_status": done},
          f"namespace {namespace} {done}; search attributes registered")


@temporal_app.command("keygen")
def keygen(key_id: str = typer.Option(..., "--id", help="A name for the key, e.g. 2026-11.")) -> None:
    """Print a new AES-256 payload key as `id:base64key`, for ORDERFLOW_CODEC_KEYS (put the new one first)."""
    from orderflow.codec import new_key_line

    if not key_id.replace("-", "").replace("_", "").isalnum():
        _fail(2, f"key id '{key_id}' may contain only letters, digits, '-' and '_'", "invalid")
    print(new_key_line(key_id))


@app.command("codec-server")
def codec_server() -> None:
    """Serve /encode and /decode to the Web UI (ORDERFLOW_CODEC_SERVER_* settings; needs keys and a token)."""
    from server.codec import run_codec_server

    _run(run_codec_server)


def main() -> None:
    app()
