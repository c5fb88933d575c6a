"""The `orderflow` command: the starter CLI for people and scripts."""

from __future__ import annotations

import os
import sys


def main() -> None:
    from orderflow.cli import app

    code: int = 0
    try:
        app()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    # Temporal's core runtime keeps native threads that can abort a normal interpreter shutdown
    # ("PyGILState_Release ... finalizing"); everything is flushed, so leave without finalizing.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
