"""What the end-to-end benchmarks share: a loopback stack (the Temporal dev server, moto's S3, a database,
worker processes), started fresh for a run and stopped after it, and latency percentiles."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from orderflow import search_attributes

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")
        time.sleep(0.1)


def tool(name: str) -> str:
    own = BIN / name
    return str(own) if own.exists() else (shutil.which(name) or name)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    if len(samples) < 2:
        value = samples[0] * 1000 if samples else 0.0
        return value, value, value
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


@dataclass
class BenchStack:
    env: dict[str, str]
    tmp: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    api_url: str = ""

    def start_workers(self, count: int, module: str = "worker") -> None:
        for i in range(count):
            log = (self.tmp / f"{module}-{len(self.workers)}.log").open("w")
            proc = subprocess.Popen([sys.executable, "-m", module], env=self.env, cwd=ROOT, stdout=log,
                                    stderr=subprocess.STDOUT)
            self.workers.append(proc)
            deadline = time.monotonic() + 60
            path = self.tmp / f"{module}-{len(self.workers) - 1}.log"
            while "polling" not in path.read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{module} did not start: {path.read_text()[-2000:]}")
                time.sleep(0.1)
            del i

    def cpu_seconds(self) -> dict[str, float]:
        """CPU used so far by the Temporal server, the worker processes, S3 and this process (the driver)."""
        import resource

        def of(proc: subprocess.Popen[bytes]) -> float:
            try:
                fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                return 0.0
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        own = resource.getrusage(resource.RUSAGE_SELF)
        return {"server": of(self.procs[0]), "s3": of(self.procs[1]),
                "workers": sum(of(w) for w in self.workers), "driver": own.ru_utime + own.ru_stime}

    def stop_workers(self) -> None:
        for proc in self.workers:
            proc.terminate()
        for proc in self.workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.workers.clear()

    def start_api(self) -> str:
        """`orderflow serve` on a free loopback port; the CLI reaches it through ORDERFLOW_API_URL."""
        port = free_port()
        log = (self.tmp / "api.log").open("w")
        self.procs.append(subprocess.Popen([tool("orderflow"), "serve", "--port", str(port)], env=self.env,
                                           cwd=self.tmp, stdout=log, stderr=subprocess.STDOUT))
        wait_port(port)
        self.api_url = f"http://127.0.0.1:{port}"
        self.env["ORDERFLOW_API_URL"] = self.api_url
        return self.api_url

    def token(self, user: str) -> str:
        """A real token of the user's: the password set as `orderflow admin set-password` does, then a login."""
        if user not in self.tokens:
            import httpx

            from services.auth import set_password
            from services.context import build_services

            services = build_services(settings_of(self))
            set_password(services, user, BENCH_PASSWORD, by="bench")
            services.sessions.kw["bind"].dispose()
            answer = httpx.post(f"{self.api_url}/auth/login", json={"username": user, "password": BENCH_PASSWORD},
                                timeout=30)
            answer.raise_for_status()
            self.tokens[user] = answer.json()["token"]
        return self.tokens[user]

    def env_for(self, user: str | None) -> dict[str, str]:
        return {**self.env, "ORDERFLOW_TOKEN": self.token(user)} if user else self.env

    def cli(self, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([tool("orderflow"), *args], env=self.env_for(user), capture_output=True, text=True,
                              timeout=120, cwd=self.tmp)
        if done.returncode != 0:
            raise RuntimeError(f"orderflow {' '.join(args)}: {done.stderr}")
        return done


@contextmanager
def bench_stack(database_url: str = "", **settings: str) -> Iterator[BenchStack]:
    """A fresh stack on loopback; stopped, and its files removed, however the benchmark ends."""
    tmp = Path(tempfile.mkdtemp(prefix="orderflow-bench-"))
    temporal_port, s3_port = free_port(), free_port()
    procs: list[subprocess.Popen[bytes]] = []
    stack = BenchStack({}, tmp, procs)
    try:
        procs.append(subprocess.Popen([
            tool("temporal"), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(temporal_port), "--headless",
            "--log-level", "error", *search_attributes.dev_server_flags()],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        procs.append(subprocess.Popen([tool("moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(temporal_port)
        wait_port(s3_port)
        stack.env.update({**os.environ, "ORDERFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
                          "ORDERFLOW_S3_ENDPOINT_URL": f"http://127.0.0.1:{s3_port}",
                          "ORDERFLOW_S3_BUCKET": f"bench-{uuid.uuid4().hex[:8]}", "ORDERFLOW_DATA_DIR": str(tmp),
                          "ORDERFLOW_TASK_QUEUE": "bench", "ORDERFLOW_CAP_SALES": "100000",
                          "ORDERFLOW_CLI_WAIT_SECONDS": "120"})
        for name in ("ORDERFLOW_USER", "ORDERFLOW_TOKEN", "ORDERFLOW_API_URL"):
            stack.env.pop(name, None)
        stack.env["XDG_CONFIG_HOME"] = str(tmp / "config")
        if database_url:
            stack.env["ORDERFLOW_DATABASE_URL"] = database_url
        stack.env.update({f"ORDERFLOW_{name.upper()}": value for name, value in settings.items()})
        time.sleep(1)  # the dev server answers its port a moment before it accepts namespaces calls
        stack.cli("temporal", "init")
        stack.cli("db", "upgrade")
        stack.cli("admin", "load-org", str(ROOT / "examples" / "org.yaml"))
        _bench_range(stack)
        from orderflow.s3 import ensure_bucket, make_client
        from orderflow.settings import Settings

        ensure_bucket(make_client(Settings(s3_endpoint_url=stack.env["ORDERFLOW_S3_ENDPOINT_URL"])),
                      stack.env["ORDERFLOW_S3_BUCKET"])
        yield stack
    finally:
        stack.stop_workers()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


BENCH_PASSWORD = "a benchmark passphrase"
BENCH_FIRST = 300000  # BJ300000–BJ399999: room for any benchmark's orders beside the demo range


def bench_number(i: int) -> str:
    return f"BJ{BENCH_FIRST + i}"


def _bench_range(stack: BenchStack) -> None:
    from db.engine import make_engine, session_factory, unit_of_work
    from db.models import NumberRangeRow

    with unit_of_work(session_factory(make_engine(settings_of(stack).db_url))) as session:
        session.add(NumberRangeRow(partner_code="BJ", prefix="BJ", first=BENCH_FIRST, last=BENCH_FIRST + 99_999))


def settings_of(stack: BenchStack):  # type: ignore[no-untyped-def]
    from orderflow.settings import Settings

    return Settings(**{k.removeprefix("ORDERFLOW_").lower(): v for k, v in stack.env.items()
                       if k.startswith("ORDERFLOW_") and k not in ("ORDERFLOW_API_URL", "ORDERFLOW_TOKEN")})
