"""CLI start-up: how long `orderflow order show` takes to print against a warm stack (target: under 0.5 s),
and `orderflow --help`, which loads no server client at all.

    python -m bench.cli_startup --runs 20
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time

from bench.harness import bench_number, bench_stack, percentiles, tool


def run(runs: int) -> str:
    rows = []
    with bench_stack() as stack:
        stack.start_workers(1)
        number = bench_number(0)
        stack.cli("--as", "amy", "order", "issue", number, "--to", "alice")
        commands = {"order show": ["--as", "alice", "order", "show", number],
                    "order show --json": ["--as", "alice", "--json", "order", "show", number],
                    "--help": ["--help"]}
        for name, args in commands.items():
            samples = []
            for _ in range(runs + 2):
                started = time.perf_counter()
                done = subprocess.run([tool("orderflow"), *args], env=stack.env, capture_output=True, text=True)
                samples.append(time.perf_counter() - started)
                if done.returncode != 0:
                    raise RuntimeError(done.stderr)
            if name == "order show --json":
                assert json.loads(done.stdout)["number"] == number
            p50, p95, _ = percentiles(samples[2:])  # the first two warm the page cache
            rows.append((name, p50, p95))
    lines = ["| command | p50 (ms) | p95 (ms) |", "|---|---:|---:|"]
    lines += [f"| `orderflow {name}` | {p50:.0f} | {p95:.0f} |" for name, p50, p95 in rows]
    return "\n".join(lines)


def main() -> None:
    from orderflow.process import exit_now

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(run(args.runs), flush=True)
    exit_now(0)


if __name__ == "__main__":
    main()
