"""End-to-end order throughput against a bare-Temporal baseline, and how it scales with worker processes.

Each order goes through the whole life as people drive it: issue, sign, receive, first review, scan (a 200 KB
PDF through the S3 endpoint), second review (which also puts the legal hold on the scan) and payment, each
step through the order desk's checks, the workflow and the database. The baseline, in the same run and on
the same kind of fresh stack, is a bare workflow with the same updates and activities doing nothing.

    python -m bench.throughput --orders 300 --concurrency 25 --workers 1,2,4
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from bench.harness import BenchStack, bench_number, bench_stack, percentiles, settings_of
from tests.helpers import pdf_bytes

STEP_NAMES = ["issue", "sign", "receive", "first_review", "scan", "second_review", "pay"]


async def _timed(samples: dict[str, list[float]], name: str, call: Awaitable[Any]) -> Any:
    started = time.perf_counter()
    result = await call
    samples[name].append(time.perf_counter() - started)
    return result


async def _drive(count: int, concurrency: int, one: Callable[[int, dict[str, list[float]]], Awaitable[None]],
                 ) -> tuple[float, dict[str, list[float]]]:
    samples: dict[str, list[float]] = defaultdict(list)
    gate = asyncio.Semaphore(concurrency)

    async def guarded(i: int) -> None:
        async with gate:
            await one(i, samples)

    started = time.perf_counter()
    await asyncio.gather(*(guarded(i) for i in range(count)))
    return time.perf_counter() - started, samples


async def orders(stack: BenchStack, count: int, concurrency: int) -> tuple[float, dict[str, list[float]]]:
    from db.customer_repo import add_customer
    from db.engine import make_engine, session_factory, unit_of_work
    from db.org_repo import load_actor
    from domain.collisions import check_entry
    from domain.fields import business_date
    from domain.people import Role
    from orderflow.s3 import make_client
    from orderflow.temporal import connect
    from services.orders import OrderDesk

    settings = settings_of(stack)
    sessions = session_factory(make_engine(settings.db_url))
    today = business_date(datetime.now(UTC))
    reps = ["alice", "bob"]
    with unit_of_work(sessions) as session:
        customers = [add_customer(session, check_entry(f"基准测试{i:05d}号贸易有限公司", f"010-5{i:07d}",
                                                       f"010-4{i:07d}", "北京", "北京", False),
                                  owner=reps[i % 2], role=Role.SALES, partner="BJ", at=datetime.now(UTC),
                                  confirm_distinct=True, caps={Role.SALES: count + 1}).id for i in range(count)]
        people = {u: load_actor(session, u) for u in ("amy", "alice", "bob", "olga", "fay")}
    scan = stack.tmp / "scan.pdf"
    scan.write_bytes(pdf_bytes(200 * 1024))
    desk = OrderDesk(await connect(settings), sessions, settings, make_client(settings))

    async def one(i: int, samples: dict[str, list[float]]) -> None:
        number, rep = bench_number(i), reps[i % 2]
        await _timed(samples, "issue", desk.issue(people["amy"], number, rep))
        await _timed(samples, "sign", desk.sign(people[rep], number, customers[i], "Ads", "new", "1000.00", today))
        await _timed(samples, "receive", desk.receive(people["amy"], number))
        await _timed(samples, "first_review", desk.review(people["amy"], number, None))
        await _timed(samples, "scan", desk.scan(people["amy"], number, scan))
        await _timed(samples, "second_review", desk.review(people["olga"], number, "Cabinet 1"))
        view = await _timed(samples, "pay", desk.pay(people["fay"], number, "1000.00", today))
        assert view.status.value == "EFFECTIVE"

    return await _drive(count, concurrency, one)


async def bare(stack: BenchStack, count: int, concurrency: int, shape: str,
               ) -> tuple[float, dict[str, list[float]]]:
    from temporalio.client import WithStartWorkflowOperation
    from temporalio.common import WorkflowIDConflictPolicy

    from bench.bare import STEPS, BareOrder
    from orderflow.temporal import connect

    settings = settings_of(stack)
    client = await connect(settings)

    async def one(i: int, samples: dict[str, list[float]]) -> None:
        queue = settings.task_queue + "-bare"
        if shape == "plain":
            handle = await _timed(samples, "issue", client.start_workflow(
                BareOrder.run, args=[f"B{i}", shape], id=f"bare-{i}", task_queue=queue))
        else:
            start = WithStartWorkflowOperation(BareOrder.run, args=[f"B{i}", shape], id=f"bare-{i}", task_queue=queue,
                                               id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
            await _timed(samples, "issue", client.execute_update_with_start_workflow(
                BareOrder.issued, start_workflow_operation=start))
            handle = await start.workflow_handle()
        for step in STEPS:
            await _timed(samples, step, handle.execute_update(BareOrder.step, step))
        await handle.result()

    return await _drive(count, concurrency, one)


def _measured(stack: BenchStack, count: int, work: Any) -> tuple[float, dict[str, list[float]], dict[str, float]]:
    before = stack.cpu_seconds()
    elapsed, samples = asyncio.run(work)
    after = stack.cpu_seconds()
    return elapsed, samples, {k: (after[k] - before[k]) * 1000 / count for k in after}


def _one_run(kind: str, workers: int, count: int, concurrency: int) -> tuple[float, dict[str, list[float]],
                                                                           dict[str, float]]:
    """One measured run on its own fresh stack: a bare shape ("plain", "orderflow") or orderflow itself."""
    with bench_stack() as stack:
        if kind == "real":
            stack.start_workers(workers)
            return _measured(stack, count, orders(stack, count, concurrency))
        stack.start_workers(1, "bench.bare")
        return _measured(stack, count, bare(stack, count, concurrency, kind))


def run(count: int, concurrency: int, worker_counts: list[int], rounds: int = 2) -> str:
    """The baselines and one worker alternate for `rounds` rounds (medians reported), because a shared machine
    drifts over minutes; more workers run once each, for the scaling."""
    configs = [("bare baseline", "plain", 1), ("bare, orderflow's shape", "orderflow", 1)]
    configs += [("orderflow", "real", w) for w in worker_counts]
    runs: dict[tuple[str, str, int], list[tuple[float, dict[str, list[float]], dict[str, float]]]] = {
        c: [] for c in configs}
    for i in range(rounds):
        for config in configs:
            if i == 0 or config[2] == 1:
                runs[config].append(_one_run(config[1], config[2], count, concurrency))
    rows, rates = [], {}
    for (name, kind, workers), measured in runs.items():
        rate = statistics.median(count / elapsed for elapsed, _, _ in measured)
        samples = {step: [x for _, s, _ in measured for x in s.get(step, [])] for step in STEP_NAMES}
        cpu = {k: statistics.mean(c[k] for _, _, c in measured) for k in measured[0][2]}
        if kind != "real":  # the baselines the ratios divide by
            rates[kind] = rate
        rows.append((name, workers, rate, samples, cpu))
    lines = [f"{count} orders, concurrency {concurrency}; the baselines and one worker: median of {rounds} rounds. "
             "Latency p50 / p95 / p99 in ms per step; CPU in ms per order, by process (server = the Temporal dev "
             "server, with its SQLite).", "",
             "| run | workers | orders/s | ratio to baseline | ratio to orderflow's shape | "
             "CPU server / workers / driver / S3 | " + " | ".join(STEP_NAMES) + " |",
             "|---|---:|---:|---:|---:|---|" + "---:|" * len(STEP_NAMES)]
    for name, workers, rate, samples, cpu in rows:
        cells = []
        for step in STEP_NAMES:
            p50, p95, p99 = percentiles(samples.get(step, []))
            cells.append(f"{p50:.0f} / {p95:.0f} / {p99:.0f}")
        used = f"{cpu['server']:.0f} / {cpu['workers']:.0f} / {cpu['driver']:.0f} / {cpu['s3']:.0f}"
        lines.append(f"| {name} | {workers} | {rate:.1f} | {rate / rates['plain']:.2f} | "
                     f"{rate / rates['orderflow']:.2f} | {used} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    from orderflow.process import exit_now

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=25)
    parser.add_argument("--workers", default="1,2,4", help="worker process counts to run, e.g. 1,2,4")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the baselines and one worker (medians)")
    args = parser.parse_args()
    print(run(args.orders, args.concurrency, [int(w) for w in args.workers.split(",")], args.rounds), flush=True)
    exit_now(0)


if __name__ == "__main__":
    main()
