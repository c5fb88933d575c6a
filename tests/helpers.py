"""Small helpers shared by the tests."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from domain.collisions import Entry, check_entry
from domain.fields import business_date
from domain.order import PENDING_ROLE, Action, OrderKind, OrderStatus
from domain.people import Role
from domain.timers import Policy
from orderflow.contracts import (
    ActorRef,
    CustomerRef,
    IssueInput,
    OrderFields,
    PayInput,
    SecondReviewInput,
    SignInput,
    StepInput,
    TransitionRecord,
)
from orderflow.settings import Settings

T = TypeVar("T")

ASSISTANT = ActorRef(username="amy", role=Role.ASSISTANT, partners=["BJ"])
OTHER_ASSISTANT = ActorRef(username="sue", role=Role.ASSISTANT, partners=["SH"])
REP = ActorRef(username="alice", role=Role.SALES, partners=["BJ"])
OTHER_REP = ActorRef(username="bob", role=Role.SALES, partners=["BJ"])
ORDER_GROUP = ActorRef(username="olga", role=Role.ORDER_GROUP)
FINANCE = ActorRef(username="fay", role=Role.FINANCE)
CUSTOMER = CustomerRef(id=1, name="美来尔工程技术有限公司", owner="alice", holder="alice (Alice Wang, partner BJ)")


def settings_from_env(env: dict[str, str]) -> Settings:
    """The settings a child process started with `env` builds for itself."""
    return Settings(**{k.removeprefix("ORDERFLOW_").lower(): v for k, v in env.items()
                       if k.startswith("ORDERFLOW_") and k not in CLIENT_ONLY})


# What only the CLI reads: never server settings.
CLIENT_ONLY = frozenset({"ORDERFLOW_API_URL", "ORDERFLOW_TOKEN"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {timeout}s")


async def eventually(probe: Callable[[], Awaitable[T]], check: Callable[[T], bool], timeout: float = 20.0) -> T:
    """Poll until check(result) holds; a test never sleeps a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if check(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {result!r}")
        await asyncio.sleep(0.1)


def queue() -> str:
    return f"q-{uuid.uuid4().hex}"


def issue(number: str = "BJ100001", policy: Policy | None = None, history_limit: int = 10_000) -> IssueInput:
    return IssueInput(number=number, partner="BJ", rep="alice", actor=ASSISTANT, issue_id=uuid.uuid4().hex,
                      supervisor="sam", policy=policy or Policy(), history_limit=history_limit)


def sign(amount: str = "12000.00", signed_on: date | None = None, actor: ActorRef = REP,
         customer: CustomerRef = CUSTOMER) -> SignInput:
    return SignInput(actor=actor, customer=customer, product="Yellow pages, 1 year", kind=OrderKind.NEW,
                     amount=Decimal(amount), signed_on=signed_on or business_date(datetime.now(UTC)))


def step(actor: ActorRef = ASSISTANT) -> StepInput:
    return StepInput(actor=actor)


def second_review(location: str = "Cabinet 3, shelf 2", actor: ActorRef = ORDER_GROUP) -> SecondReviewInput:
    return SecondReviewInput(actor=actor, location=location)


def pay(amount: str, paid_on: date, actor: ActorRef = FINANCE) -> PayInput:
    return PayInput(actor=actor, amount=Decimal(amount), paid_on=paid_on)


NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def record(seq: int, action: Action, actor: ActorRef, source: OrderStatus | None, target: OrderStatus,
           **fields: object) -> TransitionRecord:
    return TransitionRecord(
        order_number="BJ100001", partner="BJ", rep="alice", seq=seq, action=action, actor=actor,
        source=source, target=target, at=NOW, fields=OrderFields(**fields),  # type: ignore[arg-type]
        pending_role=PENDING_ROLE[target], pending_user="alice" if target is OrderStatus.ISSUED else None,
        issue_id="issue-1" if action is Action.ISSUE else None,
    )



def entry(name: str, phone: str = "010-62345678", fax: str = "010-62345679", region: str = "北京",
          same_phone_fax: bool = False) -> Entry:
    return check_entry(name, phone, fax, "北京市海淀区中关村大街1号", region, same_phone_fax)


def pdf_bytes(size: int = 4096) -> bytes:
    """A small but well-formed PDF, padded to about `size` bytes."""
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
    trailer = b"\ntrailer<<>>\n%%EOF\n"
    return body + b"%" + b"x" * max(0, size - len(body) - len(trailer) - 2) + b"\n" + trailer


def seed_demo(sessions: Any) -> None:
    """The demo org, and alice's customer 1 (美来尔工程技术有限公司): what most tests start from."""
    from pathlib import Path

    from db.customer_repo import add_customer
    from db.engine import unit_of_work
    from db.org_repo import load_org
    from domain.people import Role
    from orderflow.orgfile import read_org_file

    with unit_of_work(sessions) as session:
        load_org(session, *read_org_file(Path(__file__).resolve().parents[1] / "examples" / "org.yaml"))
    with unit_of_work(sessions) as session:
        add_customer(session, entry("美来尔工程技术有限公司"), owner="alice", role=Role.SALES, partner="BJ",
                     at=datetime.now(UTC))
