"""The follow-up read model on SQLite and PostgreSQL: written by the workflow's activities (idempotent by key),
read within each actor's scope, in the inbox (a deactivated assignee's cases reach their manager), the ops
report and the digest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from activities.follow_ups import FollowUpActivities
from db.digest_sources import SOURCES
from db.engine import unit_of_work
from db.follow_up_models import FollowUp, FollowUpEvent
from db.models import Customer, User
from db.org_repo import set_active
from domain.errors import InvalidInput, NotFound
from domain.fields import business_date
from domain.follow_ups import due_moment
from domain.people import Actor, Role
from orderflow.follow_up_contracts import FollowUpRecord, FollowUpView, RecipientInput
from services import follow_up_reads
from services.context import Services
from tests.follow_up_invariants import follow_up_violations

Load = Callable[[str], Actor]
NOW = datetime.now(UTC)


def _view(case_id: str, **fields: object) -> FollowUpView:
    due = business_date(NOW) + timedelta(days=2)
    base: dict[str, object] = dict(case_id=case_id, type="dispute", customer_id=1, partner="BJ", opener="alice",
                                   description="年费异议", assignee="amy", escalate_to="mike", due_on=due,
                                   due_at=due_moment(due), status="OPEN", opened_at=NOW)
    return FollowUpView(**{**base, **fields})  # type: ignore[arg-type]


def _record(acts: FollowUpActivities, view: FollowUpView, event: str = "opened", seq: int = 1) -> None:
    acts.record_follow_up(FollowUpRecord(view=view, seq=seq, event_key=f"{view.case_id}:{event}:{seq}", event=event,
                                         actor=view.opener, at=NOW, detail=""))


@pytest.fixture
def acts(sessions: sessionmaker[Session]) -> FollowUpActivities:
    return FollowUpActivities(None, "unused", sessions, 1000)


def test_cases_are_seen_within_scope_and_answer_like_missing_outside(services: Services, actor: Load,
                                                                     acts: FollowUpActivities) -> None:
    _record(acts, _view("261130-00000a"))
    _record(acts, _view("261130-00000b", type="refund", assignee="desk:finance"))
    _record(acts, _view("261130-00000c", partner="SH", customer_id=None, order_number="SH200001", opener="carol",
                        assignee="sue", escalate_to="mary"))

    def seen(who: str, **kw: object) -> list[str]:
        return [r["case"] for r in follow_up_reads.list_follow_ups(services, actor(who), **kw)]  # type: ignore[arg-type]

    assert seen("alice") == ["261130-00000a", "261130-00000b"]
    assert seen("sam") == ["261130-00000a", "261130-00000b"]  # the supervisor over BJ
    assert seen("carol") == ["261130-00000c"]
    assert seen("fay", kind="refund", waiting=True) == ["261130-00000b"]  # finance's queue
    assert seen("fay", waiting=True) == ["261130-00000b"]
    # The central groups see by what they may read: the order group orders, the approval group customers.
    assert seen("olga") == ["261130-00000c"] and seen("gao") == ["261130-00000a", "261130-00000b"]
    clerk = Actor("clerk", Role.AGENCY_CLERK)  # the certification agency sees no follow-up at all
    assert follow_up_reads.list_follow_ups(services, clerk) == []
    with pytest.raises(NotFound) as hidden:
        follow_up_reads.show(services, actor("carol"), "261130-00000a")
    with pytest.raises(NotFound) as missing:
        follow_up_reads.show(services, actor("carol"), "261130-0000ff")
    assert hidden.value.message.replace("00000a", "") == missing.value.message.replace("0000ff", "")
    with pytest.raises(InvalidInput):
        follow_up_reads.list_follow_ups(services, actor("alice"), status="LOST")


def test_the_activity_writes_once_per_event_and_the_invariants_hold(sessions: sessionmaker[Session],
                                                                    acts: FollowUpActivities) -> None:
    view = _view("261130-0000aa")
    _record(acts, view)
    _record(acts, view)  # a retry
    closed = view.model_copy(update={"status": "CLOSED", "outcome": "resolved", "resolution": "done",
                                     "closed_at": NOW})
    _record(acts, closed, "closed", 2)
    with unit_of_work(sessions) as session:
        assert session.scalar(select(func.count()).select_from(FollowUpEvent)) == 2
        assert follow_up_violations(session) == []
    _record(acts, view, "opened", 3)  # a second opening of the same case breaks an invariant
    with unit_of_work(sessions) as session:
        assert "follow-up 261130-0000aa was opened 2 times" in follow_up_violations(session)


def test_a_deactivated_assignee_reaches_their_manager(services: Services, actor: Load,
                                                      sessions: sessionmaker[Session],
                                                      acts: FollowUpActivities) -> None:
    _record(acts, _view("261130-0000bb", assignee="bob", escalate_to="sam"))
    assert acts.follow_up_recipient(RecipientInput(username="bob", fallback="sam")) == "bob"
    with unit_of_work(sessions) as session:
        set_active(session, session.get(User, "bob"), False, "test", NOW)  # type: ignore[arg-type]
    assert acts.follow_up_recipient(RecipientInput(username="bob", fallback="mike")) == "sam"
    assert acts.follow_up_recipient(RecipientInput(username="desk:finance", fallback="mike")) == "desk:finance"
    with unit_of_work(sessions) as session:  # and when the manager left too: the fallback, never the gone one
        set_active(session, session.get(User, "sam"), False, "test", NOW)  # type: ignore[arg-type]
    assert acts.follow_up_recipient(RecipientInput(username="bob", fallback="mike")) == "mike"
    assert acts.follow_up_recipient(RecipientInput(username="sam", fallback="alice")) == "alice"
    with unit_of_work(sessions) as session:
        set_active(session, session.get(User, "sam"), True, "test", NOW)  # type: ignore[arg-type]
    rows = follow_up_reads.inbox_section(services, actor("sam"))
    assert [(r["case"], r["assignee"]) for r in rows] == [("261130-0000bb", "bob (deactivated)")]


def test_the_report_and_the_digest_count_open_and_overdue_cases(services: Services, actor: Load,
                                                                sessions: sessionmaker[Session],
                                                                acts: FollowUpActivities) -> None:
    _record(acts, _view("261130-0000c1"))
    late = business_date(NOW) - timedelta(days=3)
    _record(acts, _view("261130-0000c2", type="invoice", due_on=late, due_at=due_moment(late), overdue=True))
    _record(acts, _view("261130-0000c3", partner="SH", customer_id=None, order_number="SH200001", assignee="sue"))
    report = follow_up_reads.report_section(services, actor("mike"), NOW, None)
    assert report["open_by_type"]["dispute"] == 1 and report["open_by_type"]["invoice"] == 1
    assert report["overdue"] == 1
    assert follow_up_reads.report_section(services, actor("olga"), NOW, None)["open_by_type"]["dispute"] == 2
    with unit_of_work(sessions) as session:
        items = [i for source in SOURCES for i in source(session, "amy", NOW) if i.link.startswith("/follow-ups/")]
    assert sorted((i.section, i.link) for i in items) == [("overdue", "/follow-ups/261130-0000c2"),
                                                          ("waiting", "/follow-ups/261130-0000c1")]
    assert "开具发票" in next(i.what for i in items if i.section == "overdue")


def test_a_late_retry_of_an_older_record_never_overwrites_newer_state(sessions: sessionmaker[Session],
                                                                      acts: FollowUpActivities) -> None:
    view = _view("261130-0000e1")
    _record(acts, view, "opened", 1)
    closed = view.model_copy(update={"status": "CLOSED", "outcome": "declined", "resolution": "no",
                                     "closed_at": NOW})
    _record(acts, closed, "closed", 2)
    _record(acts, view, "opened", 1)  # the opening's record retried late, after the close was written
    with unit_of_work(sessions) as session:
        row = session.get(FollowUp, "261130-0000e1")
        assert row is not None and row.status == "CLOSED" and row.seq == 2
        assert follow_up_violations(session) == []


def test_a_case_follows_its_customer_to_another_partner(services: Services, actor: Load,
                                                        sessions: sessionmaker[Session],
                                                        acts: FollowUpActivities) -> None:
    _record(acts, _view("261130-0000d1", assignee="amy"))  # on customer 1, of BJ

    def seen(who: str) -> list[str]:
        return [r["case"] for r in follow_up_reads.list_follow_ups(services, actor(who))]

    assert seen("sam") == ["261130-0000d1"] and seen("mary") == []
    with unit_of_work(sessions) as session:  # as a claim or a hand-over moves the customer (warehouse_repo.move)
        customer = session.get(Customer, 1)
        assert customer is not None and customer.partner_code == "BJ"
        customer.partner_code, customer.owner = "SH", "carol"
    assert seen("sam") == [] and seen("mary") == ["261130-0000d1"] and seen("carol") == ["261130-0000d1"]
    with pytest.raises(NotFound):
        follow_up_reads.show(services, actor("sam"), "261130-0000d1")
    assert follow_up_reads.show(services, actor("mary"), "261130-0000d1")["partner"] == "SH"
    assert follow_up_reads.report_section(services, actor("mary"), NOW, None)["open_by_type"]["dispute"] == 1
    assert follow_up_reads.report_section(services, actor("mike"), NOW, None)["open_by_type"]["dispute"] == 0
    # The next record brings the stored partner (reports, the search attribute) in step, and says so.
    view = _view("261130-0000d1", assignee="amy", comments=1)
    assert acts.record_follow_up(FollowUpRecord(view=view, seq=2, event_key="261130-0000d1:comment:2",
                                                event="comment", actor="amy", at=NOW, comment="x")) == "SH"
    with unit_of_work(sessions) as session:
        assert session.get(FollowUp, "261130-0000d1").partner_code == "SH"  # type: ignore[union-attr]


def test_the_invariants_catch_a_refund_outside_finance_or_resolved_without_reference(
        sessions: sessionmaker[Session], acts: FollowUpActivities) -> None:
    _record(acts, _view("261130-0000f1", type="refund", assignee="desk:finance", status="CLOSED",
                        outcome="resolved", resolution="paid", reference="TB-1", closed_at=NOW))
    _record(acts, _view("261130-0000f2", type="refund", assignee="fay"))
    with unit_of_work(sessions) as session:
        assert [v for v in follow_up_violations(session) if "refund" in v] == []
    _record(acts, _view("261130-0000f3", type="refund", assignee="amy"))
    _record(acts, _view("261130-0000f4", type="refund", assignee="desk:finance", status="CLOSED",
                        outcome="resolved", resolution="paid", closed_at=NOW))
    with unit_of_work(sessions) as session:
        found = [v for v in follow_up_violations(session) if "refund" in v]
    assert found == ["refund 261130-0000f3 waits for amy, outside finance",
                     "refund 261130-0000f4 was resolved without its payment's reference"]
