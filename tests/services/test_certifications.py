"""认证 against the real databases (SQLite and PostgreSQL): the activity that opens a certification (who needs one:
new orders, renewals whose licensed name changed), the step writes and the service start, the sweep's query, the
inbox, the digest, the ops report's section and the invariant; and the pure rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from activities.certifications import CertificationActivities
from db.certification_models import Certification
from db.certification_repo import digest_items, effective_without_certification
from db.engine import unit_of_work
from db.models import Customer, Order, User
from domain.certification import (
    CertStatus,
    CustomerFacts,
    FailReason,
    after_failure,
    check_against_record,
    needs_certification,
    parse_reasons,
    service_start,
)
from domain.errors import InvalidInput, NotAuthenticated, Refused
from domain.order import OrderKind
from orderflow.certification_contracts import CertRecord, OpenInput
from services import certification_report, certifications
from services.agency_callback import signature, verify
from services.context import Services
from tests.invariants import check

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def _order(sessions: sessionmaker[Session], number: str, kind: str = "new", status: str = "EFFECTIVE") -> None:
    with unit_of_work(sessions) as session:
        session.add(Order(number=number, partner_code="BJ", rep="alice", status=status, customer_id=1,
                          customer_name="美来尔工程技术有限公司", kind=kind, issue_id=number, supervisor="sam",
                          effective_on=date(2026, 11, 28) if status == "EFFECTIVE" else None,
                          status_since=NOW - timedelta(hours=1), issued_at=NOW - timedelta(days=10), updated_at=NOW))


def _acts(sessions: sessionmaker[Session]) -> CertificationActivities:
    return CertificationActivities(None, "b", sessions, 1024 * 1024, max_rounds=3)


def _pass(acts: CertificationActivities, number: str, seq: int = 2) -> None:
    acts.record_certification(CertRecord(seq=seq, order_number=number, status=CertStatus.PASSED, pending_role=None,
                                         pending_user=None, rounds=0, allowed_rounds=3, at=NOW, actor="vera",
                                         certified_on=date(2026, 11, 30), service_starts_on=date(2026, 11, 30)))


def test_new_orders_are_certified_and_renewals_only_after_a_name_change(sessions: sessionmaker[Session]):
    acts = _acts(sessions)
    _order(sessions, "BJ100001")
    opened = acts.open_certification(OpenInput(order_number="BJ100001", at=NOW))
    assert opened.needed and opened.assistants == ["amy"] and opened.policy.max_rounds == 3
    assert acts.open_certification(OpenInput(order_number="BJ100001", at=NOW)) == opened  # a retry: the same
    _pass(acts, "BJ100001")
    _order(sessions, "BJ100002", kind="renewal")
    assert not acts.open_certification(OpenInput(order_number="BJ100002", at=NOW)).needed
    with unit_of_work(sessions) as session:  # the licensed name changed: the next renewal is certified again
        customer = session.get(Customer, 1)
        assert customer is not None
        customer.name_key = customer.name_key + "股份"
    _order(sessions, "BJ100003", kind="renewal")
    assert acts.open_certification(OpenInput(order_number="BJ100003", at=NOW)).needed
    _order(sessions, "BJ100004", status="AWAITING_PAYMENT")
    with pytest.raises(Exception, match="not EFFECTIVE"):
        acts.open_certification(OpenInput(order_number="BJ100004", at=NOW))


async def test_a_pass_writes_the_service_start_and_the_invariant_holds(sessions: sessionmaker[Session]):
    acts = _acts(sessions)
    _order(sessions, "BJ100001")
    _order(sessions, "BJ100002")
    assert effective_without_certification(sessions(), NOW - timedelta(days=2), 10) == ["BJ100001", "BJ100002"]
    acts.open_certification(OpenInput(order_number="BJ100001", at=NOW))
    assert effective_without_certification(sessions(), NOW - timedelta(days=2), 10) == ["BJ100002"]
    _pass(acts, "BJ100001")
    _pass(acts, "BJ100001")  # retried: written once
    with unit_of_work(sessions) as session:
        order = session.get(Order, "BJ100001")
        row = session.get(Certification, "BJ100001")
        assert order is not None and row is not None
        assert order.service_starts_on == date(2026, 11, 30) and row.status == "PASSED" and row.last_seq == 2
    # (Orders made by hand here lack the credits and events of a real run: only this invariant is looked at.)
    assert [v for v in await check(sessions) if "service start" in v] == []
    with unit_of_work(sessions) as session:  # a start on an order not certified breaks the invariant
        broken = session.get(Order, "BJ100002")
        assert broken is not None
        broken.service_starts_on = date(2026, 11, 30)
    assert any("BJ100002 has a service start" in v for v in await check(sessions))


async def test_an_unchanged_renewal_starts_when_it_took_effect_and_the_invariant_checks_the_day(
        sessions: sessionmaker[Session]):
    acts = _acts(sessions)
    _order(sessions, "BJ100001")
    acts.open_certification(OpenInput(order_number="BJ100001", at=NOW))
    _pass(acts, "BJ100001")
    _order(sessions, "BJ100002", kind="renewal")
    assert not acts.open_certification(OpenInput(order_number="BJ100002", at=NOW)).needed
    with unit_of_work(sessions) as session:
        order = session.get(Order, "BJ100002")
        assert order is not None and order.service_starts_on == order.effective_on == date(2026, 11, 28)
    assert [v for v in await check(sessions) if "BJ10000" in v and "start" in v] == []
    with unit_of_work(sessions) as session:  # a pass on the wrong day, and a NOT_NEEDED without a start
        passed, renewal = session.get(Order, "BJ100001"), session.get(Order, "BJ100002")
        assert passed is not None and renewal is not None
        passed.service_starts_on, renewal.service_starts_on = date(2026, 11, 28), None
    found = await check(sessions)
    assert any("BJ100001 starts on 2026-11-28, not the later" in v for v in found), found
    assert any("BJ100002's certification is NOT_NEEDED but it has no service start" in v for v in found), found


def test_the_report_lists_services_started_and_orders_without_certification(sessions: sessionmaker[Session],
                                                                            services: Services, actor):  # type: ignore[no-untyped-def]
    acts = _acts(sessions)
    _order(sessions, "BJ100001")
    _order(sessions, "BJ100002")
    acts.open_certification(OpenInput(order_number="BJ100001", at=NOW))
    _pass(acts, "BJ100001")
    section = certification_report.report(services, actor("olga"), NOW, None)
    assert section["service_started"] == [{"order": "BJ100001", "partner": "BJ", "effective_on": "2026-11-28",
                                           "service_starts_on": "2026-11-30"}]
    assert section["without_certification"] == {"count": 1, "latest": [
        {"order": "BJ100002", "partner": "BJ", "effective_on": "2026-11-28"}]}
    later = certification_report.report(services, actor("olga"), NOW + timedelta(days=31), None)
    assert later["service_started"] == []
    assert certification_report.report(services, actor("mary"), NOW, None)["without_certification"]["count"] == 0


def test_inbox_digest_and_report_show_what_waits(sessions: sessionmaker[Session], services: Services, actor):  # type: ignore[no-untyped-def]
    acts = _acts(sessions)
    _order(sessions, "BJ100001")
    acts.open_certification(OpenInput(order_number="BJ100001", at=NOW))
    acts.record_certification(CertRecord(seq=1, order_number="BJ100001", status=CertStatus.AWAITING_DOCUMENTS,
                                         pending_role="sales", pending_user="alice", rounds=0, allowed_rounds=3,
                                         at=NOW, actor="system"))
    assert [c["order"] for c in certifications.inbox(services, actor("alice"))] == ["BJ100001"]
    assert certifications.inbox(services, actor("bob")) == []
    with unit_of_work(sessions) as session:  # alice leaves: what waits for her waits for sam, her manager
        leaver = session.get(User, "alice")
        assert leaver is not None
        leaver.active = False
    assert [c["order"] for c in certifications.inbox(services, actor("sam"))] == ["BJ100001"]
    with unit_of_work(sessions) as session:
        leaver = session.get(User, "alice")
        assert leaver is not None
        leaver.active = True
    with unit_of_work(sessions) as session:
        items = digest_items(session, "alice", NOW)
    assert [i.what for i in items] == ["订单 BJ100001 的认证等待提交认证材料"]
    acts.record_certification(CertRecord(seq=2, order_number="BJ100001", status=CertStatus.AT_AGENCY,
                                         pending_role="agency_clerk", pending_user=None, rounds=0, allowed_rounds=3,
                                         at=NOW - timedelta(days=6), actor="amy"))
    assert [c["order"] for c in certifications.inbox(services, actor("vera"))] == ["BJ100001"]
    section = certification_report.report(services, actor("olga"), NOW, None)
    assert section["by_status"] == {"AT_AGENCY": 1}
    assert section["waiting_at_agency"][0]["order"] == "BJ100001" and section["waiting_at_agency"][0]["days"] == 6
    assert certification_report.report(services, actor("mary"), NOW, None)["by_status"] == {}  # 上海's manager: not BJ
    shown = certifications.listing(services, actor("hank"), status="at_agency", limit=10, offset=0)
    assert [r["order"] for r in shown] == ["BJ100001"]
    with pytest.raises(InvalidInput):
        certifications.listing(services, actor("hank"), status="SOON", limit=10, offset=0)


def test_the_rules():
    assert needs_certification(OrderKind.NEW, "k", "k")
    assert not needs_certification(OrderKind.RENEWAL, "k", "k")
    assert needs_certification(OrderKind.RENEWAL, "k2", "k") and needs_certification(OrderKind.RENEWAL, "k", None)
    assert after_failure(2, 3) is CertStatus.AWAITING_DOCUMENTS and after_failure(3, 3) is CertStatus.ESCALATED
    # The later of the effective day and the day of the pass, in Beijing: 2026-11-30 17:00 UTC is 12-01 there.
    assert service_start(date(2026, 11, 20), datetime(2026, 11, 30, 17, 0, tzinfo=UTC)) == date(2026, 12, 1)
    assert service_start(date(2026, 12, 5), datetime(2026, 11, 30, 1, 0, tzinfo=UTC)) == date(2026, 12, 5)
    assert parse_reasons(["ILLEGIBLE", "illegible"], None) == [FailReason.ILLEGIBLE]
    for codes, note in (([], None), (["smudge"], None), (["other"], " ")):
        with pytest.raises(InvalidInput):
            parse_reasons(codes, note)
    record = CustomerFacts("key", "北京市海淀区中关村大街1号", "+861062345678")
    check_against_record(1, CustomerFacts("key", "北京市 海淀区中关村大街１号", "+861062345678"), record)
    with pytest.raises(Refused, match="licensed name, phone on the documents do not match"):
        check_against_record(1, CustomerFacts("other", record.address, "+861000000000"), record)


def test_the_callback_signature_and_window():
    body, now = b'{"order":"BJ1","result":"pass"}', datetime.now(UTC)
    stamp = str(int(now.timestamp()))
    verify("s", stamp, signature("s", stamp, body), body, now, 300)
    for secret, at, sig, why in (
            ("", stamp, "x", "not configured"), ("s", None, "x", "needs X-Orderflow-Timestamp"),
            ("s", stamp, signature("t", stamp, body), "does not match"),
            ("s", str(int(now.timestamp()) - 301), signature("s", str(int(now.timestamp()) - 301), body),
             "more than 300 seconds"),
            ("s", str(int(now.timestamp()) + 301), signature("s", str(int(now.timestamp()) + 301), body),
             "more than 300 seconds"),
            ("s", stamp, "é" * 64, "does not match")):
        with pytest.raises(NotAuthenticated, match=why):
            verify(secret, at, sig, body, now, 300)


