"""Scan upload: the MB/s of `orderflow order scan` for 1, 20 and 100 MB files against a raw boto3 `upload_file`
of the same file to the same endpoint, and the CLI process's peak RSS (it streams: memory stays flat).

    python -m bench.upload --sizes 1,20,100
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import BenchStack, bench_number, bench_stack, settings_of, tool
from tests.helpers import pdf_bytes


def _pdf(path: Path, megabytes: int) -> None:
    """A valid PDF of the size, written in chunks (the benchmark itself must not hold it in memory)."""
    head, tail = pdf_bytes(64)[:30], b"\ntrailer<<>>\n%%EOF\n"
    with path.open("wb") as fh:
        fh.write(head)
        left = megabytes * 1024 * 1024 - len(head) - len(tail)
        chunk = b"%" + b"x" * (1024 * 1024 - 2) + b"\n"
        while left > 0:
            fh.write(chunk[:left])
            left -= len(chunk)
        fh.write(tail)


def _to_scan(stack: BenchStack, number: str, customer: int) -> None:
    for user, args in (("amy", ["order", "issue", number, "--to", "alice"]),
                       ("alice", ["order", "sign", number, "--customer", str(customer), "--product", "Ads", "--kind",
                                  "new", "--amount", "100"]),
                       ("amy", ["order", "receive", number]), ("amy", ["order", "review", number, "--approve"])):
        stack.cli(*args, user=user)


# A fresh parent whose only child is the command: its children's peak RSS is the command's own.
MEASURE = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
           "sys.stderr.write(done.stderr); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
           "sys.exit(done.returncode)")


def run(sizes: list[int], repeats: int = 5) -> str:
    import json

    from orderflow.s3 import make_client, upload_staging

    rows = []
    with bench_stack(scan_max_bytes=str(max(sizes) * 1024 * 1024 + 4096)) as stack:
        stack.start_workers(1)
        stack.start_api()
        settings = settings_of(stack)
        s3 = make_client(settings)
        for i, size in enumerate(sizes):
            path = stack.tmp / f"scan-{size}.pdf"
            _pdf(path, size)
            made = json.loads(stack.cli("--json", "customer", "add", "--name", f"上传测试{i}有限公司",
                                        "--phone", f"010-6{i}000001", "--fax", f"010-6{i}000002", "--address", "北京",
                                        "--region", "北京", user="alice").stdout)
            number = bench_number(900 + i)
            _to_scan(stack, number, made["id"])
            # Alternate the two, several times, and take medians: one upload on a shared machine is noise.
            raws, stageds = [], []
            for _ in range(repeats):
                started = time.perf_counter()
                s3.upload_file(str(path), settings.s3_bucket, f"raw/{path.name}")
                raws.append(time.perf_counter() - started)
                started = time.perf_counter()  # the CLI's own part: the hash and the upload, side by side
                upload_staging(s3, settings.s3_bucket, path, "bench")
                stageds.append(time.perf_counter() - started)
            raw, staged = statistics.median(raws), statistics.median(stageds)
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", MEASURE, tool("orderflow"), "order", "scan",
                                   number, "--file", str(path)], env=stack.env_for("amy"), capture_output=True,
                                  text=True, timeout=1200)
            whole = time.perf_counter() - started
            if done.returncode != 0:
                raise RuntimeError(done.stderr)
            peak = int(done.stdout.strip().splitlines()[-1]) / 1024
            rows.append((size, size / raw, size / staged, size / whole, peak))
            path.unlink()
    lines = ["| file (MB) | raw `upload_file` (MB/s) | scan upload: hash + upload (MB/s) | ratio to raw "
             "| `order scan`, whole step (MB/s) | CLI peak RSS (MB) |", "|---:|---:|---:|---:|---:|---:|"]
    for size, raw_rate, staged_rate, scan_rate, peak in rows:
        lines.append(f"| {size} | {raw_rate:.1f} | {staged_rate:.1f} | {staged_rate / raw_rate:.2f} | {scan_rate:.1f} "
                     f"| {peak:.0f} |")
    return "\n".join(lines)


def main() -> None:
    from orderflow.process import exit_now

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,20,100", help="file sizes in MB")
    parser.add_argument("--repeats", type=int, default=5, help="uploads of each kind per size (medians reported)")
    args = parser.parse_args()
    print(run([int(s) for s in args.sizes.split(",")], args.repeats), flush=True)
    exit_now(0)


if __name__ == "__main__":
    main()
