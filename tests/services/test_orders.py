"""The orders service called directly, as the API calls it: a real worker on the dev server, moto's S3 and
SQLite. Scope answers like missing, lists are scoped and paged, files are checked before they are received,
and the Idempotency-Key is the update id."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.orders import OrderActivities
from db.customer_repo import add_customer
from db.engine import create_schema, make_engine, session_factory
from db.models import Order, User
from db.order_repo import list_orders as stored_orders
from db.org_repo import load_actor
from domain.errors import ErrorKind, InvalidInput, NotFound, NotPermitted, Refused
from domain.fields import business_date
from domain.order import Action, OrderStatus
from domain.people import Actor, Role
from orderflow.s3 import ensure_bucket, make_client
from orderflow.settings import Settings
from orderflow.temporal import init_namespace
from services import orders
from services.context import Services, build_services
from tests.helpers import ASSISTANT, entry, pdf_bytes, record, seed_demo
from worker import build_worker

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
async def client(dev_env: WorkflowEnvironment) -> Client:
    """A namespace of this module's own: order numbers are workflow ids, never reused within a namespace."""
    found = await Client.connect(dev_env.client.service_client.config.target_host,
                                 namespace=f"svc-orders-{uuid.uuid4().hex[:10]}",
                                 data_converter=pydantic_data_converter)
    await init_namespace(found, retention_days=1)
    return found


def _settings(tmp_path: Path, s3_endpoint: str) -> Settings:
    return Settings(data_dir=tmp_path, s3_endpoint_url=s3_endpoint, s3_bucket=f"svc-{uuid.uuid4().hex[:10]}",
                    task_queue=f"svc-{uuid.uuid4().hex}", cli_wait_seconds=20,
                    worker_max_concurrent_activities=8)


def _database(settings: Settings) -> Any:
    engine = make_engine(settings.db_url, create_sqlite_dir=True)
    create_schema(engine)
    seed_demo(session_factory(engine))
    return engine


@pytest.fixture
async def services(client: Client, s3_endpoint: str, tmp_path: Path) -> AsyncIterator[Services]:
    settings = _settings(tmp_path, s3_endpoint)
    engine = _database(settings)
    s3 = make_client(settings)
    ensure_bucket(s3, settings.s3_bucket)
    built = build_services(settings, client=client, s3=s3)
    with ThreadPoolExecutor(max_workers=8) as pool:
        async with build_worker(client, settings, built.sessions, s3, pool):
            yield built
    engine.dispose()


def who(services: Services, username: str) -> Actor:
    with services.transaction() as session:
        return load_actor(session, username)


def file_source(path: Path, opened: list[Path] | None = None) -> orders.FileSource:
    """What the API hands the service: the received body as a local file (here, one already on disk)."""

    @asynccontextmanager
    async def receive() -> AsyncIterator[Path]:
        if opened is not None:
            opened.append(path)
        yield path

    return receive


def staged_keys(services: Services) -> list[str]:
    listed = services.s3().list_objects_v2(Bucket=services.settings.s3_bucket, Prefix="staging/")
    return [o["Key"] for o in listed.get("Contents", [])]


async def _to_scan(services: Services, number: str) -> None:
    amy, alice = who(services, "amy"), who(services, "alice")
    await orders.issue(services, amy, "alice", number)
    await orders.sign(services, alice, number, 1, "Yellow pages, 1 year", "new", "12000.00")
    await orders.receive(services, amy, number)
    await orders.review(services, amy, number)


