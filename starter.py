"""The `orderflow` command: the starter CLI for people and scripts."""

from __future__ import annotations


def main() -> None:
    from orderflow.cli import app

    app()


if __name__ == "__main__":
    main()
