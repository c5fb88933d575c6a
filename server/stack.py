"""`make up`: the embedded stack on loopback, its state under .data/, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from orderflow import search_attributes
from orderflow.process import exit_now
from orderflow.settings import PROJECT_ROOT, Settings

DEMO_PASSWORDS = "demo-passwords"
AGENCY_SECRET = "agency-webhook-secret"


class StackError(Exception):
    pass


def _tool(name: str) -> str:
    # This environment's own copy first: another on PATH may be another version.
    own = Path(sys.executable).parent / name
    found = str(own) if own.exists() else shutil.which(name)
    if not found:
        raise StackError(f"{name} is not installed in this environment; run `make up` from the project root")
    return found


def _port_busy(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_port(port: int, name: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not _port_busy(port):
        if proc.poll() is not None:
            raise StackError(f"{name} exited with code {proc.returncode}; see its log under .data/logs/")
        if time.monotonic() > deadline:
            raise StackError(f"{name} did not open 127.0.0.1:{port} within {timeout:.0f}s")
        time.sleep(0.2)


def _private_file(path: Path, make: Callable[[], str]) -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(make() + "\n")


def _random_password(username: str) -> str:
    """16 random characters that pass the password rules (a random one can, rarely, contain the username)."""
    from domain.errors import InvalidInput
    from domain.signin import check_password

    while True:
        candidate = secrets.token_urlsafe(12)
        try:
            check_password(candidate, username)
            return candidate
        except InvalidInput:
            continue


def _port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


class Stack:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data = settings.data_dir
        self.logs = self.data / "logs"
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.passwords: dict[str, str] = {}
        self.child_env: dict[str, str] = {}  # what the worker and the API get besides the environment
        self.mail_sink: str | None = None

    def _spawn(self, name: str, args: list[str], env: dict[str, str] | None = None,
               to_console: bool = False) -> subprocess.Popen[bytes]:
        log = None if to_console else (self.logs / f"{name}.log").open("ab")
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT if log else None,
                                env={**os.environ, **(env or {})}, start_new_session=True)
        self.procs.append((name, proc))
        return proc

    def start(self) -> None:
        s = self.settings
        s3_port = int((s.s3_endpoint_url or "http://127.0.0.1:9000").rsplit(":", 1)[1].split("/")[0])
        temporal_port = _port_of(s.temporal_address)
        sink_port = [(s.mail_sink_port, "the mail sink")] if s.smtp_host is None else []
        for port, what in ((temporal_port, "Temporal"), (s.temporal_ui_port, "the Web UI"), (s3_port, "S3"),
                           (s.api_port, "the API"), *sink_port):
            if _port_busy(port):
                raise StackError(f"127.0.0.1:{port} ({what}) is already in use: is another `make up` running?")
        self.logs.mkdir(parents=True, exist_ok=True)
        codec_url = self._start_codec_server()

        temporal = self._spawn("temporal", [
            _tool("temporal"), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(temporal_port),
            "--ui-port", str(s.temporal_ui_port), "--db-filename", str(self.data / "temporal.db"),
            "--namespace", s.temporal_namespace, "--log-level", "warn", *search_attributes.dev_server_flags(),
            *(["--ui-codec-endpoint", codec_url] if codec_url else []),
        ])
        # moto keeps objects in memory; its request recording, replayed at start, keeps them across restarts.
        recording = self.data / "s3-recording.jsonl"
        moto = self._spawn("s3", [_tool("moto_server"), "-H", "127.0.0.1", "-p", str(s3_port)],
                           env={"MOTO_ENABLE_RECORDING": "1", "MOTO_RECORDER_FILEPATH": str(recording)})
        _wait_port(s3_port, "the S3 endpoint", moto)
        if recording.exists() and recording.stat().st_size:
            urllib.request.urlopen(urllib.request.Request(  # noqa: S310 - our own loopback endpoint
                f"http://127.0.0.1:{s3_port}/moto-api/recorder/replay-recording", method="POST"), timeout=120)
        _wait_port(temporal_port, "Temporal", temporal)
        _wait_port(s.temporal_ui_port, "the Temporal Web UI", temporal)

        self._prepare_data()
        self._start_mail_sink()
        self._spawn("worker", [sys.executable, "-m", "worker"], env=self.child_env, to_console=True)
        self._ensure_schedules()
        api = self._spawn("api", [_tool("orderflow"), "serve"], env={**self.child_env, **self._agency_secret()})
        _wait_port(s.api_port, "the API", api)
        self.passwords = self._demo_passwords()

    def _start_codec_server(self) -> str | None:
        """Payloads are encrypted from the first start: a key and a codec-server token are made under .data/
        (never in the repo) unless configured, and every process of the stack, and the CLI, reads them there."""
        from orderflow.codec import new_key_line
        from orderflow.settings import CODEC_KEY_FILE, CODEC_TOKEN_FILE

        s = self.settings
        if s.codec_keys is None and s.codec_key_file is None:
            _private_file(self.data / CODEC_KEY_FILE, lambda: new_key_line("dev-1"))
        if s.codec_server_token is None:
            _private_file(self.data / CODEC_TOKEN_FILE, lambda: secrets.token_urlsafe(24))
        self.settings = s = Settings()  # read again: the files are its defaults now
        if _port_busy(s.codec_server_port):
            raise StackError(f"127.0.0.1:{s.codec_server_port} (the codec server) is already in use")
        proc = self._spawn("codec-server", [_tool("orderflow"), "codec-server"], env={
            "ORDERFLOW_CODEC_SERVER_ORIGIN": f"http://127.0.0.1:{s.temporal_ui_port}"})
        _wait_port(s.codec_server_port, "the codec server", proc)
        return f"http://127.0.0.1:{s.codec_server_port}"

    def _start_mail_sink(self) -> None:
        """With no SMTP server configured, mail goes to a local sink that keeps every message under .data/mail/
        (`orderflow mail list`); a configured one (ORDERFLOW_SMTP_HOST) is used as it is."""
        s = self.settings
        if "desk_url" not in s.model_fields_set:  # links in mail point at this stack's API, whatever its port
            self.child_env["ORDERFLOW_DESK_URL"] = f"http://{s.api_host}:{s.api_port}/desk"
        if s.smtp_host is not None:
            self.mail_sink = None
            return
        proc = self._spawn("mailsink", [sys.executable, "-m", "orderflow.mailsink", "--dir", str(self.data / "mail"),
                                        "--port", str(s.mail_sink_port)])
        _wait_port(s.mail_sink_port, "the mail sink", proc)
        self.child_env.update({"ORDERFLOW_SMTP_HOST": "127.0.0.1", "ORDERFLOW_SMTP_PORT": str(s.mail_sink_port),
                               "ORDERFLOW_SMTP_STARTTLS": "false"})
        self.mail_sink = f"smtp://127.0.0.1:{s.mail_sink_port}"

    def _agency_secret(self) -> dict[str, str]:
        """The certification agency's callback is signed with a shared secret: made on the first start under
        .data/ (mode 0600) unless ORDERFLOW_CERTIFICATION_WEBHOOK_SECRET is set, so the walkthrough can sign one.
        Only the API, which checks callbacks, gets it."""
        if self.settings.certification_webhook_secret.get_secret_value():
            return {}
        path = self.data / AGENCY_SECRET
        if path.exists() and not path.read_text(encoding="utf-8").strip():
            path.unlink()  # a first start that died between creating and writing it
        _private_file(path, lambda: secrets.token_urlsafe(32))
        path.chmod(0o600)
        return {"ORDERFLOW_CERTIFICATION_WEBHOOK_SECRET": path.read_text(encoding="utf-8").strip()}

    def _ensure_schedules(self) -> None:
        import asyncio

        from orderflow.temporal import connect
        from services.schedules import ensure_schedules

        async def ensure() -> dict[str, str]:
            return await ensure_schedules(await connect(self.settings), self.settings)

        print(", ".join(f"schedule {name} {result}" for name, result in asyncio.run(ensure()).items()))

    def _prepare_data(self) -> None:
        from db.engine import make_engine, session_factory, unit_of_work
        from db.migrate import upgrade
        from db.org_repo import load_org
        from orderflow.orgfile import read_org_file
        from orderflow.s3 import ensure_bucket, make_client

        upgrade(self.settings.db_url)
        engine = make_engine(self.settings.db_url)
        ensure_bucket(make_client(self.settings), self.settings.s3_bucket, object_lock=True)
        partners, users = read_org_file(PROJECT_ROOT / "examples" / "org.yaml")
        with unit_of_work(session_factory(engine)) as session:
            result = load_org(session, partners, users)
        engine.dispose()
        print(f"demo org loaded: {result.partners} partners, {result.users} users")

    def _demo_passwords(self) -> dict[str, str]:
        """Each demo user gets a random password on the first start, kept in .data/demo-passwords (mode 0600)
        and printed with the walkthrough; later starts keep them, so signed-in CLIs stay signed in."""
        from orderflow.orgfile import read_org_file
        from services.auth import set_password
        from services.context import build_services

        path = self.data / DEMO_PASSWORDS
        if path.exists():
            pairs = (line.split(" ", 1) for line in path.read_text(encoding="utf-8").splitlines() if " " in line)
            return {user: password for user, password in pairs}
        _, users = read_org_file(PROJECT_ROOT / "examples" / "org.yaml")
        services = build_services(self.settings)
        passwords = {u.username: _random_password(u.username) for u in users}
        # Written aside first and put in place once every password is set: a start that dies halfway makes new
        # ones next time, and the file never names passwords that were not set.
        pending = path.with_suffix(".pending")
        pending.unlink(missing_ok=True)
        _private_file(pending, lambda: "\n".join(f"{u} {p}" for u, p in passwords.items()))
        for user, password in passwords.items():
            set_password(services, user, password, by="make up (demo org)")
        pending.replace(path)
        return passwords

    def stop(self) -> None:
        # The worker first, so in-flight activities finish while the servers are still up.
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    print(f"{name} did not stop in 30s; killing it", file=sys.stderr)
                    proc.kill()
                    proc.wait()
        self.procs.clear()

    def wait(self) -> None:
        while True:
            for name, proc in self.procs:
                if proc.poll() is not None:
                    raise StackError(f"{name} stopped unexpectedly (exit code {proc.returncode}); "
                                     f"see .data/logs/{name}.log")
            time.sleep(0.5)


BANNER = """
orderflow is up.
  Web desk         {api}/desk   (sign in with a demo user below; 中文, English at the top right)
  API              {api}   (OpenAPI: {api}/docs)
  Temporal Web UI  http://127.0.0.1:{ui}/namespaces/{ns}/workflows
  Temporal         {address}      S3  {s3}      database  {db}
  Mail             {mail}
  Agency callback  {api}/certifications/agency-callback, signed with the secret in .data/agency-webhook-secret
                   (or ORDERFLOW_CERTIFICATION_WEBHOOK_SECRET when set)
  Payloads are encrypted (key in .data/codec.keys). To read them in the Web UI, open once
    http://127.0.0.1:{codec_port}/login?token=<the token in .data/codec.token>
  then in the UI's Codec Server settings turn on "Include cross-origin credentials".