async def test_an_order_goes_from_issue_to_effective(services: Services, tmp_path: Path):
    amy, alice, olga, fay = (who(services, u) for u in ("amy", "alice", "olga", "fay"))
    today = business_date(datetime.now(UTC))
    issued = await orders.issue(services, amy, "alice")  # --next: the lowest free number of amy's partners
    number = issued.number
    assert (number, issued.status, issued.pending_user) == ("BJ100000", OrderStatus.ISSUED, "alice")
    signed = await orders.sign(services, alice, number, 1, "Yellow pages, 1 year", "new", "12000.00")
    assert signed.fields.signed_on == today  # defaulted on the server, in Beijing's calendar
    await orders.receive(services, amy, number, note="by courier")
    returned = await orders.reject(services, amy, number, ["amount_mismatch"], "words say 8,000")
    assert (returned.status, returned.fields.rounds) == (OrderStatus.RETURNED, 1)
    await orders.correct(services, alice, number, "customer confirmed", amount="8000")
    await orders.review(services, amy, number)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_bytes(5000))
    scanned = await orders.scan(services, amy, number, file_source(scan))
    assert [s.key for s in scanned.scans] == [f"orders/BJ/{number}/scan-v1.pdf"]
    # Said for every client of the API, not in one client's flags.
    with pytest.raises(InvalidInput, match="^the second review records where the original is filed: give its "
                                           "location$"):
        await orders.review(services, olga, number)
    with pytest.raises(InvalidInput, match="^a modification changes the amount or the product: give at least one$"):
        await orders.modify(services, olga, number, "typo")
    await orders.modify(services, olga, number, "typo", product="Yellow pages, renewal")
    await orders.review(services, olga, number, location="Cabinet 3")
    with pytest.raises(InvalidInput, match="payment date 'yesterday' is not a date"):
        await orders.pay(services, fay, number, "8000", "yesterday")
    done = await orders.pay(services, fay, number, "8000", today.isoformat())
    assert (done.status, done.fields.effective_on) == (OrderStatus.EFFECTIVE, today)
    assert orders.show_order(services, alice, number) == done


async def test_a_scan_s_activity_summary_spells_out_what_its_file_name_hides(services: Services, tmp_path: Path):
    """The Web UI shows an activity's summary as plain text: a line separator (which the workflow's own check lets
    through, as it did before #20) is written as its escape there. The API refuses such a name at the door."""
    await _to_scan(services, "BJ100105")
    scan = tmp_path / "scan\u2028verified by finance.pdf"
    scan.write_bytes(pdf_bytes(3000))
    await orders.scan(services, who(services, "amy"), "BJ100105", file_source(scan))
    client = await services.temporal()
    summaries = []
    async for event in client.get_workflow_handle("order-BJ100105").fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes") and event.user_metadata.HasField("summary"):
            summaries.extend(await client.data_converter.decode([event.user_metadata.summary], [str]))
    assert "verify and file scan scan\\u2028verified by finance.pdf" in summaries, summaries


async def test_out_of_scope_answers_exactly_like_missing(services: Services, tmp_path: Path):
    await _to_scan(services, "BJ100101")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_bytes(3000))
    await orders.scan(services, who(services, "amy"), "BJ100101", file_source(scan))

    def refusal(read: Any, username: str, number: str) -> str:
        with pytest.raises(NotFound) as caught:
            read(services, who(services, username), number)
        return caught.value.message

    assert refusal(orders.show_order, "olga", "BJ100199") == "there is no order BJ100199"
    # Another partner's rep and assistant, and another rep of the same partner: as if it did not exist.
    for outsider in ("carol", "sue", "bob"):
        for read in (orders.show_order, orders.file_link):
            assert refusal(read, outsider, "BJ100101") == "there is no order BJ100101"
            assert refusal(read, outsider, "BJ100199") == "there is no order BJ100199"
    # A step on it too, before any rule about the step could say the order exists.
    sue = who(services, "sue")
    with pytest.raises(NotFound, match="^there is no order BJ100101$"):
        await orders.review(services, sue, "BJ100101", location="x")
    with pytest.raises(NotFound, match="^there is no order BJ100199$"):
        await orders.review(services, sue, "BJ100199", location="x")
    assert orders.show_order(services, who(services, "olga"), "BJ100101").status is OrderStatus.SECOND_REVIEW
    # In scope: the link, and a missing version said as such.
    link = orders.file_link(services, who(services, "alice"), "BJ100101")
    assert (link["version"], link["key"], link["expires_in_seconds"]) == (1, "orders/BJ/BJ100101/scan-v1.pdf", 300)
    assert link["url"].startswith(services.settings.s3_endpoint_url)
    with pytest.raises(NotFound, match=r"has no remittance slip \(it has: none yet\)"):
        orders.file_link(services, who(services, "amy"), "BJ100101", slip=True)
    with pytest.raises(NotFound, match=r"has no scan v7 \(it has: v1\)"):
        orders.file_link(services, who(services, "amy"), "BJ100101", version=7)
    # Signing for a customer held outside the signer's scope names neither the company nor its holder.
    bob = who(services, "bob")
    await orders.issue(services, who(services, "amy"), "bob", "BJ100102")
    with pytest.raises(Refused) as caught:
        await orders.sign(services, bob, "BJ100102", 1, "p", "new", "100")
    assert "held in another rep's warehouse (outside your scope)" in caught.value.message
    assert "alice" not in caught.value.message and "美来尔" not in caught.value.message
    with pytest.raises(NotFound, match="^there is no customer 99$"):
        await orders.sign(services, bob, "BJ100102", 99, "p", "new", "100")
    # A role without the permission to see orders is told so, whatever the number.
    with pytest.raises(NotPermitted, match="lacks the 'see_orders' permission"):
        orders.show_order(services, who(services, "gao"), "BJ100101")


