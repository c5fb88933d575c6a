"""The README's walkthrough through the real `orderflow` CLI, a real worker process, the dev server,
moto's S3 and SQLite, with each documented exit code."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.fields import business_date
from tests.apiserver import CLI, ApiServer
from tests.e2e.conftest import Stack
from tests.helpers import eventually, free_port, pdf_bytes


async def test_an_order_goes_from_issue_to_effective_through_the_cli(stack: Stack, dev_env: WorkflowEnvironment):
    today = business_date(datetime.now(UTC)).isoformat()
    customer = stack.json("customer", "add", "--name", "美来尔工程技术有限公司", "--phone", "010-62345678",
                          "--fax", "010-62345679", "--address", "北京市海淀区中关村大街1号", "--region", "北京",
                          user="alice")
    issued = stack.json("order", "issue", "BJ100001", "--to", "alice", user="amy")
    assert issued["status"] == "ISSUED" and issued["pending_user"] == "alice"
    assert [r["number"] for r in stack.json("inbox", user="alice")["orders"]] == ["BJ100001"]
    stack.json("order", "sign", "BJ100001", "--customer", str(customer["id"]), "--product", "Yellow pages, 1 year",
               "--kind", "new", "--amount", "12000.00", user="alice")
    stack.json("order", "receive", "BJ100001", user="amy")
    stack.json("order", "review", "BJ100001", "--approve", user="amy")
    scan = stack.tmp / "scan.pdf"
    scan.write_bytes(pdf_bytes(50_000))
    scanned = stack.json("order", "scan", "BJ100001", "--file", str(scan), user="amy")
    assert scanned["scans"][0]["key"] == "orders/BJ/BJ100001/scan-v1.pdf"
    stack.json("order", "review", "BJ100001", "--approve", "--location", "Cabinet 3, shelf 2", user="olga")
    part = stack.json("order", "pay", "BJ100001", "--amount", "5000", "--date", today, user="fay")
    assert part["status"] == "AWAITING_PAYMENT" and part["fields"]["paid_total"] == "5000.00"
    done = stack.json("order", "pay", "BJ100001", "--amount", "7000", "--date", today, user="fay")
    assert done["status"] == "EFFECTIVE" and done["fields"]["effective_on"] == today

    month = today[:7]
    assert stack.json("credits", "--month", month, user="alice") == [{
        "order": "BJ100001", "rep": "alice", "partner": "BJ", "kind": "new", "amount": "12000.00",
        "effective_on": today, "customer": customer["id"]}]
    assert stack.json("credits", user="bob") == []
    shown = stack.run("order", "show", "BJ100001", user="alice").stdout
    assert "EFFECTIVE" in shown and "scan-v1.pdf" in shown and "second_review" in shown
    listed = stack.json("order", "list", "--status", "EFFECTIVE", user="olga")
    assert [(r["number"], r["amount"]) for r in listed] == [("BJ100001", "12000.00")]
    report = stack.json("ops", "report", "--partner", "BJ", "--html", str(stack.tmp / "report.html"), user="olga")
    assert {"status": "EFFECTIVE", "partner": "BJ", "count": 1} in report["counts"]
    assert "Status funnel" in (stack.tmp / "report.html").read_text(encoding="utf-8")
    assert stack.json("ops", "report", "--as-of", "2020-01-01", user="olga")["counts"] == []
    shown = stack.run("ops", "report", "--partner", "BJ", user="olga").stdout
    assert "certifications by status" in shown and "open follow-ups" in shown
    queries = {q["name"]: q["query"] for q in stack.json("ops", "queries", "--partner", "BJ", user="olga")}
    assert queries["waiting for second review"] == 'OrderStatus="SECOND_REVIEW"'
    # The Web UI's list filter finds it by our search attributes.
    found = await eventually(
        lambda: _ids(dev_env, stack, 'OrderNumber="BJ100001" AND OrderStatus="EFFECTIVE" AND ChannelPartner="BJ"'),
        lambda ids: bool(ids))
    assert found == ["order-BJ100001"]
    stack.json("order", "issue", "BJ100002", "--to", "alice", user="amy")
    await _the_invariant_checker_reads_both_kinds_of_workflow(stack)


async def _the_invariant_checker_reads_both_kinds_of_workflow(stack: Stack) -> None:
    """The reliability suite's workflow check answers a closed order from its result and a running one from a
    query; a store that drifted from either is named."""
    from sqlalchemy import update

    from db.engine import make_engine, session_factory, unit_of_work
    from db.models import Order
    from orderflow.temporal import connect
    from tests.invariants import check

    settings = stack.settings()
    sessions = session_factory(make_engine(settings.db_url))
    client = await connect(settings)
    assert await check(sessions, client=client) == []
    with unit_of_work(sessions) as session:
        session.execute(update(Order).where(Order.number == "BJ100001").values(status="AWAITING_PAYMENT"))
        session.execute(update(Order).where(Order.number == "BJ100002").values(status="SIGNED"))
    bad = await check(sessions, client=client)
    assert "order BJ100001: database says AWAITING_PAYMENT, workflow says EFFECTIVE" in bad
    assert "order BJ100002: database says SIGNED, workflow says ISSUED" in bad


async def _ids(env: WorkflowEnvironment, stack: Stack, query: str) -> list[str]:
    client = await Client.connect(env.client.service_client.config.target_host,
                                  namespace=stack.env["ORDERFLOW_TEMPORAL_NAMESPACE"])
    return [wf.id async for wf in client.list_workflows(query)]


def test_the_cli_exit_codes(stack: Stack, tmp_path: Path):
    stack.run("customer", "add", "--name", "华信科技有限公司", "--phone", "010-64000001", "--fax", "010-64000002",
              "--address", "a", "--region", "北京", user="alice")
    # 3: refused by a business rule, and the message says why
    dup = stack.run("customer", "add", "--name", "华信科技(北京)有限公司", "--phone", "010-64000003",
                    "--fax", "010-64000004", "--address", "a", "--region", "北京", user="bob", expect=3)
    # bob may not see alice's warehouse: told of the collision, not of its holder.
    assert "held in another rep's warehouse (outside your scope)" in dup.stderr
    hits = stack.json("customer", "check", "--name", "北京华信科技有限公司", "--phone", "(010)64000001", user="amy")
    assert [(h["customer"], h["match"], h["holder"]) for h in hits] == [(1, "name", "alice (Alice Wang, partner BJ)")]
    # The deck's case 2: a caller's mobile taken as phone and fax is not the company's fixed line.
    mobile = stack.run("customer", "add", "--name", "来电客户有限公司", "--phone", "138 1234 5678", "--fax",
                       "13812345678", "--address", "a", "--region", "北京", user="bob", expect=2)
    assert "phone '138 1234 5678' is a mobile number" in mobile.stderr and "fax '13812345678'" in mobile.stderr
    stack.run("order", "issue", "BJ100002", "--to", "alice", user="amy")
    again = stack.run("order", "issue", "BJ100002", "--to", "alice", user="amy", expect=3)
    assert "already been issued" in again.stderr
    outside = stack.run("order", "issue", "BJ999999", "--to", "alice", user="amy", expect=3)
    assert "not in a number range of your partners" in outside.stderr
    early = stack.run("order", "receive", "BJ100002", user="amy", expect=3)
    assert "is ISSUED; 'receive' needs it to be AWAITING_ORIGINAL" in early.stderr
    # 4: not permitted (the wrong role), or not signed in
    assert "that needs the channel sales role" in stack.run(
        "order", "sign", "BJ100002", "--customer", "1", "--product", "p", "--kind", "new", "--amount", "1",
        user="amy", expect=4).stderr
    entering = stack.run("customer", "add", "--name", "新公司有限公司", "--phone", "010-64000005", "--fax",
                         "010-64000006", "--address", "a", "--region", "r", user="amy", expect=4)
    assert "lacks the 'enter_customer' permission" in entering.stderr
    assert "orderflow login" in stack.run("inbox", expect=4).stderr
    assert stack.api is not None
    forged = subprocess.run([CLI, "inbox"], env={**stack.api.env_for(None), "ORDERFLOW_TOKEN": "forged"},
                            capture_output=True, text=True, timeout=60)
    assert forged.returncode == 4, forged.stderr
    # 5: not found, and an order outside the user's scope (another rep's) answers exactly the same
    assert "no order BJ100999" in stack.run("order", "show", "BJ100999", user="olga", expect=5).stderr
    outside = stack.run("order", "sign", "BJ100002", "--customer", "1", "--product", "p", "--kind", "new",
                        "--amount", "1", user="bob", expect=5)
    assert outside.stderr.strip() == "error: there is no order BJ100002"
    # 2: usage and malformed input
    stack.run("order", "sign", "BJ100002", "--customer", "1", "--product", "p", "--kind", "new",
              "--amount", "-3", user="alice", expect=2)
    stack.run("order", "sign", "BJ100002", "--customer", "1", "--product", "p", "--kind", "lease",
              "--amount", "3", user="alice", expect=2)
    stack.run("order", "pay", "BJ100002", "--amount", "3", "--date", "yesterday", user="fay", expect=2)
    stack.run("order", "issue", "--to", "alice", user="amy", expect=2)
    # a refused scan is refused before upload, and nothing is staged
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"not really a pdf")
    stack.run("order", "sign", "BJ100002", "--customer", "1", "--product", "p", "--kind", "renewal",
              "--amount", "3", user="alice")
    stack.run("order", "receive", "BJ100002", user="amy")
    stack.run("order", "review", "BJ100002", "--approve", user="amy")
    assert "not a PDF" in stack.run("order", "scan", "BJ100002", "--file", str(fake), user="amy", expect=3).stderr
    assert stack.json("order", "show", "BJ100002", user="amy")["status"] == "AWAITING_SCAN"
    # 1: anything else, in one line: an API server whose Temporal is down
    down = ApiServer(dict(stack.env, ORDERFLOW_TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}"), tmp_path)
    try:
        done = subprocess.run([CLI, "order", "receive", "BJ100002"], env=_via(stack, down, "amy"), capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 1 and "Temporal is not reachable" in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        # Showing an order reads the read model, so it still answers while Temporal is down.
        shown = subprocess.run([CLI, "--json", "order", "show", "BJ100002"], env=_via(stack, down, "olga"),
                               capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0 and json.loads(shown.stdout)["status"] == "AWAITING_SCAN"
    finally:
        down.stop()
    idle = ApiServer(dict(stack.env, ORDERFLOW_TASK_QUEUE="nobody-polls-this", ORDERFLOW_CLI_WAIT_SECONDS="2"),
                     tmp_path)
    try:
        done = subprocess.run([CLI, "order", "issue", "BJ100020", "--to", "alice"], env=_via(stack, idle, "amy"),
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and "is a worker running on task queue 'nobody-polls-this'?" in done.stderr
    finally:
        idle.stop()
    err = json.loads(stack.run("--json", "order", "show", "BJ100999", user="olga", expect=5).stdout)
    assert err == {"error": "there is no order BJ100999", "kind": "not_found", "exit_code": 5}


async def test_two_assistants_issuing_one_number_at_once_get_one_order(stack: Stack):
    """They can all pass the database's early check at once; the workflow id decides, and each loser hears why."""
    argv = [CLI, "--json", "order", "issue", "BJ100030", "--to", "alice"]
    assert stack.api is not None
    env = stack.api.env_for("amy")
    racers = [subprocess.Popen(argv, env=env, cwd=stack.tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
              for _ in range(4)]
    outcomes = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in racers]  # type: ignore[union-attr]
    won = [json.loads(out) for code, out, _ in outcomes if code == 0]
    lost = [err for code, _, err in outcomes if code != 0]
    assert len(won) == 1 and won[0]["status"] == "ISSUED" and len(won[0]["timeline"]) == 1
    assert len(lost) == 3 and all("already been issued" in err for err in lost), lost
    assert len(stack.json("order", "show", "BJ100030", user="amy")["timeline"]) == 1


def _via(stack: Stack, server: ApiServer, user: str) -> dict[str, str]:
    """The user's token from the stack's own server, sent to another server over the same database: setting a
    password for a new login there would revoke the tokens the stack holds."""
    assert stack.api is not None
    return {**stack.api.env_for(user), "ORDERFLOW_API_URL": server.url}
