"""`orderflow login|logout|whoami|setup` and `orderflow tokens list|revoke`."""

from __future__ import annotations

import getpass
import socket
import sys

import typer

from cli import config
from cli.console import console, plain, typed
from cli.runtime import ApiError, fail, get, path, run

tokens_app = typer.Typer(no_args_is_help=True, help="Your API tokens: list them, revoke one.")


def _secret(prompt: str, from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return getpass.getpass(prompt)


def login(ctx: typer.Context, username: str = typer.Argument(..., help="Your username."),
          password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from stdin."),
          label: str | None = typer.Option(None, help="A name for this token; default the CLI and this host.")) -> None:
    """Sign in: exchange your password for an API token, kept under ~/.config/orderflow/ (mode 0600)."""
    cli = get(ctx)
    password = _secret("password: ", password_stdin)
    if not password:
        fail(cli, 2, "no password given", "invalid")

    def work() -> None:
        issued = cli.api().post("/auth/login", {"username": username, "password": password,
                                                "label": label or f"orderflow CLI on {socket.gethostname()}"[:100]})
        where = config.save(cli.api_url, issued["username"], issued["token"], issued["token_id"],
                            issued["expires_at"])
        shown = {k: v for k, v in issued.items() if k != "token"}  # the token stays in the file, not on screen
        cli.emit({**shown, "saved_to": str(where)},
                 lambda: print(plain(f"signed in as {issued['username']} at {cli.api_url}; token "
                                     f"{issued['token_id']} valid until {issued['expires_at'][:16]} "
                                     f"(saved to {where})")))

    run(cli, work)


def logout(ctx: typer.Context) -> None:
    """Sign out: the server revokes this token, and the CLI forgets it."""
    cli = get(ctx)

    def work() -> None:
        token = config.token_for(cli.api_url)
        if token is None:
            cli.emit({"signed_out": False}, lambda: print("not signed in"))
            return
        try:
            cli.api().post("/auth/logout")  # revokes exactly the token sent: ORDERFLOW_TOKEN's, or the file's
        except ApiError as err:
            if err.kind != "unauthenticated":
                raise
            # Already expired or revoked on the server: nothing to revoke, but still forget it here.
        if config.stored_token_for(cli.api_url) == token:
            config.forget()
        cli.emit({"signed_out": True}, lambda: print("signed out; the token is revoked"))

    run(cli, work)


def whoami(ctx: typer.Context) -> None:
    """Who the token belongs to: username, role, partners and regions."""
    cli = get(ctx)

    def work() -> None:
        me = cli.api().get("/auth/whoami")
        cli.emit(me, lambda: print(plain(
            f"{me['username']} ({me['name']}), {me['role']}"
            + (f", partners {', '.join(me['partners'])}" if me["partners"] else "")
            + (f", regions {', '.join(me['regions'])}" if me["regions"] else "")
            + f"; token {me['token']['id']} valid until {me['token']['expires_at'][:16]} at {cli.api_url}")))

    run(cli, work)


def setup(ctx: typer.Context, username: str = typer.Argument(...),
          stdin: bool = typer.Option(False, "--stdin", help="Read the code, then the password, one per line.")) -> None:
    """Set your first password with the one-time setup code you were given when your account was opened."""
    cli = get(ctx)
    code = sys.stdin.readline().strip() if stdin or not sys.stdin.isatty() else input("setup code: ").strip()
    password = _secret("new password: ", stdin)
    if sys.stdin.isatty() and not stdin and getpass.getpass("again: ") != password:
        fail(cli, 2, "the two passwords differ", "invalid")

    def work() -> None:
        cli.api().post("/auth/setup", {"username": username, "code": code, "password": password})
        cli.emit({"username": username, "password_set": True},
                 lambda: print(plain(f"password set for {username}; now `orderflow login {username}`")))

    run(cli, work)


@tokens_app.command("list")
def tokens_list(ctx: typer.Context) -> None:
    """Your live tokens, with their labels, expiry and last use."""
    cli = get(ctx)

    def work() -> None:
        rows = cli.api().get("/auth/tokens")

        def human() -> None:
            from rich.table import Table

            table = Table("id", "label", "token", "created", "expires", "last used", "", title="your tokens")
            for t in rows:
                table.add_row(*map(typed, (t["id"], t["label"], t["hint"], t["created_at"][:16], t["expires_at"][:16],
                                           (t["last_used_at"] or "")[:16], "this one" if t["current"] else "")))
            console().print(table)

        cli.emit(rows, human)

    run(cli, work)


@tokens_app.command("revoke")
def tokens_revoke(ctx: typer.Context, token_id: int = typer.Argument(..., help="The id from `tokens list`.")) -> None:
    """Revoke one of your tokens (a lost laptop, a retired script)."""
    cli = get(ctx)

    def work() -> None:
        cli.api().request("DELETE", path("auth", "tokens", token_id))
        cli.emit({"revoked": token_id}, lambda: print(f"token {token_id} revoked"))

    run(cli, work)
