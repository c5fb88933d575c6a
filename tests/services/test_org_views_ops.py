"""Reloading the org, the inbox, credits and the ops views, called directly on SQLite and PostgreSQL: each shows
only what lies in the actor's scope, and a partner outside it answers like a missing one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.engine import unit_of_work
from db.models import Credit, Customer, Notification, Order, Ownership, User
from db.org_repo import set_active
from domain.errors import InvalidInput, NotFound, NotPermitted
from domain.people import Actor
from services import ops, org, views
from services.context import Services

ORG_FILE = Path(__file__).resolve().parents[2] / "examples" / "org.yaml"
NOW = datetime.now(UTC)
Load = Callable[[str], Actor]


def _order(session: Session, number: str, rep: str, status: str, pending_role: str | None,
           pending_user: str | None = None, due_at: datetime | None = None) -> None:
    session.add(Order(number=number, partner_code=number[:2], rep=rep, status=status, pending_role=pending_role,
                      pending_user=pending_user, issue_id=number, status_since=NOW - timedelta(days=2),
                      issued_at=NOW - timedelta(days=2), updated_at=NOW, due_at=due_at))


def _credit(session: Session, number: str, rep: str, amount: str, on: date) -> None:
    session.flush()
    session.add(Credit(order_number=number, customer_id=1, rep=rep, partner_code=number[:2], kind="new",
                       amount=Decimal(amount), effective_on=on))


@pytest.fixture
def orders(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        _order(session, "BJ100001", "alice", "ISSUED", "sales", "alice")
        _order(session, "BJ100002", "bob", "ISSUED", "sales", "bob")
        _order(session, "BJ100003", "alice", "EFFECTIVE", None)
        _order(session, "BJ100004", "bob", "EFFECTIVE", None)
        _order(session, "SH200001", "carol", "AWAITING_ORIGINAL", "assistant", None, due_at=NOW - timedelta(hours=1))
        _order(session, "SH200002", "carol", "EFFECTIVE", None)
        _credit(session, "BJ100003", "alice", "12000.00", date(2026, 3, 5))
        _credit(session, "BJ100004", "bob", "800.00", date(2026, 4, 1))
        _credit(session, "SH200002", "carol", "500.00", date(2026, 3, 31))
        session.add(Notification(key="n1", recipient="alice", order_number="BJ100001", kind="reminder",
                                 text="sign it", created_at=NOW))


def test_only_an_active_director_reloads_the_org(services: Services, actor: Load) -> None:
    text = ORG_FILE.read_text(encoding="utf-8").replace("  - {username: carol", "  # carol left\n  - {username: xavier")
    with pytest.raises(NotPermitted, match="may not reload the org: a channel manager lacks the 'reload_org'"):
        org.reload_org(services, actor("mike"), text)
    loaded = org.reload_org(services, actor("dora"), text, "org.yaml")
    assert (loaded["partners"], loaded["deactivated"]) == (2, ["carol"])
    with services.transaction() as session:
        assert session.get(User, "xavier") is not None
    # The bootstrap entry point (the server's admin command) takes a path and needs no actor.
    assert org.load_org_file(services, ORG_FILE, "admin")["deactivated"] == ["xavier"]


def test_a_reload_empties_the_warehouse_of_anyone_deactivated_who_still_holds_customers(
        services: Services, actor: Load, sessions: sessionmaker[Session]) -> None:
    """alice was deactivated before leaving emptied a warehouse (or kept a customer back): the next reload that
    does not list her moves her customers as a closed account's would."""
    with unit_of_work(sessions) as session:
        set_active(session, session.get(User, "alice"), False, "earlier", NOW)  # type: ignore[arg-type]
    alice = ("  - {username: alice, name: Alice Wang, role: sales, partner: BJ, reports_to: sam, regions: [北京],\n"
             "     email: alice@bj.example.com}\n")
    text = ORG_FILE.read_text(encoding="utf-8")
    assert alice in text
    assert org.reload_org(services, actor("dora"), text.replace(alice, ""), "org.yaml")["deactivated"] == []
    with unit_of_work(sessions) as session:
        assert session.get(Customer, 1).owner == "bjpartner"  # type: ignore[union-attr]
        record = session.scalars(select(Ownership).where(Ownership.customer_id == 1)
                                 .order_by(Ownership.id.desc())).first()
        assert record is not None and (record.previous_owner, record.actor) == ("alice", "dora")
        assert record.reason == "rep left, to the partner's own warehouse: not in the org file loaded by dora"


