"""How good the collision check (撞单) is, measured: on a seeded corpus of realistic company names
(bench/quality_corpus.py) loaded into SQLite and PostgreSQL at 10k, 100k and 1M customers, the recall of each kind
of variant a rep types (as an exact-key match, as an alert naming the customer, and both), the alert rate on truly
new companies, and the p50/p99 of the check. Run by `make bench`; the smoke test runs it on 300 customers.

A probe is checked as `customer check` checks it: the typed name keyed (name_keys), the typed number read
(parse_phone), and find_hits with the settings' threshold; the timing covers all three. A name variant is checked
with fresh numbers, so only the name can find the customer; a number variant with a fresh name, so only the number
can (an exact PHONE hit)."""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session

from bench.collision import bench_schema
from bench.quality_corpus import NAME_KINDS, NUMBER_KINDS, Company, Generator, Numbers, name_variant, number_variant
from bench.quality_table import FALSE_EXACT, NEW, Run, Tally, render
from db.customer_repo import NAME, TEL, find_hits
from db.engine import make_engine, session_factory, unit_of_work
from db.models import Customer, CustomerKey
from domain.collisions import Hit, Match
from domain.errors import InvalidInput
from domain.names import NameKeys, name_keys
from domain.phones import parse_phone
from orderflow.settings import Settings

BATCH = 10_000


@dataclass
class Corpus:
    companies: list[Company]
    keys: list[NameKeys]  # per customer
    phones: list[tuple[str, str]]  # (typed, E.164) per customer, id = index + 1
    faxes: list[tuple[str, str]]
    generator: Generator
    numbers: Numbers
    taken: set[str]  # the name keys in the database


def build(size: int, seed: int) -> Corpus:
    rng = random.Random(seed)
    gen, numbers = Generator(rng), Numbers()
    companies: list[Company] = []
    keys: list[NameKeys] = []
    phones: list[tuple[str, str]] = []
    faxes: list[tuple[str, str]] = []
    taken: set[str] = set()
    while len(companies) < size:
        company = gen.company()
        k = name_keys(company.name)
        if k.name in taken or len(k.name) < 2:
            continue
        taken.add(k.name)
        companies.append(company)
        keys.append(k)
        phones.append(numbers.next(company.home))
        faxes.append(numbers.next(company.home))
    return Corpus(companies, keys, phones, faxes, gen, numbers, taken)


def load(engine: Engine, corpus: Corpus) -> None:
    """Bulk-insert the corpus, every column filled as add_customer fills it, in batches of BATCH."""
    bench_schema(engine)
    now = datetime.now(UTC)
    for start in range(0, len(corpus.companies), BATCH):
        rows, keys = [], []
        for i in range(start, min(start + BATCH, len(corpus.companies))):
            company, (phone, phone_key), (fax, fax_key) = corpus.companies[i], corpus.phones[i], corpus.faxes[i]
            k, cid = corpus.keys[i], i + 1
            rows.append({"id": cid, "name": company.name, "name_key": k.name, "key_head": k.name[:2],
                         "key_tail": k.name[-2:], "brand_key": k.brand, "sound_key": k.sound, "phone": phone,
                         "phone_key": phone_key, "phone_ext": None, "fax": fax, "fax_key": fax_key, "fax_ext": None,
                         "risk_flags": [], "address": "bench", "region": company.home, "owner": "bench",
                         "partner_code": "BJ", "created_by": "bench", "created_at": now, "last_contact_at": now})
            keys += [{"key": NAME + k.name, "customer_id": cid}, {"key": TEL + phone_key, "customer_id": cid},
                     {"key": TEL + fax_key, "customer_id": cid}]
        with engine.begin() as conn:
            conn.execute(insert(Customer), rows)
            conn.execute(insert(CustomerKey), keys)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


@dataclass(frozen=True)
class Probe:
    kind: str
    target: int | None  # the customer id the check should name; None for a new company
    name: str
    phone: str
    fax: str
    region: str


def probes(corpus: Corpus, per_kind: int, new: int, seed: int) -> list[Probe]:
    """For each variant kind, up to `per_kind` customers it applies to; and `new` truly new companies."""
    rng = random.Random(seed + 1)
    out: list[Probe] = []
    corpus.generator.remember = False

    def fresh() -> tuple[Company, str, str]:
        while True:
            company = corpus.generator.company()
            if name_keys(company.name).name not in corpus.taken:
                return company, corpus.numbers.next(company.home)[0], corpus.numbers.next(company.home)[0]

    order = rng.sample(range(len(corpus.companies)), len(corpus.companies))
    for kind in NAME_KINDS + NUMBER_KINDS:
        taken = 0
        for i in order:
            if taken == per_kind:
                break
            company = corpus.companies[i]
            if kind in NUMBER_KINDS:
                other, _, fax = fresh()
                out.append(Probe(kind, i + 1, other.name, number_variant(kind, corpus.phones[i][0], rng), fax,
                                 company.home))
            else:
                typed = name_variant(kind, company, rng)
                if typed is None:
                    continue
                _, phone, fax = fresh()
                out.append(Probe(kind, i + 1, typed, phone, fax, company.home))
            taken += 1
        rng.shuffle(order)
    for _ in range(new):
        company, phone, fax = fresh()
        out.append(Probe(NEW, None, company.name, phone, fax, company.home))
    return out


