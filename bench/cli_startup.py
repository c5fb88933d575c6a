"""CLI start-up: how long `orderflow order show` takes to print against a warm API (target: p50 under 0.25 s),
beside the interpreter and the client's own libraries measured in the same rounds.

    python -m bench.cli_startup --runs 20
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from bench.harness import bench_number, bench_stack, percentiles, tool


def run(runs: int) -> str:
    rows = []
    with bench_stack() as stack:
        stack.start_workers(1)
        stack.start_api()
        number = bench_number(0)
        stack.cli("order", "issue", number, "--to", "alice", user="amy")
        orderflow = [tool("orderflow")]
        commands = {"`orderflow order show`": [*orderflow, "order", "show", number],
                    "`orderflow order show --json`": [*orderflow, "--json", "order", "show", number],
                    "`orderflow --help`": [*orderflow, "--help"],
                    # Floors on the same machine at the same moment: the interpreter, and the libraries the
                    # client needs (typer for the commands, httpx for the API, rich for tables).
                    "floor: `python -c pass`": [sys.executable, "-c", "pass"],
                    "floor: `import typer, httpx, rich.table`":
                        [sys.executable, "-c", "import typer, httpx, rich.table"]}
        env = stack.env_for("alice")
        samples: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(runs + 2):  # the commands take turns, so a busy moment on the machine hits them all
            for name, args in commands.items():
                started = time.perf_counter()
                done = subprocess.run(args, env=env, capture_output=True, text=True)
                samples[name].append(time.perf_counter() - started)
                if done.returncode != 0:
                    raise RuntimeError(done.stderr)
                if name == "`orderflow order show --json`":
                    assert json.loads(done.stdout)["number"] == number
        for name, taken in samples.items():
            p50, p95, _ = percentiles(taken[2:])  # the first two rounds warm the page cache
            rows.append((name, p50, p95))
    lines = ["| command | p50 (ms) | p95 (ms) |", "|---|---:|---:|"]
    lines += [f"| {name} | {p50:.0f} | {p95:.0f} |" for name, p50, p95 in rows]
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
