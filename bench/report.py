"""Write benchmark tables into BENCHMARKS.md with the machine, versions and date."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.platform()}; Python {platform.python_version()}, "
            f"SQLAlchemy {version('sqlalchemy')}, temporalio {version('temporalio')}, "
            f"rapidfuzz {version('rapidfuzz')}, "
            f"psycopg {version('psycopg')}; {datetime.now(UTC):%Y-%m-%d}")


def main() -> None:
    tables = "\n\n".join(Path(p).read_text(encoding="utf-8").strip() for p in sys.argv[1:])
    out = ROOT / "BENCHMARKS.md"
    out.write_text(f"# Benchmarks\n\nMeasured on {machine()}.\n\n## Collision check (`customer check`)\n\n"
                   f"{tables}\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
