"""Imports run one way, read from the source itself: a module may import its own layer and the layers below,
never one above; the CLI imports nothing of the server side at all (not even inside a function)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Lower number, lower layer. `orderflow/` holds the messages and adapters the activities use; `db/` sits beside it.
LAYERS = {"domain": 0, "db": 1, "orderflow": 1, "activities": 2, "workflows": 3, "services": 4, "api": 5,
          "web": 5, "server": 6}
# What the CLI may import besides the standard library and itself: its own three libraries and pure domain rules.
CLI_MAY = {"cli", "typer", "click", "httpx", "rich", "domain"}
SERVER_SIDE = {"db", "orderflow", "activities", "workflows", "services", "api", "web", "server", "sqlalchemy",
               "temporalio", "boto3", "botocore", "pydantic", "pydantic_settings", "phonenumbers", "rapidfuzz",
               "argon2", "fastapi", "starlette", "uvicorn", "alembic", "psycopg", "yaml"}


def _imports(path: Path) -> set[str]:
    """Every top-level package the file imports, at module level or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", list(LAYERS))
def test_no_import_runs_back_up(package: str) -> None:
    for path in _files(package):
        if "migrations" in path.parts:
            continue
        above = {name for name in _imports(path) if LAYERS.get(name, -1) > LAYERS[package]}
        assert not above, f"{path.relative_to(ROOT)} imports {sorted(above)}, above its layer ({package})"


def test_the_cli_imports_nothing_of_the_server_side() -> None:
    stdlib = set(sys.stdlib_module_names)
    for path in _files("cli"):
        imported = _imports(path) - stdlib - {"__future__"}
        assert imported <= CLI_MAY, f"{path.relative_to(ROOT)} imports {sorted(imported - CLI_MAY)}"
    for path in _files("domain"):
        assert _imports(path) & SERVER_SIDE <= {"phonenumbers", "rapidfuzz"}, path  # domain is pure Python
    for path in _files("cli"):
        used = {name for name in _imports(path) if name == "domain"}
        if used:  # the domain modules the CLI reads must themselves import nothing heavy
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("domain."):
                    module = ROOT / (node.module.replace(".", "/") + ".py")
                    assert not _imports(module) & SERVER_SIDE, f"{path.name} reads {node.module}, which is heavy"


def test_a_cli_command_loads_no_server_library() -> None:
    """`orderflow --help` and the import of every command module, in a fresh interpreter."""
    probe = ("import sys; sys.argv = ['orderflow', '--help']\n"
             "import cli, cli.render, cli.render_payments, cli.runtime\n"
             "try:\n    cli.app()\nexcept SystemExit:\n    pass\n"
             f"print(sorted(m for m in sys.modules if m.split('.')[0] in {sorted(SERVER_SIDE)!r}))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
