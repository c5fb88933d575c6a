"""Viewing stored files through short-lived links, within scope; secrets never in errors or --json output."""

from __future__ import annotations

import subprocess
import urllib.request

from tests.apiserver import CLI, ApiServer
from tests.e2e.conftest import Stack
from tests.e2e.test_cli_payments import _awaiting_payment, _customer
from tests.helpers import free_port


def test_scan_links_open_the_file_for_people_in_scope_only(stack: Stack):
    customer = _customer(stack, "美来尔工程技术有限公司", "010-62345678")
    _awaiting_payment(stack, "BJ100001", customer, "12000.00")
    for user in ("alice", "olga", "fay", "amy"):
        link = stack.json("order", "scan-url", "BJ100001", user=user)
        assert (link["version"], link["expires_in_seconds"]) == (1, 300)
        with urllib.request.urlopen(link["url"], timeout=10) as response:
            assert response.read() == (stack.tmp / "BJ100001.pdf").read_bytes()
    # The test bucket has no object lock: said plainly rather than pretended.
    assert link["legal_hold"].startswith("unavailable: bucket") and "no object lock" in link["legal_hold"]
    for user in ("bob", "carol", "sue"):  # another rep of the partner, another partner's rep and assistant
        # Answered as if the order did not exist: a guessed number tells nothing.
        for number in ("BJ100001", "BJ100999"):
            refused = stack.run("order", "scan-url", number, user=user, expect=5)
            assert refused.stderr.strip() == f"error: there is no order {number}"
    missing = stack.run("order", "scan-url", "BJ100001", "--slip", user="alice", expect=5)
    assert "has no remittance slip (it has: none yet)" in missing.stderr
    stack.run("order", "scan-url", "BJ100001", "--version", "7", user="alice", expect=5)


def test_secrets_stay_out_of_errors_and_json(stack: Stack):
    """An API server whose S3 and Temporal are unreachable, holding their secrets: its answers, the CLI's output
    and its own log name neither; nor does a server-host command run with them."""
    stack.run("order", "issue", "BJ100001", "--to", "alice", user="amy")
    secret, api_key = "s3-secret-value-123456", "temporal-api-key-987654"
    env = {**stack.env, "ORDERFLOW_S3_SECRET_ACCESS_KEY": secret, "ORDERFLOW_S3_ENDPOINT_URL":
           f"http://127.0.0.1:{free_port()}", "ORDERFLOW_TEMPORAL_API_KEY": api_key,
           "ORDERFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}", "ORDERFLOW_CLI_WAIT_SECONDS": "3"}
    broken = ApiServer(env, stack.tmp)
    try:
        for args in (["order", "receive", "BJ100001"], ["order", "issue", "BJ100002", "--to", "alice"]):
            done = subprocess.run([CLI, "--json", *args], env=_via(stack, broken, "amy"), capture_output=True,
                                  text=True, timeout=60)
            assert done.returncode == 1, done.stderr
            assert secret not in done.stdout + done.stderr and api_key not in done.stdout + done.stderr
            assert "error" in done.stdout
    finally:
        broken.stop()
    log = broken.log_path.read_text()
    assert secret not in log and api_key not in log
    done = subprocess.run([CLI, "--json", "temporal", "init"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and secret not in done.stdout + done.stderr and api_key not in done.stdout + done.stderr


def _via(stack: Stack, server: ApiServer, user: str) -> dict[str, str]:
    """The user's token from the stack's own server, sent to another server over the same database: setting a
    password for a new login there would revoke the tokens the stack holds."""
    assert stack.api is not None
    return {**stack.api.env_for(user), "ORDERFLOW_API_URL": server.url}
