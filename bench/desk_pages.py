"""The desk's two busiest pages, 我的待办 and an order's page, over HTTP from a real `orderflow serve`, with
10,000 open orders in the read model (both pages read the read model only, never Temporal): p50/p95/p99 per
person, each signed in through the sign-in page with a session cookie, one request at a time.

    python -m bench.desk_pages --orders 10000 --requests 200 [--dbs sqlite,postgres] [--pg postgresql://...]

On PostgreSQL it creates a database of its own beside the one --pg names (default: ORDERFLOW_BENCH_POSTGRES, or
the local test server's) and drops it afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.harness import BIN, ROOT, free_port, percentiles, wait_port

OPEN = ["ISSUED", "AWAITING_ORIGINAL", "FIRST_REVIEW", "AWAITING_SCAN", "SECOND_REVIEW", "AWAITING_PAYMENT",
        "RETURNED"]
REPS = [("BJ", "alice"), ("BJ", "bob"), ("SH", "carol")]
PEOPLE = ["alice", "amy", "olga", "fay"]  # a rep, an assistant, the order group, finance
PASSWORD = "a benchmark passphrase"
# Which of the orders (by index) each person's scope covers: alice her own, amy her partner BJ's, the others all.
SEES = {"alice": lambda i: REPS[i % len(REPS)][1] == "alice", "amy": lambda i: REPS[i % len(REPS)][0] == "BJ",
        "olga": lambda i: True, "fay": lambda i: True}


def fill(settings: Any, count: int) -> list[str]:
    """The demo org and `count` open orders in the read model, each with a short story; answers their numbers."""
    from db.engine import create_schema, make_engine, session_factory, unit_of_work
    from db.models import Order, OrderEvent
    from db.org_repo import load_org
    from domain.order import PENDING_ROLE, OrderParties, OrderStatus, pending_user
    from orderflow.orgfile import read_org_file

    engine = make_engine(settings.db_url, create_sqlite_dir=True)
    create_schema(engine)
    sessions = session_factory(engine)
    with unit_of_work(sessions) as session:
        load_org(session, *read_org_file(ROOT / "examples" / "org.yaml"))
    now, rng, numbers = datetime.now(UTC), random.Random(18), []
    with unit_of_work(sessions) as session:
        for i in range(count):
            partner, rep = REPS[i % len(REPS)]
            status = OrderStatus(OPEN[i % len(OPEN)])
            number = f"{partner}{300000 + i}"
            role = PENDING_ROLE[status]
            since = now - timedelta(hours=rng.randint(1, 500))
            session.add(Order(
                number=number, partner_code=partner, rep=rep, status=status.value,
                pending_role=role.value if role else None,
                pending_user=pending_user(status, OrderParties(number, partner, rep, None, "sam")),
                customer_name=f"桌面测试{i:05d}号贸易有限公司" if status is not OrderStatus.ISSUED else None,
                product="会员服务", amount=Decimal("12000.00") if status is not OrderStatus.ISSUED else None,
                issue_id=f"bench-{i}", status_since=since, issued_at=since, updated_at=since,
                due_at=now + timedelta(hours=rng.randint(-240, 240)), last_seq=3, supervisor="sam"))
            for seq, (action, who) in enumerate((("issue", "amy"), ("sign", rep), ("receive", "amy")), start=1):
                session.add(OrderEvent(order_number=number, seq=seq, action=action, actor=who, source=None,
                                       target=status.value, at=since, note="原件已到" if seq == 3 else None,
                                       data={}))
            numbers.append(number)
            if i % 2000 == 1999:
                session.flush()
    from services.auth import set_password
    from services.context import Services

    services = Services(settings, sessions)
    for person in PEOPLE:
        set_password(services, person, PASSWORD, by="bench")
    engine.dispose()
    return numbers


def signed_in(url: str, person: str) -> Any:
    import httpx

    http = httpx.Client(base_url=url, headers={"Origin": url}, timeout=60)
    page = http.get("/desk/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    answer = http.post("/desk/login", data={"csrf": csrf.group(1), "username": person, "password": PASSWORD})
    assert answer.status_code == 303, answer.text
    return http


def measure(http: Any, paths: list[str]) -> list[float]:
    for path in paths[:5]:  # warm the caches and the templates
        http.get(path).raise_for_status()
    samples = []
    for path in paths:
        started = time.perf_counter()
        answer = http.get(path)
        samples.append(time.perf_counter() - started)
        answer.raise_for_status()
    return samples


@contextmanager
def database(db: str, pg_base: str) -> Iterator[str]:
    """The database URL to fill and serve from: SQLite in the run's own folder (""), or a fresh PostgreSQL one."""
    if db == "sqlite":
        yield ""
        return
    import psycopg

    name = f"bench_desk_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        from sqlalchemy.engine import make_url

        yield make_url(pg_base).set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False)
    finally:
        with psycopg.connect(pg_base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def run(count: int, requests: int, database_url: str) -> list[str]:
    from orderflow.settings import Settings

    with tempfile.TemporaryDirectory(prefix="orderflow-desk-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp), database_url=database_url, temporal_address="127.0.0.1:9")
        numbers = fill(settings, count)
        port = free_port()
        env = {**os.environ, "ORDERFLOW_DATA_DIR": tmp, "ORDERFLOW_DATABASE_URL": database_url,
               "ORDERFLOW_TEMPORAL_ADDRESS": "127.0.0.1:9"}
        with (Path(tmp) / "api.log").open("w") as log:
            server = subprocess.Popen([str(BIN / "orderflow"), "serve", "--port", str(port)], env=env, cwd=tmp,
                                      stdout=log, stderr=subprocess.STDOUT)
        database = "PostgreSQL" if database_url.startswith("postgresql") else "SQLite"
        try:
            wait_port(port)
            url = f"http://127.0.0.1:{port}"
            rng = random.Random(7)
            rows = []
            for person in PEOPLE:
                http = signed_in(url, person)
                inbox = http.get("/desk/inbox").text
                total = re.search(r'id="order-tasks" data-total="(\d+)"', inbox)
                tasks = int(total.group(1)) if total else 0
                visible = [n for i, n in enumerate(numbers) if SEES[person](i)]
                inbox_ms = percentiles(measure(http, ["/desk/inbox"] * requests))
                order_ms = percentiles(measure(http, [f"/desk/orders/{rng.choice(visible)}"
                                                      for _ in range(requests)]))
                rows.append(f"| {database} | {person} | {tasks:,} | " + " / ".join(f"{v:.1f}" for v in inbox_ms) + " | "
                            + " / ".join(f"{v:.1f}" for v in order_ms) + " |")
                http.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    return rows


def main() -> None:
    from orderflow.process import exit_now

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--dbs", default="sqlite,postgres")
    parser.add_argument("--pg", default=os.environ.get("ORDERFLOW_BENCH_POSTGRES",
                                                        "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    rows = []
    dbs = args.dbs.split(",")
    if not set(dbs) <= {"sqlite", "postgres"}:
        parser.error(f"--dbs takes sqlite and postgres, not {args.dbs}")
    for db in dbs:
        with database(db, args.pg) as url:
            rows += run(args.orders, args.requests, url)
    print("\n".join([
        f"{args.orders:,} open orders in the read model; {args.requests} requests per page and person, one at a "
        "time, over HTTP from `orderflow serve`; latency in ms, p50 / p95 / p99.", "",
        "| database | person | tasks in 我的待办 | 我的待办 | order page |", "|---|---|---:|---:|---:|", *rows]),
        flush=True)
    exit_now(0)


if __name__ == "__main__":
    main()