async def test_lists_are_scoped_filtered_and_paged(services: Services):
    amy, sue = who(services, "amy"), who(services, "sue")
    for number, rep in (("BJ100201", "alice"), ("BJ100202", "bob"), ("BJ100203", "alice")):
        await orders.issue(services, amy, rep, number)
    await orders.issue(services, sue, "carol", "SH200201")

    def numbers(username: str, **filters: Any) -> list[str]:
        return [r["number"] for r in orders.list_orders(services, who(services, username), **filters)]

    assert numbers("alice") == ["BJ100203", "BJ100201"]  # a rep: their own, newest first
    assert numbers("bob") == ["BJ100202"]
    assert numbers("amy") == ["BJ100203", "BJ100202", "BJ100201"]  # an assistant: their partners
    assert numbers("carol") == numbers("sue") == ["SH200201"]
    assert numbers("olga") == ["SH200201", "BJ100203", "BJ100202", "BJ100201"]  # the order group: all
    assert numbers("olga", limit=2) == ["SH200201", "BJ100203"]
    assert numbers("olga", limit=2, offset=2) == ["BJ100202", "BJ100201"]
    assert numbers("olga", limit=2, offset=4) == []
    assert numbers("amy", status="issued", pending_role=None) == ["BJ100203", "BJ100202", "BJ100201"]
    assert numbers("amy", status="EFFECTIVE") == []
    row = orders.list_orders(services, who(services, "bob"))[0]
    assert row == {"number": "BJ100202", "partner": "BJ", "rep": "bob", "status": "ISSUED", "pending": "bob",
                   "customer": None, "amount": None, "updated_at": row["updated_at"], "due_at": row["due_at"]}
    datetime.fromisoformat(row["updated_at"])
    assert datetime.fromisoformat(row["due_at"]) > datetime.fromisoformat(row["updated_at"])  # an issued form waits
    with pytest.raises(InvalidInput, match="status 'done' is not one of: ISSUED"):
        orders.list_orders(services, who(services, "olga"), status="done")
    with pytest.raises(NotPermitted, match="lacks the 'see_orders' permission"):
        orders.list_orders(services, who(services, "gao"))
    # Orders updated at the same moment keep one order, by number, so pages neither repeat nor skip one; and
    # the page is cut in the query, not after fetching everything before it.
    await orders.issue(services, amy, "alice", "BJ100200")
    with services.transaction() as session:
        for order in session.scalars(select(Order).where(Order.partner_code == "BJ")):
            order.updated_at = datetime(2026, 1, 1, tzinfo=UTC)
    assert numbers("amy") == ["BJ100200", "BJ100201", "BJ100202", "BJ100203"]
    assert numbers("amy", limit=2, offset=1) == ["BJ100201", "BJ100202"]
    with services.transaction() as session:
        assert [o.number for o in stored_orders(session, partners={"BJ"}, limit=1, offset=3)] == ["BJ100203"]


async def test_a_scan_is_refused_before_its_file_is_received_or_staged(services: Services, tmp_path: Path):
    amy = who(services, "amy")
    await orders.issue(services, amy, "alice", "BJ100301")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_bytes(3000))
    opened: list[Path] = []
    with pytest.raises(Refused, match="is ISSUED; 'rescan' needs it"):
        await orders.scan(services, amy, "BJ100301", file_source(scan, opened))
    with pytest.raises(NotFound, match="^there is no order BJ100301$"):
        await orders.scan(services, who(services, "sue"), "BJ100301", file_source(scan, opened))
    assert opened == []  # refused before a byte of the body was read
    await orders.sign(services, who(services, "alice"), "BJ100301", 1, "p", "renewal", "3")
    await orders.receive(services, amy, "BJ100301")
    await orders.review(services, amy, "BJ100301")
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"not really a pdf")
    with pytest.raises(Refused, match="not a PDF"):
        await orders.scan(services, amy, "BJ100301", file_source(fake))
    assert staged_keys(services) == []
    assert orders.show_order(services, amy, "BJ100301").status is OrderStatus.AWAITING_SCAN


