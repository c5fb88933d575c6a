"""The `orderflow` command: the starter CLI for people and scripts."""

from __future__ import annotations


def main() -> None:
    import gc

    # Start-up builds a few hundred thousand long-lived objects (SQLAlchemy, pydantic, the models) and almost no
    # garbage; collecting every 700 allocations spent ~10% of `order show` on nothing. Cycles are still collected.
    gc.set_threshold(20_000, 50, 100)
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
