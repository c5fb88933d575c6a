"""The payments services called directly, on a real database with a stand-in Temporal client and S3:
statements stored whole or not at all, bad lines named by number, matching by hand and undoing it under the
line's own update ids, slips refused before their file is received, and every line, order and slip outside
the caller's scope answering exactly as a missing one."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.customer_repo import add_customer
from db.engine import unit_of_work
from db.models import LineEvent, Order, StatementLine
from db.payment_repo import claim_line
from domain.errors import InvalidInput, NotFound, NotPermitted, Refused, TooLarge
from domain.people import Actor, Role
from orderflow.contracts import OrderView, PayInput, SlipInput, UnmatchInput
from orderflow.read_view import order_view
from orderflow.settings import Settings
from services import payment_views, payments
from services.context import Services
from tests.dates import today
from tests.helpers import entry

HEADER = "value date,amount,payer name,payer account,bank reference,memo\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2000 + b"\xff\xd9"
# A user of SH's assistant desk with the payments grant (可增设范围内权限): payments, but only SH's.
SH_PAYMENTS = Actor("sue", Role.ASSISTANT, partners=frozenset({"SH"}), grants=frozenset({"payments"}))


@dataclass
class Handle:
    id: str
    client: StandInClient

    async def execute_update(self, update: Any, inp: Any, id: str | None = None) -> OrderView:
        self.client.sent.append((self.id.removeprefix("order-"), update.__name__, inp, id))
        if self.client.refuse is not None:
            raise self.client.refuse
        with unit_of_work(self.client.sessions) as session:
            return order_view(session, self.id.removeprefix("order-"))


@dataclass
class StandInClient:
    """Records each update instead of running a workflow, and answers with the order as the read model has it."""

    sessions: sessionmaker[Session]
    sent: list[tuple[str, str, Any, str | None]] = field(default_factory=list)
    refuse: Exception | None = None

    def get_workflow_handle_for(self, _run: Any, workflow_id: str) -> Handle:
        return Handle(workflow_id, self)


@dataclass
class StandInS3:
    objects: dict[str, bytes] = field(default_factory=dict)
    uploaded: dict[str, bytes] = field(default_factory=dict)  # every upload, whether deleted since or not

    def upload_file(self, path: str, _bucket: str, key: str, ExtraArgs: Any = None) -> None:  # noqa: N803
        self.objects[key] = self.uploaded[key] = Path(path).read_bytes()

    def delete_object(self, Bucket: str, Key: str) -> None:  # noqa: N803
        self.objects.pop(Key, None)

    def generate_presigned_url(self, _op: str, Params: dict[str, str], ExpiresIn: int) -> str:  # noqa: N803
        return f"https://s3.test/{Params['Key']}?expires={ExpiresIn}"


@pytest.fixture
def temporal(sessions: sessionmaker[Session]) -> StandInClient:
    return StandInClient(sessions)


@pytest.fixture
def s3() -> StandInS3:
    return StandInS3()


@pytest.fixture
def services(sessions: sessionmaker[Session], tmp_path: Path, temporal: StandInClient, s3: StandInS3) -> Services:
    return Services(Settings(data_dir=tmp_path), sessions, temporal, s3)  # type: ignore[arg-type]


@pytest.fixture
def orders(sessions: sessionmaker[Session]) -> None:
    """Two orders waiting for payment: BJ100001 (alice's customer, 12000) and SH200001 (carol's, 5000)."""
    now = datetime.now(UTC)
    with unit_of_work(sessions) as session:
        carols = add_customer(session, entry("东方红机械有限公司", phone="021-65000001", fax="021-65000009",
                                             region="上海"), owner="carol", role=Role.SALES, partner="SH", at=now)
        for number, partner, rep, customer, name, amount in [
                ("BJ100001", "BJ", "alice", 1, "美来尔工程技术有限公司", "12000.00"),
                ("SH200001", "SH", "carol", carols.id, "东方红机械有限公司", "5000.00")]:
            session.add(Order(number=number, partner_code=partner, rep=rep, status="AWAITING_PAYMENT",
                              pending_role="finance", customer_id=customer, customer_name=name, product="Yellow pages",
                              kind="new", amount=Decimal(amount), signed_on=today() - timedelta(days=5), issue_id="i",
                              status_since=now, issued_at=now, updated_at=now))


@pytest.fixture
def on_loop(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What a service does on the event loop's own thread that blocks it (a transaction, reading a whole file):
    every other request of the API process would wait for it."""
    blocked: list[str] = []

    def where(what: str) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return  # a worker thread: fine
        blocked.append(what)

    transaction, read_bytes = services.transaction, Path.read_bytes

    @contextmanager
    def guarded() -> Iterator[Session]:
        where("a transaction")
        with transaction() as session:
            yield session

    def guarded_read(self: Path) -> bytes:
        where(f"reading {self.name}")
        return read_bytes(self)

    monkeypatch.setattr(services, "transaction", guarded)
    monkeypatch.setattr(Path, "read_bytes", guarded_read)
    return blocked


