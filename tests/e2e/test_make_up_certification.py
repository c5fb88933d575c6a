"""The walkthrough's certification on `make up`: an order taken to EFFECTIVE through the CLI opens its
certification at once, the rep uploads the documents, the assistant submits them, and the agency's callback,
signed with the secret `make up` keeps in .data/, certifies it: the order shows when its service starts."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from tests.e2e.test_make_up import BIN, _cli, _start, _stop, stack_env
from tests.helpers import pdf_bytes

FACTS = {"name": "美来尔工程技术有限公司", "phone": "010-62345678", "address": "北京市海淀区中关村大街1号"}


def _as(env: dict[str, str], tmp: Path, user: str) -> dict[str, str]:
    return {**env, "XDG_CONFIG_HOME": str(tmp / "people" / user)}  # each person's own token


def _status(env: dict[str, str], number: str, timeout: float = 60) -> str:
    """The certification's status once it exists: it is started by the step that makes the order EFFECTIVE."""
    deadline = time.monotonic() + timeout
    while True:
        done = subprocess.run([str(BIN / "orderflow"), "--json", "cert", "show", number], env=env,
                              capture_output=True, text=True, timeout=60)
        if done.returncode == 0 and json.loads(done.stdout).get("status"):
            return str(json.loads(done.stdout)["status"])
        assert time.monotonic() < deadline, done.stderr
        time.sleep(0.5)


def _signed(secret: str, body: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    signature = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Orderflow-Timestamp": stamp, "X-Orderflow-Signature": signature, "Content-Type": "application/json"}


async def test_an_effective_order_is_certified_by_the_agencys_signed_callback(tmp_path: Path):
    env, ports = stack_env(tmp_path)
    data, log = tmp_path / "data", tmp_path / "stack.log"
    proc = _start(env, log)
    try:
        secret_file = data / "agency-webhook-secret"
        assert oct(secret_file.stat().st_mode & 0o777) == "0o600" and "agency-callback" in log.read_text()
        secret = secret_file.read_text(encoding="utf-8").strip()
        passwords = dict(line.split(" ", 1) for line in (data / "demo-passwords").read_text().splitlines())
        people = {u: _as(env, tmp_path, u) for u in ("amy", "alice", "olga", "fay")}
        for user, person in people.items():
            _cli(person, "login", user, "--password-stdin", stdin=passwords[user] + "\n")
        amy, alice, olga, fay = people.values()
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
        customer = _cli(alice, "customer", "add", "--fax", "010-62345679", "--region", "北京", *(
            arg for field, value in FACTS.items() for arg in (f"--{field}", value)))
        _cli(amy, "order", "issue", "BJ100001", "--to", "alice")
        _cli(alice, "order", "sign", "BJ100001", "--customer", str(customer["id"]), "--product", "Yellow pages",
             "--kind", "new", "--amount", "12000")
        _cli(amy, "order", "receive", "BJ100001")
        _cli(amy, "order", "review", "BJ100001", "--approve")
        _cli(amy, "order", "scan", "BJ100001", "--file", "examples/scan-BJ100001.pdf")
        _cli(olga, "order", "review", "BJ100001", "--approve", "--location", "Cabinet 3")
        assert _cli(fay, "order", "pay", "BJ100001", "--amount", "12000", "--date", today)["status"] == "EFFECTIVE"

        assert _status(alice, "BJ100001") == "AWAITING_DOCUMENTS"
        for kind, size in (("licence", 3000), ("identity", 3100)):
            document = tmp_path / f"{kind}.pdf"
            document.write_bytes(pdf_bytes(size))
            _cli(alice, "cert", "upload", "BJ100001", "--kind", kind, "--file", str(document))
        assert _cli(alice, "cert", "hand-in", "BJ100001", "--position", "总经理")["status"] == "CHECKING"
        submitted = _cli(amy, "cert", "submit", "BJ100001", *(
            arg for field, value in FACTS.items() for arg in (f"--{field}", value)))
        assert submitted["status"] == "AT_AGENCY"

        body = json.dumps({"order": "BJ100001", "result": "pass"}).encode()
        url = f"http://127.0.0.1:{ports['api']}/certifications/agency-callback"
        async with httpx.AsyncClient() as http:
            forged = await http.post(url, content=body, headers=_signed("not-the-secret", body))
            assert forged.status_code == 401, forged.text
            answered = await http.post(url, content=body, headers=_signed(secret, body))
            assert answered.status_code == 200 and answered.json()["status"] == "PASSED", answered.text
        shown = _cli(alice, "order", "show", "BJ100001")
        after = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # the pass may fall past midnight
        assert shown["service_starts_on"] in (today, after), shown
    finally:
        _stop(proc, log)
    for written in (log, *sorted((data / "logs").glob("*"))):  # the stack's and each process's log
        assert secret not in written.read_text(errors="replace"), written
    assert subprocess.run(["pgrep", "-f", str(data)], capture_output=True).stdout == b""
