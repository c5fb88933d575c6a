"""`make up` itself: the embedded stack starts on loopback, encrypts payloads from the first start, serves the
codec to the Web UI, keeps its state across a restart, and stops every child on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from temporalio.client import Client

from tests.helpers import free_port

BIN = Path(sys.executable).parent


def stack_env(tmp_path: Path, **extra: str) -> tuple[dict[str, str], dict[str, int]]:
    """The environment of a `make up` of a test's own: free loopback ports, its data folder, nothing inherited that
    would point it elsewhere (a configured SMTP server, a database, a user or a token)."""
    ports = {name: free_port() for name in ("temporal", "ui", "s3", "codec", "api", "mail")}
    env = {**os.environ, "ORDERFLOW_DATA_DIR": str(tmp_path / "data"),
           "ORDERFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{ports['temporal']}",
           "ORDERFLOW_TEMPORAL_UI_PORT": str(ports["ui"]),
           "ORDERFLOW_S3_ENDPOINT_URL": f"http://127.0.0.1:{ports['s3']}",
           "ORDERFLOW_CODEC_SERVER_PORT": str(ports["codec"]), "ORDERFLOW_API_PORT": str(ports["api"]),
           "ORDERFLOW_MAIL_SINK_PORT": str(ports["mail"]),
           "ORDERFLOW_API_URL": f"http://127.0.0.1:{ports['api']}", "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "COLUMNS": "200", **extra}
    for name in ("ORDERFLOW_USER", "ORDERFLOW_CODEC_KEYS", "ORDERFLOW_CODEC_KEY_FILE", "ORDERFLOW_DATABASE_URL",
                 "ORDERFLOW_TOKEN", "ORDERFLOW_SMTP_HOST", "ORDERFLOW_SMTP_PORT", "ORDERFLOW_MAIL_DIR",
                 "ORDERFLOW_CERTIFICATION_WEBHOOK_SECRET", "ORDERFLOW_DESK_URL"):
        env.pop(name, None)
    return env, ports


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    proc = subprocess.Popen([str(BIN / "orderflow-stack")], env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while "orderflow is up." not in log.read_text(errors="replace"):
        assert proc.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.3)
    return proc


def _stop(proc: subprocess.Popen[bytes], log: Path) -> None:
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends to the terminal's process group
    assert proc.wait(timeout=90) == 0, log.read_text(errors="replace")
    assert "stopped." in log.read_text(errors="replace")


def _desk_sign_in(desk: str, user: str, password: str, expect: str) -> None:
    import re

    import httpx

    with httpx.Client(base_url=desk, headers={"Origin": desk.removesuffix("/desk")}, timeout=30) as http:
        page = http.get("/login")
        assert page.status_code == 200 and "登录" in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        signed = http.post("/login", data={"csrf": csrf.group(1), "username": user, "password": password},
                           follow_redirects=True)
        assert signed.status_code == 200 and "我的待办" in signed.text and expect in signed.text, signed.text


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> dict[str, object]:
    done = subprocess.run([str(BIN / "orderflow"), "--json", *args], env=env, capture_output=True, text=True,
                          timeout=60, input=stdin)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


async def test_make_up_starts_encrypted_restarts_with_its_state_and_stops_cleanly(tmp_path: Path):
    env, ports = stack_env(tmp_path)
    log = tmp_path / "stack.log"
    proc = _start(env, log)
    try:
        # The demo passwords are made on the first start, kept private, and printed with the walkthrough.
        passwords_file = tmp_path / "data" / "demo-passwords"
        assert oct(passwords_file.stat().st_mode & 0o777) == "0o600"
        passwords = dict(line.split(" ", 1) for line in passwords_file.read_text().splitlines())
        assert passwords["amy"] in log.read_text()
        signed_in = _cli(env, "login", "amy", "--password-stdin", stdin=passwords["amy"] + "\n")
        assert signed_in["username"] == "amy" and "token" not in signed_in
        token_file = tmp_path / "config" / "orderflow" / "token.json"
        assert oct(token_file.stat().st_mode & 0o777) == "0o600"
        assert _cli(env, "order", "issue", "BJ100001", "--to", "alice")["status"] == "ISSUED"
        # The web desk is served at the address the banner prints, in Chinese, to the same accounts.
        desk = f"http://127.0.0.1:{ports['api']}/desk"
        assert f"Web desk         {desk}" in log.read_text()
        _desk_sign_in(desk, "alice", passwords["alice"], expect="BJ100001")
        keys, token = tmp_path / "data" / "codec.keys", tmp_path / "data" / "codec.token"
        assert oct(keys.stat().st_mode & 0o777) == "0o600" and oct(token.stat().st_mode & 0o777) == "0o600"
        assert token.read_text().strip() not in log.read_text()
        # Temporal holds only ciphertext: read the raw history without the codec.
        raw = await Client.connect(f"127.0.0.1:{ports['temporal']}")
        history = await raw.get_workflow_handle("order-BJ100001").fetch_history()
        started = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
        assert started.metadata["encoding"] == b"binary/encrypted" and b"alice" not in started.data
        # The codec server the UI is pointed at answers only with the token.
        body = json.dumps({"payloads": []}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{ports['codec']}/decode", data=body, method="POST")
        try:
            urllib.request.urlopen(request, timeout=10)
            raise AssertionError("the codec server decoded without a token")
        except urllib.error.HTTPError as err:
            assert err.code == 401
        request.add_header("Authorization", f"Bearer {token.read_text().strip()}")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
    finally:
        _stop(proc, log)
    assert subprocess.run(["pgrep", "-f", str(tmp_path / "data")], capture_output=True).stdout == b""

    again = tmp_path / "stack-again.log"
    proc = _start(env, again)  # the same data directory: everything is still there
    try:
        shown = _cli(env, "order", "show", "BJ100001")  # the token from before the restart still works
        assert shown["status"] == "ISSUED" and shown["pending_user"] == "alice"
    finally:
        _stop(proc, again)