def check(session: Session, probe: Probe, threshold: float) -> tuple[list[Hit], float]:
    started = time.perf_counter()
    numbers: dict[Match, str] = {}
    for match, typed in ((Match.PHONE, probe.phone), (Match.FAX, probe.fax)):
        with suppress(InvalidInput):  # a number the parser refuses finds nothing: the tally shows the miss
            numbers[match] = parse_phone(typed, match.value, probe.region).e164
    hits = find_hits(session, name_keys(probe.name), numbers, threshold, probe.region)
    return hits, time.perf_counter() - started


def measure(engine: Engine, corpus: Corpus, batch: list[Probe]) -> tuple[dict[str, Tally], float, float]:
    threshold = Settings().similar_name_threshold
    tallies = {kind: Tally() for kind in [*NAME_KINDS, *NUMBER_KINDS, NEW, FALSE_EXACT]}
    samples: list[float] = []
    gc.collect()
    gc.freeze()  # the corpus is large; keep a full collection of it out of the samples
    with unit_of_work(session_factory(engine)) as session:
        for probe in batch[:50]:  # warm the caches and the statement cache first
            check(session, probe, threshold)
        for probe in batch:
            hits, took = check(session, probe, threshold)
            samples.append(took)
            tally = tallies[probe.kind]
            tally.n += 1
            if probe.target is None:
                similar = [h for h in hits if h.match is Match.SIMILAR]
                tallies[FALSE_EXACT].n += 1
                tallies[FALSE_EXACT].exact += any(h.match is Match.NAME for h in hits)
                if similar:
                    tally.alert += 1
                    tally.why.update({_why(h) for h in similar})  # each reason once per entry, in any order
                    tally.note(f"{probe.name} ~ {similar[0].name} ({_why(similar[0])})")
                continue
            mine = [h for h in hits if h.customer_id == probe.target]
            if any(h.match is not Match.SIMILAR for h in mine):
                tally.exact += 1
            elif mine:
                tally.alert += 1
                tally.why[_why(mine[0])] += 1
            else:
                original = corpus.companies[probe.target - 1]
                tally.note(f"{probe.name} {probe.phone} for {original.name} {corpus.phones[probe.target - 1][0]}")
    gc.unfreeze()
    ordered = sorted(samples)
    return tallies, statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def _why(hit: Hit) -> str:
    why = hit.why or "similar name"
    return "same brand" if why.startswith("same brand") else why


@contextmanager
def database(db: str, pg_base: str) -> Iterator[Engine]:
    """A scratch database of its own, dropped afterwards: a temporary SQLite file, or a fresh PostgreSQL database."""
    if db == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
            try:
                yield engine
            finally:
                engine.dispose()
        return
    import psycopg

    name = f"bench_quality_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(pg_base.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(pg_base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def run_all(sizes: list[int], dbs: list[str], per_kind: int, new: int, pg_base: str) -> list[Run]:
    runs = []
    for size in sizes:
        corpus = build(size, seed=size)
        batch = probes(corpus, per_kind, new, seed=size)
        existing = {k.brand for k in corpus.keys}
        new_brands = [name_keys(p.name).brand for p in batch if p.kind == NEW]
        shared = 100 * sum(b in existing for b in new_brands) / max(1, len(new_brands))
        for db in dbs:
            with database(db, pg_base) as engine:
                started = time.perf_counter()
                load(engine, corpus)
                loaded = time.perf_counter() - started
                tallies, p50, p99 = measure(engine, corpus, batch)
            runs.append(Run(db, size, loaded, tallies, shared, p50, p99))
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--dbs", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"])
    parser.add_argument("--per-kind", type=int, default=500, help="customers sampled per variant kind")
    parser.add_argument("--new", type=int, default=2000, help="truly new companies checked")
    parser.add_argument("--pg", default=os.environ.get("ORDERFLOW_BENCH_POSTGRES",
                                                        "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--examples", action="store_true", help="print a few misses of each kind to stderr")
    args = parser.parse_args(argv)
    runs = run_all(args.sizes, args.dbs, args.per_kind, args.new, args.pg)
    print(render(runs))
    for run in runs if args.examples else []:
        for kind, tally in run.tallies.items():
            for example in tally.examples:
                print(f"{run.db} {run.size} {kind}: {example}", file=sys.stderr)


if __name__ == "__main__":
    main()
