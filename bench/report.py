"""Put the latest benchmark table into BENCHMARKS.md, between its markers, with the machine and date;
the history and the notes around it stay as they are."""

from __future__ import annotations

import os
import platform
import re
import sys
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.platform()}; Python {platform.python_version()}, "
            f"SQLAlchemy {version('sqlalchemy')}, temporalio {version('temporalio')}, "
            f"rapidfuzz {version('rapidfuzz')}, psycopg {version('psycopg')}; {datetime.now(UTC):%Y-%m-%d}")


def main() -> None:
    name, table_file = sys.argv[1], sys.argv[2]
    table = Path(table_file).read_text(encoding="utf-8").strip()
    out = ROOT / "BENCHMARKS.md"
    text = out.read_text(encoding="utf-8")
    block = re.compile(rf"<!-- {name}:latest -->.*?<!-- /{name}:latest -->", re.S)
    if not block.search(text):
        raise SystemExit(f"BENCHMARKS.md has no <!-- {name}:latest --> section")
    fresh = f"<!-- {name}:latest -->\nMeasured on {machine()}.\n\n{table}\n<!-- /{name}:latest -->"
    out.write_text(block.sub(lambda _: fresh, text), encoding="utf-8")
    print(f"updated the {name} section of {out}")


if __name__ == "__main__":
    main()
