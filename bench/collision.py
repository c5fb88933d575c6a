"""`customer check` at scale: p50 and p99 of the collision check beside a naive LIKE scan, on SQLite and
PostgreSQL. Run by `make bench`; `python -m bench.collision --sizes 5` is the smoke run the tests use."""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select, text

from db.customer_repo import NAME, TEL, find_hits, key_columns
from db.engine import create_schema, make_engine, session_factory, unit_of_work
from db.models import Customer, CustomerKey, Partner, User
from domain.collisions import Match
from domain.names import name_key, name_keys

# Common characters of company names, so keys collide in prefixes the way real ones do.
CHARS = "华信美来尔工程技术建材长城黄河东方北方南方中天宏达恒通泰安科创智能电子机械化工贸易物流实业发展投资" \
        "国际环保新材料能源医药食品服饰家具汽车软件网络文化传媒广告教育咨询服务管理设计装饰钢铁塑料纺织印刷"
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "集团", "公司"]
REGIONS = ["北京", "上海", "广州", "深圳", "天津"]


@dataclass
class Result:
    db: str
    size: int
    check_p50: float
    check_p99: float
    naive_p50: float
    naive_p99: float
    seed_seconds: float


def _name(rng: random.Random) -> str:
    return "".join(rng.choice(CHARS) for _ in range(rng.randint(3, 6))) + rng.choice(FORMS)


def bench_schema(engine: Engine) -> None:
    """The schema, and the partner and sales rep that the loaded customers belong to."""
    create_schema(engine)
    with engine.begin() as conn:
        conn.execute(insert(Partner), [{"code": "BJ", "name": "bench"}])
        conn.execute(insert(User), [{"username": "bench", "name": "bench", "role": "sales", "active": True,
                                     "regions": ["北京"], "reports_to": None}])


def seed(engine: Engine, size: int, rng: random.Random) -> list[str]:
    """Bulk-insert `size` customers with unique keys; return some of their names to look up."""
    bench_schema(engine)
    now = datetime.now(UTC)
    names: list[str] = []
    seen: set[str] = set()
    batch: list[dict[str, object]] = []
    keys: list[dict[str, object]] = []
    next_id = 1

    def flush() -> None:
        with engine.begin() as conn:
            conn.execute(insert(Customer), batch)
            conn.execute(insert(CustomerKey), keys)
        batch.clear()
        keys.clear()

    while next_id <= size:
        name = _name(rng)
        key = name_key(name)
        if key in seen:
            continue
        seen.add(key)
        phone, fax = f"+8610{60000000 + 2 * next_id:08d}", f"+8610{60000001 + 2 * next_id:08d}"
        batch.append({"id": next_id, "name": name, **key_columns(key),
                      "phone": phone, "phone_key": phone, "phone_ext": None, "fax": fax, "fax_key": fax,
                      "fax_ext": None, "risk_flags": [], "address": "bench", "region": rng.choice(REGIONS),
                      "owner": "bench", "partner_code": "BJ", "created_by": "bench", "created_at": now,
                      "last_contact_at": now})
        keys += [{"key": NAME + key, "customer_id": next_id}, {"key": TEL + phone, "customer_id": next_id},
                 {"key": TEL + fax, "customer_id": next_id}]
        if len(names) < 500 and rng.random() < 0.01 + 500 / size:
            names.append(name)
        next_id += 1
        if len(batch) >= 5000:
            flush()
    if batch:
        flush()
    if engine.dialect.name == "postgresql":
        # Settle the freshly loaded tables first, so autovacuum does not run during the measurement.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return names or [_name(rng)]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def measure(engine: Engine, names: list[str], rng: random.Random, samples: int) -> tuple[float, ...]:
    sessions = session_factory(engine)
    check, naive = [], []
    # Half existing names as variants people type, half new names: both paths matter.
    probes = [(rng.choice(names).replace("有限公司", "(北京)有限公司") if i % 2 else _name(rng))
              for i in range(samples)]
    # The benchmark holds a million names for its probes; a `customer check` process holds none. Keep them
    # out of the garbage collector's way, so a full collection scanning them does not land in a sample.
    gc.collect()
    gc.freeze()
    with unit_of_work(sessions) as session:
        for probe in probes[:50]:  # warm the caches and the statement cache first
            find_hits(session, name_keys(probe), {}, 85)
        for probe in probes:
            started = time.perf_counter()
            find_hits(session, name_keys(probe), {Match.PHONE: "+861099999999", Match.FAX: "+861099999998"}, 85)
            check.append(time.perf_counter() - started)
        for probe in probes[: max(5, samples // 10)]:  # the naive scan is slow: fewer samples
            started = time.perf_counter()
            session.execute(select(Customer.id).where(Customer.name.like(f"%{probe[:4]}%")).limit(50)).all()
            naive.append(time.perf_counter() - started)
    gc.unfreeze()
    return (*_percentiles(check), *_percentiles(naive))


def run(db: str, size: int, samples: int, pg_base: str) -> Result:
    rng = random.Random(size)
    with tempfile.TemporaryDirectory() as tmp:
        if db == "sqlite":
            url, cleanup = f"sqlite:///{Path(tmp) / 'bench.db'}", None
        else:
            import psycopg

            dbname = f"bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(pg_base, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{dbname}"')
            url = pg_base.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{dbname}"
            cleanup = dbname
        engine = make_engine(url)
        started = time.perf_counter()
        names = seed(engine, size, rng)
        seeded = time.perf_counter() - started
        result = Result(db, size, *measure(engine, names, rng, samples), seed_seconds=seeded)
        engine.dispose()
        if cleanup:
            import psycopg

            with psycopg.connect(pg_base, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE "{cleanup}" WITH (FORCE)')
    return result


def table(results: list[Result]) -> str:
    lines = ["| database | customers | check p50 (ms) | check p99 (ms) | naive LIKE p50 (ms) | naive LIKE p99 (ms) "
             "| seeding (s) |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r.db} | {r.size:,} | {r.check_p50:.2f} | {r.check_p99:.2f} | {r.naive_p50:.2f} | "
                     f"{r.naive_p99:.2f} | {r.seed_seconds:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--dbs", default="sqlite,postgres")
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--pg", default=os.environ.get("ORDERFLOW_BENCH_POSTGRES",
                                                        "postgresql://postgres@127.0.0.1:5432/test"))
    args = parser.parse_args()
    results = [run(db, int(size), args.samples, args.pg) for size in args.sizes.split(",")
               for db in args.dbs.split(",")]
    print(table(results))


if __name__ == "__main__":
    main()
