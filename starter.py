"""The `orderflow` command. People's commands are an HTTP client of the API (`cli/`); the few that run on the
server host with its own credentials (`serve`, `admin`, `db`, `temporal`, `schedules`, `codec-server`) live in
`server/admin.py` and are imported only when asked for, so the client never loads the server's libraries."""

from __future__ import annotations

import sys

SERVER_COMMANDS = frozenset({"serve", "admin", "db", "temporal", "schedules", "codec-server"})


def _command(argv: list[str]) -> str | None:
    """The first word that is not an option (nor the value of `--request-id`)."""
    words = iter(argv)
    for word in words:
        if word == "--request-id":
            next(words, None)
        elif not word.startswith("-"):
            return word
    return None


def main() -> None:
    from orderflow.process import exit_now

    if _command(sys.argv[1:]) in SERVER_COMMANDS:
        from server.admin import app
    else:
        from cli import app  # type: ignore[assignment]

    code: int = 0
    try:
        app()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    exit_now(code)


if __name__ == "__main__":
    main()