async def test_an_org_upload_is_refused_before_its_body_is_received(services: Services, actor: Load,
                                                                   tmp_path: Path) -> None:
    opened: list[Path] = []

    @asynccontextmanager
    async def receive() -> AsyncIterator[Path]:
        opened.append(ORG_FILE)
        yield ORG_FILE

    for who in ("mike", "alice", "olga"):
        with pytest.raises(NotPermitted, match="lacks the 'reload_org' permission"):
            await org.receive_org(services, actor(who), receive, "org.yaml")
    assert opened == []
    assert (await org.receive_org(services, actor("dora"), receive, "org.yaml"))["partners"] == 2
    assert opened == [ORG_FILE]


def test_a_bad_org_file_is_named_as_sent_and_changes_nothing(services: Services, actor: Load,
                                                             tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as bad:
        org.reload_org(services, actor("dora"), "users: [{username: Q}]", "mine.yaml")
    assert bad.value.message.startswith("org file mine.yaml is invalid") and "/tmp" not in bad.value.message
    upload = tmp_path / "upload-dir" / "org.yaml"
    upload.parent.mkdir()
    upload.write_text("partners: [", encoding="utf-8")
    with pytest.raises(InvalidInput) as broken:
        org.reload_org(services, actor("dora"), upload, "org.yaml")
    assert "not valid YAML" in broken.value.message and str(upload) not in broken.value.message
    with services.transaction() as session:
        assert session.get(User, "carol").active  # type: ignore[union-attr]


@pytest.mark.usefixtures("orders")
def test_the_inbox_holds_my_orders_my_reports_tasks_and_my_notifications(services: Services, actor: Load,
                                                                         sessions: sessionmaker[Session]) -> None:
    mine = views.inbox(services, actor("alice"))
    assert [(r["number"], r["pending"]) for r in mine["orders"]] == [("BJ100001", "alice")]
    assert [(n["order"], n["kind"]) for n in mine["notifications"]] == [("BJ100001", "reminder")]
    # Assistants see the orders waiting for their role within their partners only.
    assert [r["number"] for r in views.inbox(services, actor("sue"))["orders"]] == ["SH200001"]
    assert views.inbox(services, actor("amy"))["orders"] == []
    with unit_of_work(sessions) as session:
        bob = session.get(User, "bob")
        assert bob is not None
        set_active(session, bob, False, "mike", NOW)
    assert [(r["number"], r["pending"]) for r in views.inbox(services, actor("sam"))["orders"]] == [
        ("BJ100002", "bob (deactivated)")]
    gao = views.inbox(services, actor("gao"))  # every section empty (#17 added the certifications, follow-ups)
    assert gao["orders"] == gao["notifications"] == [] and not any(gao.values()), gao


@pytest.mark.usefixtures("orders")
def test_credits_are_scoped_filtered_by_month_and_paged(services: Services, actor: Load) -> None:
    def numbers(who: str, **kw: object) -> list[str]:
        return [c["order"] for c in views.credits(services, actor(who), **kw)]  # type: ignore[arg-type]

    assert views.credits(services, actor("alice")) == [{
        "order": "BJ100003", "rep": "alice", "partner": "BJ", "kind": "new", "amount": "12000.00",
        "effective_on": "2026-03-05", "customer": 1}]
    assert numbers("alice", rep="bob") == ["BJ100003"]  # a rep sees their own, whoever they ask for
    assert numbers("sam") == ["BJ100003", "BJ100004"]
    assert numbers("sam", rep="carol") == []
    assert numbers("fay") == ["BJ100003", "SH200002", "BJ100004"]
    assert numbers("fay", month="2026-03") == ["BJ100003", "SH200002"]
    assert numbers("fay", limit=1, offset=1) == ["SH200002"]
    with pytest.raises(InvalidInput, match="not in the form YYYY-MM"):
        views.credits(services, actor("fay"), month="2026-13")
    # The years the database's dates hold: no 500 for the month after December 9999.
    for month in ("9999-12", "0001-01", "9001-01"):
        with pytest.raises(InvalidInput, match=f"^month '{month}' must lie between 1900-01 and 9000-12$"):
            views.credits(services, actor("fay"), month=month)
    assert numbers("fay", month="9000-12") == numbers("fay", month="1900-01") == []
    with pytest.raises(NotPermitted, match="lacks the 'see_credits' permission"):
        views.credits(services, actor("amy"))
    with pytest.raises(NotPermitted):  # the permission first: a bad month tells nothing to who may not ask
        views.credits(services, actor("amy"), month="abc")


@pytest.mark.usefixtures("orders")
def test_the_ops_report_is_scoped_and_renders_html_on_request(services: Services, actor: Load) -> None:
    everything = ops.ops_report(services, actor("olga"))
    assert {(c["partner"], c["status"], c["count"]) for c in everything["counts"]} >= {
        ("BJ", "ISSUED", 2), ("SH", "AWAITING_ORIGINAL", 1)}
    assert [b["number"] for b in everything["breaches"]] == ["SH200001"] and "html" not in everything
    hank = ops.ops_report(services, actor("hank"), html=True)
    assert {c["partner"] for c in hank["counts"]} == {"BJ"} and "Status funnel" in hank["html"]
    assert ops.ops_report(services, actor("olga"), as_of=date(2020, 1, 1))["counts"] == []
    with pytest.raises(NotFound) as outside:
        ops.ops_report(services, actor("hank"), partner="SH")
    with pytest.raises(NotFound) as missing:
        ops.ops_report(services, actor("hank"), partner="ZZ")
    assert outside.value.message.replace("SH", "X") == missing.value.message.replace("ZZ", "X")
    assert ops.ops_report(services, actor("sid"))["counts"]  # finance with the extra ops_report grant
    with pytest.raises(NotPermitted, match="lacks the 'ops_report' permission"):
        ops.ops_report(services, actor("fay"))


def test_the_saved_queries_are_for_ops_and_scoped(services: Services, actor: Load) -> None:
    found = {q["name"]: q for q in ops.saved_queries(services, actor("olga"), "BJ", "alice")}
    assert found["orders of partner BJ"]["query"] == 'ChannelPartner="BJ"'
    assert found["waiting for alice"]["url"].startswith("http://127.0.0.1:8233/namespaces/default/workflows?query=")
    assert len(ops.saved_queries(services, actor("olga"), limit=2, offset=1)) == 2
    with pytest.raises(NotFound, match="there is no partner SH"):
        ops.saved_queries(services, actor("hank"), "SH")
    with pytest.raises(NotPermitted, match="lacks the 'ops_report' permission"):
        ops.saved_queries(services, actor("alice"))


def test_a_saved_query_takes_a_user_or_partner_only_in_its_form(services: Services, actor: Load) -> None:
    """#20: the user goes into a Temporal list query inside quotes; a quote would widen it to other partners."""
    for user in ('x" OR ChannelPartner!="', 'alice" OR PendingUser!="', "al\nice", "Alice", "a b"):
        with pytest.raises(InvalidInput, match="^user must be a username") as caught:
            ops.saved_queries(services, actor("hank"), None, user)
        assert '"' not in caught.value.message
    for partner in ('BJ" OR ChannelPartner!="', "bj", "B J", "\x1b[2J"):
        with pytest.raises(InvalidInput, match="^partner must be a partner code"):
            ops.saved_queries(services, actor("hank"), partner)
        with pytest.raises(InvalidInput, match="^partner must be a partner code"):
            ops.ops_report(services, actor("hank"), partner)
    found = {q["name"]: q["query"] for q in ops.saved_queries(services, actor("hank"), "BJ", " bob ")}
    assert found["waiting for bob"] == 'PendingUser="bob"'
