"""The `orderflow` command: the starter CLI for people and scripts."""

from __future__ import annotations


def main() -> None:
    from orderflow.cli import app
    from orderflow.process import exit_now

    code: int = 0
    try:
        app()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    exit_now(code)


if __name__ == "__main__":
    main()