async def test_a_step_retried_under_its_key_is_applied_once(services: Services, tmp_path: Path):
    amy, alice = who(services, "amy"), who(services, "alice")
    await orders.issue(services, amy, "alice", "BJ100401")
    await orders.sign(services, alice, "BJ100401", 1, "p", "new", "100")
    first = await orders.receive(services, amy, "BJ100401", key="receive-BJ100401")
    again = await orders.receive(services, amy, "BJ100401", key="receive-BJ100401")
    assert again.timeline == first.timeline and first.status is OrderStatus.FIRST_REVIEW
    # A new key is a new request: refused, as the workflow's validator would refuse it.
    with pytest.raises(Refused) as caught:
        await orders.receive(services, amy, "BJ100401", key="receive-BJ100401-b")
    assert caught.value.kind is ErrorKind.REFUSED
    assert "is FIRST_REVIEW; 'receive' needs it to be AWAITING_ORIGINAL" in caught.value.message
    # Steps whose own checks the first attempt's success would fail answer the retry as the first attempt too:
    # the review, the scan (without receiving the file again) and the reissue.
    first = await orders.review(services, amy, "BJ100401", key="review-BJ100401")
    assert first.status is OrderStatus.AWAITING_SCAN
    assert await orders.review(services, amy, "BJ100401", key="review-BJ100401") == first
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_bytes(3000))
    opened: list[Path] = []
    first = await orders.scan(services, amy, "BJ100401", file_source(scan, opened), key="scan-BJ100401")
    assert await orders.scan(services, amy, "BJ100401", file_source(scan, opened), key="scan-BJ100401") == first
    assert opened == [scan] and staged_keys(services) == []  # the retry received and staged nothing
    await orders.issue(services, amy, "alice", "BJ100402")
    await orders.sign(services, alice, "BJ100402", 1, "p", "new", "100")
    await orders.report_lost(services, alice, "BJ100402", "lost in the post")
    first = await orders.reissue(services, amy, "BJ100402", "BJ100403", key="reissue-BJ100402")
    assert first.status is OrderStatus.REISSUED
    assert await orders.reissue(services, amy, "BJ100402", "BJ100403", key="reissue-BJ100402") == first
    # A step refused by the workflow's validator leaves no update behind: its retry is checked afresh.
    with pytest.raises(Refused, match="is REISSUED"):
        await orders.receive(services, amy, "BJ100402", key="reissue-BJ100402-b")


