"""Idle cost: the worker's RSS and CPU with N open orders all waiting on timers (default 10,000 issued forms,
each waiting a month for its signing). With `max_cached_workflows` bounding the cache, memory must not grow
with the number of open orders beyond it.

    python -m bench.idle --orders 10000 --cache 1000 --window 60
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from pathlib import Path

from bench.harness import BenchStack, bench_number, bench_stack, settings_of


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    import os

    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _open_orders(stack: BenchStack, count: int) -> None:
    """Start issued orders straight through the client (as the desk does), many at a time."""
    from domain.people import Role
    from domain.timers import Policy
    from orderflow.contracts import ActorRef, IssueInput
    from orderflow.temporal import connect
    from workflows.order import OrderWorkflow

    settings = settings_of(stack)
    client = await connect(settings)
    amy = ActorRef(username="amy", role=Role.ASSISTANT, partners=["BJ"])
    gate = asyncio.Semaphore(50)

    async def one(i: int) -> None:
        async with gate:
            await client.start_workflow(OrderWorkflow.run, IssueInput(
                number=bench_number(i), partner="BJ", rep="alice", actor=amy, issue_id=uuid.uuid4().hex,
                supervisor="sam", policy=Policy()), id=f"order-{bench_number(i)}", task_queue=settings.task_queue)

    await asyncio.gather(*(one(i) for i in range(count)))


def _recorded(stack: BenchStack) -> int:
    from sqlalchemy import func, select

    from db.engine import make_engine, session_factory, unit_of_work
    from db.models import OrderEvent

    with unit_of_work(session_factory(make_engine(settings_of(stack).db_url))) as session:
        return int(session.scalar(select(func.count()).select_from(OrderEvent)) or 0)


def run(counts: list[int], cache: int, window: float) -> str:
    rows = [_one(count, cache, window) for count in counts]
    lines = ["| open orders | max_cached_workflows | worker RSS at start (MB) | after opening them (MB) | "
             f"after {window:.0f}s idle (MB) | idle CPU (% of a core) |", "|---:|---:|---:|---:|---:|---:|"]
    for n, c, start, loaded, idle, cpu in rows:
        lines.append(f"| {n:,} | {c:,} | {start:.0f} | {loaded:.0f} | {idle:.0f} | {cpu * 100:.1f} |")
    return "\n".join(lines)


def _one(count: int, cache: int, window: float) -> tuple[int, int, float, float, float, float]:
    with bench_stack(worker_max_cached_workflows=str(cache)) as stack:
        stack.start_workers(1)
        worker = stack.workers[0].pid
        started_rss = _rss_mb(worker)
        asyncio.run(_open_orders(stack, count))
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline and _recorded(stack) < count:  # every issue recorded: all now wait
            time.sleep(2)
        time.sleep(5)
        loaded_rss = _rss_mb(worker)
        cpu_before = _cpu_seconds(worker)
        time.sleep(window)
        cpu = (_cpu_seconds(worker) - cpu_before) / window
        return count, cache, started_rss, loaded_rss, _rss_mb(worker), cpu


def main() -> None:
    from orderflow.process import exit_now

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", default="2000,10000", help="open orders per run, e.g. 2000,10000")
    parser.add_argument("--cache", type=int, default=1000)
    parser.add_argument("--window", type=float, default=60)
    args = parser.parse_args()
    print(run([int(n) for n in args.orders.split(",")], args.cache, args.window), flush=True)
    exit_now(0)


if __name__ == "__main__":
    main()
