"""A smoke run of each benchmark (N=5 or so), so they keep working; no timing is asserted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def bench(*args: str) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_the_collision_benchmark_runs_on_sqlite():
    out = bench("bench.collision", "--sizes", "5", "--samples", "10", "--dbs", "sqlite")
    assert "| sqlite | 5 |" in out


@pytest.mark.parametrize(("args", "expect"), [
    (["bench.throughput", "--orders", "5", "--concurrency", "5", "--workers", "1", "--rounds", "1"],
     "| orderflow | 1 |"),
    (["bench.upload", "--sizes", "1", "--repeats", "2"], "| 1 |"),
    (["bench.idle", "--orders", "5", "--cache", "10", "--window", "1"], "| 5 | 10 |"),
    (["bench.cli_startup", "--runs", "2"], "| `orderflow order show` |"),
    (["bench.api_latency", "--orders", "6", "--clients", "3"], "| orderflow API"),
])
def test_each_end_to_end_benchmark_runs(args: list[str], expect: str):
    out = bench(*args)
    assert expect in out and "| bare baseline |" in out if args[0] == "bench.throughput" else expect in out


@pytest.mark.postgres
def test_the_desk_pages_benchmark_runs_on_both_databases():
    pg = os.environ.get("ORDERFLOW_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
    out = bench("bench.desk_pages", "--orders", "30", "--requests", "3", "--pg", pg)
    rows = [line for line in out.splitlines() if line.startswith("| SQLite |") or line.startswith("| PostgreSQL |")]
    assert [r.split(" | ")[:2] for r in rows] == [[f"| {db}", who] for db in ("SQLite", "PostgreSQL")
                                                  for who in ("alice", "amy", "olga", "fay")], out
    assert all(int(r.split(" | ")[2]) > 0 for r in rows), out  # each has tasks waiting in the inbox