@dataclass
class Recorded:
    """A stand-in Temporal client: it records each update the desk sends, with its id."""

    updates: list[tuple[str, str, str | None]] = field(default_factory=list)

    def get_workflow_handle_for(self, _run: Any, workflow_id: str) -> Any:
        recorder = self

        class Handle:
            id = workflow_id

            async def execute_update(self, update: Any, inp: Any, id: str | None = None) -> Any:  # noqa: A002
                recorder.updates.append((workflow_id, update.__name__, id))
                return {"answered": update.__name__}

            def get_update_handle(self, update_id: str, result_type: Any = None) -> Any:
                sent = [name for wid, name, uid in recorder.updates if (wid, uid) == (workflow_id, update_id)]

                class Update:
                    async def result(self) -> Any:
                        if not sent:
                            raise RPCError(f'update "{update_id}" not found', RPCStatusCode.NOT_FOUND, b"")
                        return {"answered": sent[0]}

                return Update()

        return Handle()


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[tuple[Services, Recorded]]:
    settings = _settings(tmp_path, "http://127.0.0.1:9")
    engine = _database(settings)
    recorded = Recorded()
    built = build_services(settings, client=recorded, s3=object())  # type: ignore[arg-type]
    ActivityEnvironment().run(OrderActivities(built.sessions).record_step,
                              record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    yield built, recorded
    engine.dispose()


async def test_the_idempotency_key_is_sent_as_the_update_id(standin: tuple[Services, Recorded]):
    services, recorded = standin
    alice = who(services, "alice")
    await orders.sign(services, alice, "BJ100001", 1, "p", "new", "100", key="req-1")
    await orders.report_lost(services, alice, "BJ100001", "lost", key="req-2")
    await orders.sign(services, alice, "BJ100001", 1, "p", "new", "100")
    assert recorded.updates == [("order-BJ100001", "sign", "req-1"), ("order-BJ100001", "report_lost", "req-2"),
                                ("order-BJ100001", "sign", None)]
    # A known key is answered from Temporal's record of its update, and nothing is sent again.
    assert await orders.sign(services, alice, "BJ100001", 1, "p", "new", "100", key="req-1") == {"answered": "sign"}
    assert len(recorded.updates) == 3
    # The scope is checked first, key or no key: nothing is sent for an order outside it.
    with pytest.raises(NotFound, match="^there is no order BJ100001$"):
        await orders.receive(services, who(services, "sue"), "BJ100001", key="req-3")
    assert len(recorded.updates) == 3
    # Without a key, a step the order is not waiting for is refused here, before anything is sent.
    with pytest.raises(Refused, match="'receive' needs it to be AWAITING_ORIGINAL"):
        await orders.receive(services, who(services, "amy"), "BJ100001")
    assert len(recorded.updates) == 3


async def test_a_retry_of_a_step_taken_before_the_text_rules_gets_its_recorded_answer(
        standin: tuple[Services, Recorded]):
    """A note the rules of #20 refuse (a line separator, a Hangul filler) was accepted before them: the retry of
    that step, under its key, answers as the step did, and only a new request is checked by today's rules."""
    services, recorded = standin
    alice, amy = who(services, "alice"), who(services, "amy")
    old = [("report_lost", "lost\u2028in the post"), ("resend_original", "sent\u3164again"),
           ("correct", "fixed\u2029"), ("reject", "stamp\u3164missing"), ("receive", "came\u2028in")]
    for update, _ in old:
        recorded.updates.append(("order-BJ100001", update, f"before-{update}"))  # taken before the rules
    sent = len(recorded.updates)
    steps: dict[str, Callable[[str, str], Awaitable[Any]]] = {
        "report_lost": lambda note, key: orders.report_lost(services, alice, "BJ100001", note, key=key),
        "resend_original": lambda note, key: orders.resend(services, alice, "BJ100001", note, key=key),
        "correct": lambda note, key: orders.correct(services, alice, "BJ100001", note, key=key),
        "reject": lambda note, key: orders.reject(services, amy, "BJ100001", ["missing_stamp"], note, key=key),
        "receive": lambda note, key: orders.receive(services, amy, "BJ100001", note, key=key),
    }
    for update, note in old:
        assert await steps[update](note, f"before-{update}") == {"answered": update}, update
    with pytest.raises(InvalidInput, match=r"^note contains U\+2028 LINE SEPARATOR"):
        await orders.report_lost(services, alice, "BJ100001", "lost\u2028in the post", key="a-new-one")
    assert len(recorded.updates) == sent  # nothing was sent again, nor the refused new request


async def test_the_role_is_checked_before_the_order_is_looked_up(services: Services, tmp_path: Path):
    """The approval group's scope is everything but it takes no step: an order that exists and one that does
    not get the same refusal, word for word; and a role that may not issue cannot map the number ranges."""
    amy, gao = who(services, "amy"), who(services, "gao")
    await orders.issue(services, amy, "alice", "BJ100501")
    opened: list[Path] = []
    today = business_date(datetime.now(UTC)).isoformat()
    steps: dict[str, Callable[[str], Awaitable[Any]]] = {
        "sign": lambda n: orders.sign(services, gao, n, 1, "p", "new", "1"),
        "receive": lambda n: orders.receive(services, gao, n),
        "review": lambda n: orders.review(services, gao, n, location="x"),
        "reject": lambda n: orders.reject(services, gao, n, ["missing_stamp"], "x"),
        "scan": lambda n: orders.scan(services, gao, n, file_source(tmp_path / "s.pdf", opened)),
        "pay": lambda n: orders.pay(services, gao, n, "1", today),
        "correct": lambda n: orders.correct(services, gao, n, "x", amount="1"),
        "resend": lambda n: orders.resend(services, gao, n, "x"),
        "modify": lambda n: orders.modify(services, gao, n, "x", amount="1"),
        "escalation": lambda n: orders.decide_escalation(services, gao, n, False, "x"),
        "lost": lambda n: orders.report_lost(services, gao, n, "x"),
        "reissue": lambda n: orders.reissue(services, gao, n, "BJ100599"),
    }
    for name, step in steps.items():
        said = []
        for number in ("BJ100501", "BJ100598"):
            with pytest.raises(NotPermitted) as caught:
                await step(number)
            said.append(caught.value.message.replace(number, "N"))
        assert said[0] == said[1] and "may not" in said[0], (name, said)
    assert opened == []
    for number in ("BJ100502", "BJ999999", "SH200001"):
        with pytest.raises(NotPermitted, match=f"^gao .*may not issue order {number}: that needs the"):
            await orders.issue(services, gao, "alice", number)
    with pytest.raises(NotPermitted, match="may not issue the next order number"):
        await orders.issue(services, gao, "alice")
    assert orders.show_order(services, amy, "BJ100501").status is OrderStatus.ISSUED


async def test_every_rep_a_form_cannot_go_to_gets_the_same_answer(services: Services):
    """Missing, deactivated, not a sales rep, another partner's: an assistant cannot list other staff by name."""
    amy = who(services, "amy")
    with services.transaction() as session:
        session.get(User, "bob").active = False  # type: ignore[union-attr]
    for number in ("BJ100701", None):
        said = {}
        for rep in ("zed", "bob", "fay", "sam", "carol"):
            with pytest.raises(Refused) as caught:
                await orders.issue(services, amy, rep, number)
            said[rep] = caught.value.message
        shown = number or "BJ100000"
        assert said == {rep: f"order {shown} can only go to an active sales rep of partner BJ; '{rep}' is not one"
                        for rep in said}
    assert orders.list_orders(services, who(services, "olga")) == []


async def test_signing_for_a_customer_of_another_partner_answers_like_a_missing_one(services: Services):
    with services.transaction() as session:
        theirs = add_customer(session, entry("浦江贸易有限公司", "021-66660007", "021-66660008", region="上海"),
                              owner="carol", role=Role.SALES, partner="SH", at=datetime.now(UTC)).id
    await orders.issue(services, who(services, "amy"), "alice", "BJ100801")
    alice = who(services, "alice")
    for customer in (theirs, 999999):
        with pytest.raises(NotFound, match=f"^there is no customer {customer}$"):
            await orders.sign(services, alice, "BJ100801", customer, "p", "new", "100")
    assert orders.show_order(services, alice, "BJ100801").status is OrderStatus.ISSUED


def _off_the_loop(sessions: Any) -> Any:
    """A session factory that fails when a session is opened on the event loop's thread."""

    def opened(**kwargs: Any) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return sessions(**kwargs)
        raise AssertionError("a database session was opened on the event loop")

    return opened


async def test_the_database_is_never_used_on_the_event_loop(services: Services, tmp_path: Path):
    """The API's async routes await these: a blocking query on the loop would stall every other request."""
    guarded = dataclasses.replace(services, sessions=_off_the_loop(services.sessions))
    amy, alice, olga, fay = (who(services, u) for u in ("amy", "alice", "olga", "fay"))
    with pytest.raises(Refused, match="'zed' is not one"):
        await orders.issue(guarded, amy, "zed")  # the next free number: looked up, then the rep refused
    number = (await orders.issue(guarded, amy, "alice", "BJ100901")).number
    await orders.issue(guarded, amy, "alice", "BJ100902")
    await orders.sign(guarded, alice, number, 1, "p", "new", "100")
    await orders.receive(guarded, amy, number, key="k1")
    await orders.reject(guarded, amy, number, ["amount_mismatch"], "x")
    await orders.correct(guarded, alice, number, "fixed", amount="90")
    await orders.review(guarded, amy, number, key="k2")
    await orders.review(guarded, amy, number, key="k2")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_bytes(3000))
    await orders.scan(guarded, amy, number, file_source(scan))
    await orders.modify(guarded, olga, number, "typo", product="q")
    await orders.review(guarded, olga, number, location="Cabinet 1")
    assert (await orders.pay(guarded, fay, number, "90", business_date(datetime.now(UTC)).isoformat())
            ).status is OrderStatus.EFFECTIVE
    await orders.sign(guarded, alice, "BJ100902", 1, "p", "new", "100")
    await orders.report_lost(guarded, alice, "BJ100902", "lost")
    await orders.reissue(guarded, amy, "BJ100902", "BJ100903")


