"""Viewing stored files through short-lived links, within scope; secrets never in errors or --json output."""

from __future__ import annotations

import urllib.request

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
        refused = stack.run("order", "scan-url", "BJ100001", user=user, expect=4)
        assert "may not see order BJ100001" in refused.stderr
    missing = stack.run("order", "scan-url", "BJ100001", "--slip", user="alice", expect=5)
    assert "has no remittance slip (it has: none yet)" in missing.stderr
    stack.run("order", "scan-url", "BJ100001", "--version", "7", user="alice", expect=5)


def test_secrets_stay_out_of_errors_and_json(stack: Stack):
    secret, api_key = "s3-secret-value-123456", "temporal-api-key-987654"
    closed = free_port()
    env = {**stack.env, "ORDERFLOW_S3_SECRET_ACCESS_KEY": secret, "ORDERFLOW_S3_ENDPOINT_URL":
           f"http://127.0.0.1:{closed}", "ORDERFLOW_TEMPORAL_API_KEY": api_key,
           "ORDERFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}", "ORDERFLOW_CLI_WAIT_SECONDS": "3"}
    original = stack.env
    stack.env = env
    try:
        for args in (["order", "receive", "BJ100001"], ["temporal", "init"], ["order", "issue", "BJ100001", "--to",
                                                                            "alice"]):
            done = stack.run("--json", *args, user="amy", expect=1)
            assert secret not in done.stdout + done.stderr and api_key not in done.stdout + done.stderr
            assert "error" in done.stdout
    finally:
        stack.env = original