Demo passwords (also in .data/demo-passwords; reset one with `orderflow admin set-password USER`):
{passwords}

Try, in another terminal (the demo org is loaded; see README.md for the whole walkthrough):
  O=.venv/bin/orderflow
  echo '{amy}' | $O login amy --password-stdin
  $O order issue BJ100001 --to alice
  $O whoami; $O inbox
Ctrl-C stops everything; `make up` again picks up where it left off.
"""


def main() -> None:
    settings = Settings()
    stack = Stack(settings)
    stopping = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            raise KeyboardInterrupt

    # Both explicitly: a shell starts background jobs with SIGINT ignored.
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        stack.start()
        print(BANNER.format(ui=settings.temporal_ui_port, ns=settings.temporal_namespace,
                            address=settings.temporal_address, s3=settings.s3_endpoint_url,
                            db=settings.db_url.split("@")[-1], codec_port=settings.codec_server_port,
                            api=f"http://{settings.api_host}:{settings.api_port}", amy=stack.passwords.get("amy", ""),
                            mail=(f"{stack.mail_sink}   (a local sink: messages kept in {settings.data_dir / 'mail'}; "
                                  "read them with `orderflow mail list`)" if stack.mail_sink else
                                  f"SMTP {settings.smtp_host}:{settings.smtp_port} (ORDERFLOW_SMTP_HOST)"),
                            passwords="\n".join(f"  {u:<10} {p}" for u, p in stack.passwords.items())), flush=True)
        stack.wait()
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    except Exception as err:  # noqa: BLE001 - whatever failed, no child process may outlive the stack
        print(f"error: {err}" if isinstance(err, StackError) else f"error: {type(err).__name__}: {err}",
              file=sys.stderr)
        stack.stop()
        exit_now(1)
    stack.stop()
    print("stopped.")
    exit_now(0)


if __name__ == "__main__":
    main()