async def test_an_expired_order_keeps_late_money_and_is_revived_on_the_money_s_date(services: Services,
                                                                                    tmp_path: Path):
    """Money is never refused: kept on the expired order, and the revival makes it effective on its arrival."""
    from datetime import timedelta

    from domain.timers import Policy
    from tests.helpers import eventually

    amy, alice, olga, fay = (who(services, u) for u in ("amy", "alice", "olga", "fay"))
    services.settings.policy = Policy(payment_reminder=timedelta(seconds=1), payment_expiry=timedelta(seconds=2))
    number = "BJ100388"
    await _to_scan(services, number)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_bytes(5000))
    await orders.scan(services, amy, number, file_source(scan))
    await orders.review(services, olga, number, location="Cabinet 3")
    await eventually(lambda: asyncio.to_thread(orders.show_order, services, fay, number),
                     lambda v: v.status is OrderStatus.EXPIRED)
    today = business_date(datetime.now(UTC))
    kept = await orders.pay(services, fay, number, "12000", today.isoformat())
    assert (kept.status, kept.fields.paid_total, kept.fields.effective_on) == (OrderStatus.EXPIRED, 12000, None)
    with pytest.raises(NotPermitted, match="needs the finance or order group role"):
        await orders.revive(services, alice, number, "paid late")
    revived = await orders.revive(services, olga, number, "the customer paid after the deadline")
    assert (revived.status, revived.fields.effective_on) == (OrderStatus.EFFECTIVE, today)
    assert revived.timeline[-1].action is Action.REVIVE
    assert "paid after the deadline" in (revived.timeline[-1].note or "")
    assert orders.show_order(services, alice, number) == revived