def upload(path: Path) -> tuple[Callable[[], Any], list[bool]]:
    """A local file as the service receives an upload, and whether it was ever opened."""
    opened: list[bool] = []

    @asynccontextmanager
    async def receive() -> AsyncIterator[Path]:
        opened.append(True)
        yield path

    return receive, opened


def statement(tmp_path: Path, *rows: str, name: str = "statement.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def stored(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with unit_of_work(sessions) as session:
        return (session.scalar(select(func.count()).select_from(StatementLine)) or 0,
                session.scalar(select(func.count()).select_from(LineEvent)) or 0)


async def test_an_import_stores_good_lines_names_bad_ones_and_matches_what_fits_one_order(
        services: Services, actor: Callable[[str], Actor], temporal: StandInClient, orders: None,
        tmp_path: Path) -> None:
    path = statement(tmp_path, f"{today()},\"12,000.00\",北京美来尔工程技术有限公司,1,R1,货款",  # exactly BJ100001
                     f"{today()},4000.00,东方红机械有限公司,2,R2,",  # SH200001's payer, not its amount
                     f"{today()},abc,某公司,3,R3,",
                     f"{today()},300.00,张三,4,R4,")
    receive, _ = upload(path)
    report = await payments.import_statement(services, actor("fay"), receive)
    assert (report.file, report.imported, report.already_imported) == ("statement.csv", 3, 0)
    assert [(e.line, e.reason) for e in report.errors] == [(4, "amount 'abc' is not a number")]
    assert {o.bank_ref: (o.status.value, o.order, o.candidates) for o in report.outcomes} == {
        "R1": ("matched", "BJ100001", []), "R2": ("unmatched", None, ["SH200001"]), "R4": ("unmatched", None, [])}
    [(number, update, inp, update_id)] = temporal.sent
    assert (number, update, update_id) == ("BJ100001", "pay", "pay-line-R1-0")
    assert isinstance(inp, PayInput) and (inp.amount, inp.line_ref, inp.actor.username) == (
        Decimal("12000.00"), "R1", "fay")

    again = await payments.import_statement(services, actor("fay"), upload(path)[0])
    assert (again.imported, again.already_imported) == (0, 3)


async def test_a_server_lost_while_matching_ends_the_import_with_its_report_and_the_lines_kept(
        services: Services, actor: Callable[[str], Actor], temporal: StandInClient, orders: None,
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    from temporalio.service import RPCError, RPCStatusCode

    temporal.refuse = RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")
    path = statement(tmp_path, f"{today()},12000.00,美来尔工程技术有限公司,1,R1,", f"{today()},300.00,张三,4,R2,")
    report = await payments.import_statement(services, actor("fay"), upload(path)[0])
    assert report.imported == 2 and report.outcomes == [] and "Temporal is not reachable" in (report.stopped or "")
    assert stored(sessions)[0] == 2
    temporal.refuse = None  # a re-run resumes where it stopped
    again = await payments.import_statement(services, actor("fay"), upload(path)[0])
    assert ([(o.bank_ref, o.status.value) for o in again.outcomes], again.stopped) == (
        [("R1", "matched"), ("R2", "unmatched")], None)


async def test_a_statement_refused_or_failing_midway_leaves_nothing_written(
        services: Services, actor: Callable[[str], Actor], sessions: sessionmaker[Session], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    day = today()
    good = statement(tmp_path, f"{day},100.00,Acme,1,R1,", f"{day},200.00,Acme,1,R2,", f"{day},300.00,Acme,1,R3,")
    receive, opened = upload(good)
    with pytest.raises(NotPermitted):  # a rep: refused before the file is received
        await payments.import_statement(services, actor("alice"), receive)
    assert opened == []

    headless = tmp_path / "headless.csv"
    headless.write_text("just,some,words\n1,2,3\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no header row"):
        await payments.import_statement(services, actor("fay"), upload(headless)[0])

    monkeypatch.setattr(payments, "MAX_FILE_BYTES", 10)
    with pytest.raises(TooLarge, match="the limit is 10"):
        await payments.import_statement(services, actor("fay"), upload(good)[0])
    monkeypatch.undo()

    import db.payment_repo

    audit, calls = db.payment_repo._audit, []

    def failing(*args: Any) -> None:  # the database gives out on the third line's audit record
        calls.append(args)
        if len(calls) == 3:
            raise RuntimeError("connection lost")
        audit(*args)

    monkeypatch.setattr(db.payment_repo, "_audit", failing)
    with pytest.raises(RuntimeError):
        await payments.import_statement(services, actor("fay"), upload(good)[0])
    assert stored(sessions) == (0, 0)  # not the first two lines either: one statement, one transaction


async def test_lines_orders_and_slips_outside_the_scope_answer_like_missing_ones(
        services: Services, actor: Callable[[str], Actor], temporal: StandInClient, orders: None,
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    day = today()
    await payments.import_statement(services, actor("fay"), upload(statement(
        tmp_path, f"{day},100.00,美来尔工程技术有限公司,1,BJ-LINE,", f"{day},200.00,东方红机械有限公司,2,SH-LINE,",
        f"{day},300.00,张三,3,NOBODY,"))[0])
    assert temporal.sent == []  # no amount fits: nothing was paid

    # Finance sees every line; SH's payments user only the line an SH order waits for.
    assert [line.bank_ref for line in payment_views.unmatched_lines(services, actor("fay"), limit=10)] == [
        "BJ-LINE", "SH-LINE", "NOBODY"]
    mine = payment_views.unmatched_lines(services, SH_PAYMENTS, limit=10)
    assert [(line.bank_ref, [c.number for c in line.candidates]) for line in mine] == [("SH-LINE", ["SH200001"])]
    assert payment_views.show_line(services, SH_PAYMENTS, "SH-LINE").line.bank_ref == "SH-LINE"

    def refusal(call: Callable[[], Any]) -> str:
        with pytest.raises(NotFound) as err:
            call()
        return err.value.message

    async def async_refusal(call: Callable[[], Any]) -> str:
        with pytest.raises(NotFound) as err:
            await call()
        return err.value.message

    missing_line = refusal(lambda: payment_views.show_line(services, SH_PAYMENTS, "NO-SUCH"))
    assert refusal(lambda: payment_views.show_line(services, SH_PAYMENTS, "BJ-LINE")) == missing_line.replace(
        "NO-SUCH", "BJ-LINE")
    assert refusal(lambda: payment_views.show_line(services, SH_PAYMENTS, "NOBODY")) == missing_line.replace(
        "NO-SUCH", "NOBODY")
    assert await async_refusal(lambda: payments.match_line(services, SH_PAYMENTS, "BJ-LINE", "SH200001")) == (
        missing_line.replace("NO-SUCH", "BJ-LINE"))
    assert await async_refusal(lambda: payments.unmatch_line(services, SH_PAYMENTS, "BJ-LINE", "wrong")) == (
        missing_line.replace("NO-SUCH", "BJ-LINE"))
    # Another partner's order says what a missing order says.
    assert await async_refusal(lambda: payments.match_line(services, SH_PAYMENTS, "SH-LINE", "BJ100001")) == (
        "there is no order BJ100001")
    assert await async_refusal(lambda: payments.match_line(services, SH_PAYMENTS, "SH-LINE", "SH200999")) == (
        "there is no order SH200999")

    # A line matched to a BJ order stays out of SH's sight, and so does that order's overpayment.
    with unit_of_work(sessions) as session:
        claim_line(session, "SH-LINE", "BJ100001", "fay", "manual", datetime.now(UTC))
        session.get(Order, "BJ100001").credit_balance = Decimal("50.00")  # type: ignore[union-attr]
    assert refusal(lambda: payment_views.show_line(services, SH_PAYMENTS, "SH-LINE")) == missing_line.replace(
        "NO-SUCH", "SH-LINE")
    assert payment_views.credit_balances(services, SH_PAYMENTS, limit=10) == []
    assert [b.number for b in payment_views.credit_balances(services, actor("fay"), limit=10)] == ["BJ100001"]

    # A slip on another rep's order: refused as missing, before a byte of the file is received.
    slip = tmp_path / "slip.jpg"
    slip.write_bytes(JPEG)
    for user, number in [("carol", "BJ100001"), ("bob", "BJ100001"), ("carol", "SH200999")]:
        receive, opened = upload(slip)
        message = await async_refusal(lambda: payments.attach_slip(
            services, actor(user), number, receive, "100", today().isoformat()))  # noqa: B023
        assert (message, opened) == (f"there is no order {number}", []), user
    assert temporal.sent == []
    # Finance's queue needs the payments permission, whatever the scope.
    with pytest.raises(NotPermitted):
        payment_views.unmatched_lines(services, actor("alice"), limit=10)


async def test_match_and_unmatch_by_hand_go_under_the_line_s_own_update_ids(
        services: Services, actor: Callable[[str], Actor], temporal: StandInClient, orders: None,
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    await payments.import_statement(services, actor("fay"), upload(statement(
        tmp_path, f"{today()},4000.00,北京美来尔工程技术有限公司,1,R1,首付"))[0])
    matched = await payments.match_line(services, actor("fay"), " R1 ", "bj100001")
    assert (matched.bank_ref, matched.order.number, matched.slips) == ("R1", "BJ100001", [])
    [(number, update, inp, update_id)] = temporal.sent
    assert (number, update, update_id, inp.amount, inp.match.value) == (
        "BJ100001", "pay", "pay-line-R1-0", Decimal("4000.00"), "manual")

    with pytest.raises(Refused, match="not matched to any order"):
        await payments.unmatch_line(services, actor("fay"), "R1", "wrong customer")
    with unit_of_work(sessions) as session:  # what the workflow's activity records once the payment is applied
        claim_line(session, "R1", "BJ100001", "fay", "manual", datetime.now(UTC))
    with pytest.raises(InvalidInput):
        await payments.unmatch_line(services, actor("fay"), "R1", "   ")
    await payments.unmatch_line(services, actor("fay"), "R1", "wrong customer")
    number, update, inp, update_id = temporal.sent[-1]
    assert (number, update, update_id) == ("BJ100001", "unmatch", "unmatch-line-R1-0")
    assert isinstance(inp, UnmatchInput) and (inp.reason, inp.actor.username) == ("wrong customer", "fay")

    detail = payment_views.show_line(services, actor("fay"), "R1")
    assert (detail.matched_to, [h["action"] for h in detail.history]) == ("BJ100001", ["imported", "unmatched",
                                                                                      "matched"])
    assert isinstance(detail.model_dump(mode="json")["history"][0]["at"], str)


async def test_a_slip_is_checked_before_its_file_arrives_and_a_refused_one_leaves_nothing_staged(
        services: Services, actor: Callable[[str], Actor], temporal: StandInClient, s3: StandInS3, orders: None,
        tmp_path: Path) -> None:
    slip = tmp_path / "slip.jpg"
    slip.write_bytes(JPEG)
    future = (today() + timedelta(days=3)).isoformat()
    for amount, day, message in [("-5", today().isoformat(), "greater than zero"), ("100", future, "in the future"),
                                 ("100", "soon", "not a date")]:
        receive, opened = upload(slip)
        with pytest.raises(InvalidInput, match=message):
            await payments.attach_slip(services, actor("alice"), "BJ100001", receive, amount, day)
        assert opened == []

    # A role that never files slips is told so before any lookup or parsing: not "no such order", not "bad amount".
    for who, number, amount in [("sue", "BJ100001", "12000"), ("fay", "BJ100001", "-5"), ("sue", "SH200999", "1")]:
        receive, opened = upload(slip)
        with pytest.raises(NotPermitted, match="that needs the channel sales role"):
            await payments.attach_slip(services, actor(who), number, receive, amount, today().isoformat())
        assert opened == []

    view = await payments.attach_slip(services, actor("alice"), "BJ100001", upload(slip)[0], "12000",
                                      today().isoformat(), request_id="req-1")
    assert view.number == "BJ100001"
    number, update, inp, update_id = temporal.sent[-1]
    assert (number, update, update_id) == ("BJ100001", "attach_slip", "req-1")
    assert isinstance(inp, SlipInput) and (inp.filename, inp.claimed_amount, inp.claimed_on) == (
        "slip.jpg", Decimal("12000.00"), today())
    assert s3.uploaded == {inp.staging_key: JPEG}
    # The stand-in workflow files nothing, so under an Idempotency-Key the staged copy counts as a retry's
    # and is dropped (a filed one is promoted by the workflow's activity).
    assert s3.objects == {}

    s3.objects.clear()
    temporal.refuse = Refused("the slip was refused by the order")
    with pytest.raises(Refused):
        await payments.attach_slip(services, actor("alice"), "BJ100001", upload(slip)[0], "12000", today().isoformat())
    assert s3.objects == {}  # the staged copy went with the refusal


async def test_no_transaction_or_file_read_runs_on_the_event_loop(
        services: Services, actor: Callable[[str], Actor], temporal: StandInClient, orders: None,
        sessions: sessionmaker[Session], tmp_path: Path, on_loop: list[str]) -> None:
    path = statement(tmp_path, f"{today()},12000.00,美来尔工程技术有限公司,1,R1,", f"{today()},300.00,张三,4,R2,")
    report = await payments.import_statement(services, actor("fay"), upload(path)[0])
    assert [(o.bank_ref, o.status.value) for o in report.outcomes] == [("R1", "matched"), ("R2", "unmatched")]
    with unit_of_work(sessions) as session:  # what the workflow's activity records once the payment is applied
        claim_line(session, "R1", "BJ100001", "fay", "auto", datetime.now(UTC))
    await payments.unmatch_line(services, actor("fay"), "R1", "wrong customer")
    await payments.match_line(services, actor("fay"), "R2", "BJ100001", "the owner paid")  # another payer
    slip = tmp_path / "slip.jpg"
    slip.write_bytes(JPEG)
    await payments.attach_slip(services, actor("alice"), "BJ100001", upload(slip)[0], "12000", today().isoformat())
    assert [update for _, update, _, _ in temporal.sent] == ["pay", "unmatch", "pay", "attach_slip"]
    assert on_loop == []


@pytest.mark.parametrize("status", ["EXPIRED", "SECOND_REVIEW", "RETURNED"])
async def test_an_import_matches_a_line_to_the_one_order_that_keeps_money_when_none_waits_for_it(
        services: Services, actor: Callable[[str], Actor], temporal: StandInClient, orders: None,
        sessions: sessionmaker[Session], tmp_path: Path, status: str) -> None:
    with unit_of_work(sessions) as session:  # BJ100001 expired, or is not yet approved: its money is kept on it
        session.scalars(select(Order).where(Order.number == "BJ100001")).one().status = status
    report = await payments.import_statement(services, actor("fay"), upload(statement(
        tmp_path, f"{today()},12000.00,北京美来尔工程技术有限公司,1,R1,"))[0])
    assert [(o.bank_ref, o.status.value, o.order) for o in report.outcomes] == [("R1", "matched", "BJ100001")]
    [(number, update, _inp, update_id)] = temporal.sent
    assert (number, update, update_id) == ("BJ100001", "pay", "pay-line-R1-0")


def test_a_notice_to_the_finance_desk_is_in_every_finance_inbox_and_no_one_else_s(
        services: Services, actor: Callable[[str], Actor], orders: None, sessions: sessionmaker[Session]) -> None:
    """How `expired-paid` (money on an EXPIRED order) reaches the desks that may revive it (services/views.py)."""
    from db.models import Notification
    from services.views import inbox

    now = datetime.now(UTC)
    with unit_of_work(sessions) as session:
        for i, recipient in enumerate(["desk:finance", "fay", "desk:order_group"]):
            session.add(Notification(key=f"k{i}", recipient=recipient, order_number="BJ100001", kind="expired-paid",
                                     due_at=None, text=f"to {recipient}", created_at=now + timedelta(seconds=i)))
    assert [n["text"] for n in inbox(services, actor("fay"))["notifications"]] == ["to fay", "to desk:finance"]
    assert inbox(services, actor("alice"))["notifications"] == []


async def test_a_line_from_another_payer_is_matched_by_hand_only_with_a_reason_kept_on_its_trail(
        services: Services, actor: Callable[[str], Actor], temporal: StandInClient, orders: None,
        tmp_path: Path) -> None:
    await payments.import_statement(services, actor("fay"), upload(statement(
        tmp_path, f"{today()},12000.00,张三,1,R1,老板个人付款"))[0])
    with pytest.raises(InvalidInput, match='paid by "张三", but order BJ100001 is for "美来尔工程技术有限公司"'):
        await payments.match_line(services, actor("fay"), "R1", "BJ100001")
    with pytest.raises(InvalidInput, match="reason for matching another payer's line"):
        await payments.match_line(services, actor("fay"), "R1", "BJ100001", "  ")
    assert temporal.sent == []
    await payments.match_line(services, actor("fay"), "R1", "BJ100001", "the owner paid from his own account")
    assert [(n, u) for n, u, _i, _id in temporal.sent] == [("BJ100001", "pay")]
    trail = payment_views.show_line(services, actor("fay"), "R1").history
    assert [(h["action"], h["note"]) for h in trail][-1] == (
        "payer mismatch", "payer mismatch: the owner paid from his own account")
