"""Steps through the API: p50/p99 of `sign`, `receive` and `review` with 20 concurrent clients, each a person
with their own token over HTTP, beside a bare Temporal update round trip (a workflow whose update runs one
no-op local activity, orderflow's shape for these steps) on the same kind of fresh stack.

    python -m bench.api_latency --orders 200 --clients 20
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from bench.harness import BenchStack, bench_number, bench_stack, percentiles, settings_of

STEPS = ["sign", "receive", "review"]


def _customers(stack: BenchStack, count: int) -> list[int]:
    from db.customer_repo import add_customer
    from db.engine import make_engine, session_factory, unit_of_work
    from domain.collisions import check_entry
    from domain.people import Role

    engine = make_engine(settings_of(stack).db_url)
    with unit_of_work(session_factory(engine)) as session:
        ids = [add_customer(session, check_entry(f"接口测试{i:05d}号贸易有限公司", f"010-5{i:07d}", f"010-4{i:07d}",
                                                 "北京", "北京", False),
                            owner="alice", role=Role.SALES, partner="BJ", at=datetime.now(UTC),
                            confirm_distinct=True, caps={Role.SALES: count + 1}).id for i in range(count)]
    engine.dispose()
    return ids


async def through_api(stack: BenchStack, count: int, clients: int) -> dict[str, list[float]]:
    import httpx

    customers = _customers(stack, count)
    headers = {user: {"Authorization": f"Bearer {stack.token(user)}"} for user in ("amy", "alice")}
    samples: dict[str, list[float]] = defaultdict(list)
    async with httpx.AsyncClient(base_url=stack.api_url, headers=headers["amy"], timeout=120) as amy:
        for i in range(count):  # issued beforehand: the issue is not one of the measured steps
            (await amy.post("/orders", json={"rep": "alice", "number": bench_number(i)})).raise_for_status()

    async def person(k: int) -> None:
        async with httpx.AsyncClient(base_url=stack.api_url, headers=headers["alice"], timeout=120) as alice, \
                httpx.AsyncClient(base_url=stack.api_url, headers=headers["amy"], timeout=120) as amy:
            for i in range(k, count, clients):
                path = f"/orders/{bench_number(i)}"
                sign = {"customer": customers[i], "product": "Ads", "kind": "new", "amount": "1000"}
                for step, who, url, body in (("sign", alice, f"{path}/sign", sign),
                                             ("receive", amy, f"{path}/receive", None),
                                             ("review", amy, f"{path}/approve", None)):
                    started = time.perf_counter()
                    answer = await who.post(url, json=body)
                    samples[step].append(time.perf_counter() - started)
                    answer.raise_for_status()

    await asyncio.gather(*(person(k) for k in range(clients)))
    return samples


async def bare(stack: BenchStack, count: int, clients: int) -> dict[str, list[float]]:
    from temporalio.client import Client

    from bench.bare import BareOrder
    from orderflow.temporal import connect

    settings = settings_of(stack)
    client: Client = await connect(settings)
    queue = settings.task_queue + "-bare"
    handles = [await client.start_workflow(BareOrder.run, args=[f"B{i}", "orderflow"], id=f"bare-{i}",
                                           task_queue=queue) for i in range(count)]
    samples: dict[str, list[float]] = defaultdict(list)

    async def person(k: int) -> None:
        for i in range(k, count, clients):
            for step, name in (("sign", "sign"), ("receive", "receive"), ("review", "first_review")):
                started = time.perf_counter()
                await handles[i].execute_update(BareOrder.step, name)
                samples[step].append(time.perf_counter() - started)

    await asyncio.gather(*(person(k) for k in range(clients)))
    return samples


def run(count: int, clients: int) -> str:
    results: dict[str, Any] = {}
    with bench_stack() as stack:
        stack.start_workers(1, "bench.bare")
        results["bare Temporal update (same server, one local activity)"] = asyncio.run(bare(stack, count, clients))
    with bench_stack() as stack:
        stack.start_workers(1)
        stack.start_api()
        results["orderflow API (HTTP, token, checks, workflow update, database)"] = asyncio.run(
            through_api(stack, count, clients))
    lines = [f"{count} orders, {clients} concurrent clients; latency per request in ms, p50 / p99.", "",
             "| path | " + " | ".join(STEPS) + " |", "|---|" + "---:|" * len(STEPS)]
    for name, samples in results.items():
        cells = []
        for step in STEPS:
            p50, _, p99 = percentiles(samples[step])
            cells.append(f"{p50:.0f} / {p99:.0f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    from orderflow.process import exit_now

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--clients", type=int, default=20)
    args = parser.parse_args()
    print(run(args.orders, args.clients), flush=True)
    exit_now(0)


if __name__ == "__main__":
    main()