async def test_a_late_original_revives_its_order_and_voids_an_unsigned_reissue_only(services: Services):
    """One sale never has two live orders: an unsigned reissue is voided pointing to the original; a signed one
    keeps the sale, and the late original is refused."""
    amy, alice = who(services, "amy"), who(services, "alice")
    for number in ("BJ100601", "BJ100611"):
        await orders.issue(services, amy, "alice", number)
        await orders.sign(services, alice, number, 1, "Yellow pages, 1 year", "new", "12000.00")
        await orders.report_lost(services, alice, number, "the courier lost it")
        await orders.reissue(services, amy, number, f"BJ1006{int(number[-2:]) + 1:02d}")
    with pytest.raises(NotPermitted, match="needs the channel assistant role"):
        await orders.receive_late(services, alice, "BJ100601", "found")
    found = await orders.receive_late(services, amy, "BJ100601", "the courier found it", key="late-1")
    assert (found.status, found.fields.successor) == (OrderStatus.FIRST_REVIEW, None)
    assert found.timeline[-1].action is Action.RECEIVE_LATE
    assert await orders.receive_late(services, amy, "BJ100601", "the courier found it", key="late-1") == found
    withdrawn = orders.show_order(services, amy, "BJ100602")
    assert withdrawn.status is OrderStatus.VOID and "original of BJ100601" in (withdrawn.timeline[-1].note or "")

    await orders.sign(services, alice, "BJ100612", 1, "Yellow pages, 1 year", "new", "12000.00")
    with pytest.raises(Refused, match="^order BJ100611 was reissued as BJ100612, which is already AWAITING_ORIGINAL"):
        await orders.receive_late(services, amy, "BJ100611", "found")
    assert orders.show_order(services, amy, "BJ100611").status is OrderStatus.REISSUED


async def test_the_supervisor_decides_a_returned_order_only_once_escalated(services: Services):
    amy, alice, sam = who(services, "amy"), who(services, "alice"), who(services, "sam")
    await orders.issue(services, amy, "alice", "BJ100621")
    await orders.sign(services, alice, "BJ100621", 1, "Yellow pages, 1 year", "new", "12000.00")
    await orders.receive(services, amy, "BJ100621")
    await orders.reject(services, amy, "BJ100621", ["amount_mismatch"], "words say 8,000")
    from temporalio.client import WorkflowUpdateFailedError

    from services.failures import as_domain_error

    with pytest.raises(WorkflowUpdateFailedError) as refused:  # the workflow knows whether it was escalated
        await orders.decide_escalation(services, sam, "BJ100621", False, "give up")
    said = as_domain_error(services.settings, refused.value)
    assert said is not None and said.kind is ErrorKind.REFUSED
    assert str(said).startswith("order BJ100621 is waiting for its rep's correction and was not escalated")
    assert orders.show_order(services, sam, "BJ100621").status is OrderStatus.RETURNED


