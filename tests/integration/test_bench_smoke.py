"""A smoke run of each benchmark, so they keep working; no timing is asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_collision_benchmark_runs_on_sqlite():
    done = subprocess.run([sys.executable, "-m", "bench.collision", "--sizes", "5", "--samples", "10", "--dbs",
                           "sqlite"], cwd=ROOT, capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert "| sqlite | 5 |" in done.stdout