async def test_a_blank_form_reported_lost_is_restored_by_the_supervisor(services: Services):
    amy, alice, sam = who(services, "amy"), who(services, "alice"), who(services, "sam")
    await orders.issue(services, amy, "alice", "BJ100631")
    await orders.report_lost(services, alice, "BJ100631", "left it in a taxi")
    with pytest.raises(NotPermitted, match="needs the sales supervisor role"):
        await orders.restore(services, alice, "BJ100631", "found it")
    back = await orders.restore(services, sam, "BJ100631", "the taxi company returned it", key="restore-1")
    assert (back.status, back.pending_user) == (OrderStatus.ISSUED, "alice")
    assert back.timeline[-1].action is Action.RESTORE and "taxi company" in (back.timeline[-1].note or "")
    assert await orders.restore(services, sam, "BJ100631", "the taxi company returned it", key="restore-1") == back
    await orders.sign(services, alice, "BJ100631", 1, "Yellow pages, 1 year", "new", "12000.00")
    with pytest.raises(Refused, match="'restore' needs it to be VOID"):
        await orders.restore(services, sam, "BJ100631", "again")


async def test_a_leaver_s_orders_are_reassigned_with_their_customer(services: Services):
    """Issue #16 item 3: closing alice's account lists her open orders; the partner account moves them to bob, the
    signed order's customer with it (from the partner's own warehouse, an ownership record), and every rep step
    and a reissue are then bob's."""
    from db.models import Customer, Ownership
    from services import accounts

    amy, alice, bob = who(services, "amy"), who(services, "alice"), who(services, "bob")
    mike, mary, bjpartner = who(services, "mike"), who(services, "mary"), who(services, "bjpartner")
    await orders.issue(services, amy, "alice", "BJ100641")
    await orders.sign(services, alice, "BJ100641", 1, "Yellow pages, 1 year", "new", "12000.00")
    await orders.issue(services, amy, "alice", "BJ100642")
    closed = accounts.close_account(services, mike, "alice", "left the company")
    assert closed["open_orders"] == ["BJ100641", "BJ100642"] and closed["customers_to_partner"] == 1
    with pytest.raises(NotPermitted, match="needs the channel manager or channel partner role"):
        await orders.reassign(services, amy, "BJ100641", "bob", "alice left")
    with pytest.raises(NotFound, match="^there is no order BJ100641$"):  # SH's manager: out of scope
        await orders.reassign(services, mary, "BJ100641", "bob", "alice left")
    with pytest.raises(InvalidInput, match="^to must be a username"):
        await orders.reassign(services, bjpartner, "BJ100641", "Bob!", "alice left")
    for nobody in ("carol", "nobody", "sam"):  # another partner's rep, a missing user, not a rep: one answer
        with pytest.raises(Refused, match=f"can only go to an active sales rep of partner BJ; '{nobody}' is not one"):
            await orders.reassign(services, bjpartner, "BJ100641", nobody, "alice left")
    moved = await orders.reassign(services, bjpartner, "BJ100641", "bob", "alice left", key="reassign-1")
    assert (moved.rep, moved.status, moved.supervisor) == ("bob", OrderStatus.AWAITING_ORIGINAL, "sam")
    assert moved.timeline[-1].action is Action.REASSIGN
    assert moved.timeline[-1].note == "reassigned from alice to bob: alice left"
    assert await orders.reassign(services, bjpartner, "BJ100641", "bob", "alice left", key="reassign-1") == moved
    blank = await orders.reassign(services, mike, "BJ100642", "bob", "alice left")
    assert (blank.rep, blank.pending_user) == ("bob", "bob")
    with services.transaction() as session:
        assert session.get(Order, "BJ100641").rep == "bob"  # type: ignore[union-attr]
        customer = session.get(Customer, 1)
        assert customer is not None and customer.owner == "bob"
        last = session.scalars(select(Ownership).where(Ownership.customer_id == 1)
                               .order_by(Ownership.id.desc())).first()
        assert last is not None
        assert (last.previous_owner, last.new_owner, last.actor) == ("bjpartner", "bob", "bjpartner")
        assert last.reason == "order BJ100641 reassigned from alice: alice left"
    assert sorted(o["number"] for o in orders.list_orders(services, bob)) == ["BJ100641", "BJ100642"]
    lost = await orders.report_lost(services, bob, "BJ100641", "the courier lost it")
    assert lost.status is OrderStatus.LOST
    reissued = await orders.reissue(services, amy, "BJ100641", "BJ100643")
    assert reissued.fields.successor == "BJ100643"
    assert orders.show_order(services, bob, "BJ100643").rep == "bob"
    with pytest.raises(Refused, match="'reassign' needs it to be"):
        await orders.reassign(services, bjpartner, "BJ100641", "alice", "back")
