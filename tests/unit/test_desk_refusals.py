"""A refusal people often meet is said in Chinese on the desk: its code and facts cross Temporal with it (and
a malformed pair from the wire is dropped, never trusted), and the desk fills its sentence with the facts in
words; one it has no sentence for stays in the service's English."""

from __future__ import annotations

import pytest

from domain.errors import CustomerNotOwned, DomainError, ErrorKind, Refused, WrongState
from domain.order import Action, OrderParties, OrderStatus, check_step
from domain.people import Actor, Role
from orderflow.failures import from_application_error, to_application_error
from web.i18n import translations
from web.refusals import SAID, explain

ZH = translations("zh").gettext
EN = translations("en").gettext
AMY = Actor(username="amy", role=Role.ASSISTANT, partners=frozenset({"BJ"}))


def wrong_state() -> WrongState:
    with pytest.raises(WrongState) as caught:
        check_step(Action.FIRST_REVIEW, OrderStatus.ISSUED, AMY, OrderParties("BJ100001", "BJ", "alice", None, None))
    return caught.value


def test_a_wrong_state_crosses_temporal_and_reads_in_chinese() -> None:
    err = from_application_error(to_application_error(wrong_state()))
    assert (err.kind, err.code) == (ErrorKind.REFUSED, "wrong_state")
    assert err.message == "Order BJ100001 is ISSUED; 'first_review' needs it to be FIRST_REVIEW"
    said = explain(err, ZH)
    assert said is not None
    assert "BJ100001" in said and "“已发放，待签约”" in said and ZH("Approve (first review)") in said
    assert f"只能在“{ZH('First review')}”时进行" in said and "needs it to be" not in said
    assert explain(err, EN) == ("Order BJ100001 is now at “Issued, not yet signed”; “Approve (first review)” can "
                                "only be done at “First review”. Someone may have moved it on: reload "
                                "the page to see where it stands.")


def test_every_status_list_and_the_unissued_case_are_worded() -> None:
    review = WrongState("BJ100002", "EFFECTIVE", "review", ["FIRST_REVIEW", "SECOND_REVIEW"])
    said = explain(review, ZH)
    assert said is not None and f"“{ZH('First review')}”或“{ZH('Second review')}”" in said and "review" in said
    unissued = WrongState("BJ100003", "", "sign", [])
    said = explain(unissued, ZH)
    assert said is not None and "尚未发放" in said and "订单尚未发放" in said
    assert unissued.message == "Order BJ100003 is not issued; 'sign' needs it to be not yet issued"


def test_a_customer_held_by_another_reads_in_chinese() -> None:
    err = from_application_error(to_application_error(CustomerNotOwned(7, "美来尔", "bob", "alice")))
    said = explain(err, ZH)
    assert said is not None and "客户 7（美来尔）" in said and "bob" in said and "公海" in said


@pytest.mark.parametrize("said", [{"code": "wrong_state", "params": {"order": 1}}, {"code": 5, "params": {}},
                                  {"code": "wrong_state"}, "wrong_state", None])
def test_a_malformed_code_from_the_wire_is_dropped(said: object) -> None:
    failure = to_application_error(Refused("Order BJ1 is EFFECTIVE"))
    failure = type(failure)(failure.message, failure.details[0], said, type="WrongState")
    err = from_application_error(failure)
    assert (err.kind, err.code, err.params, err.message) == (ErrorKind.REFUSED, None, {}, "Order BJ1 is EFFECTIVE")
    assert explain(err, ZH) is None


def test_facts_that_do_not_fit_leave_the_english_words() -> None:
    err = DomainError("Order X is odd")
    err.code, err.params = "wrong_state", {"order": "X", "status": "NO_SUCH", "action": "sign", "expected": ""}
    assert explain(err, ZH) is None
    err.code = "no_such_code"
    assert explain(err, ZH) is None
    assert all(ZH(sentence) != sentence for sentence in SAID.values())  # each sentence is in the catalogue


def test_the_warehouse_s_refusals_read_in_chinese() -> None:
    from datetime import UTC, datetime, timedelta

    from domain.warehouse import ClaimRules, PoolCustomer, check_cap, check_claim

    alice = Actor(username="alice", role=Role.SALES, partners=frozenset({"BJ"}), regions=frozenset({"北京"}))
    now = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    pooled = PoolCustomer(7, "长城建材有限公司", None, "the public pool", "北京")
    cases = [
        (lambda: check_cap("alice", Role.SALES, 400, {Role.SALES: 400}),
         "alice 的仓库已有 400 个客户，达到上限 400 个"),
        (lambda: check_claim(PoolCustomer(7, "长城建材有限公司", "alice", "alice", "北京"), alice, 0, None, now,
                             ClaimRules()), "客户 7（长城建材有限公司）已在您的仓库中"),
        (lambda: check_claim(PoolCustomer(7, "长城建材有限公司", "bob", "bob (Bob Li)", "北京"), alice, 0, None, now,
                             ClaimRules()), "由 bob (Bob Li) 持有，不在公海中"),
        (lambda: check_claim(PoolCustomer(7, "长城建材有限公司", None, "the public pool", "上海"), alice, 0, None,
                             now, ClaimRules()), "在上海的公海中，不在您的区域（北京）内"),
        (lambda: check_claim(pooled, alice, 5, None, now, ClaimRules()), "您今天已挑入 5 个客户，达到每日上限 5 个"),
        (lambda: check_claim(pooled, alice, 0, now - timedelta(days=1), now, ClaimRules()),
         "客户 7 于 2026-11-30 离开您的仓库：2026-12-30 起才能重新挑入"),
    ]
    for refuse, words in cases:
        with pytest.raises(Refused) as caught:
            refuse()
        said = explain(from_application_error(to_application_error(caught.value)), ZH)
        assert said is not None and words in said, (said, caught.value.message)


def test_an_entry_s_collisions_read_in_chinese() -> None:
    from domain.collisions import Hit, Match, decide_entry

    def hit(owner: str | None, match: Match = Match.NAME, region: str = "北京") -> Hit:
        return Hit(7, "美来尔工程技术(北京)有限公司", owner, "the public pool" if owner is None else owner, region,
                   match, 100 if match is not Match.SIMILAR else 91)

    cases = [(hit("alice"), "您仓库中的客户 7（美来尔工程技术(北京)有限公司）与本次录入名称相同"),
             (hit("bob", Match.PHONE), "其他销售的仓库中已有客户与本次录入电话相同：请将线索转交给持有人"),
             (hit(None, region="上海"), "上海公海中的客户 7 与本次录入名称相同：请为它提交调入申请"),
             (hit(None, Match.FAX), "您所在区域公海中的客户 7 与本次录入传真相同：请从公海挑入"),
             (hit("bob", Match.SIMILAR), "已有名称相近的客户（美来尔工程技术(北京)有限公司）：如果确实是另一家公司")]
    for found, words in cases:
        with pytest.raises(Refused) as caught:
            decide_entry([found], "alice", "北京", confirm_distinct=False)
        said = explain(from_application_error(to_application_error(caught.value)), ZH)
        assert said is not None and words in said, (said, caught.value.message)


@pytest.mark.parametrize(("typed", "words"), [
    ("一万二", "“一万二”不是数字：请用阿拉伯数字填写金额"), ("-5", "金额必须大于零（填写的是 -5）"),
    ("12.345", "金额 12.345 的小数超过两位"), ("99999999999", "超过上限")])
def test_a_mistyped_amount_reads_in_chinese(typed: str, words: str) -> None:
    from domain.errors import InvalidInput
    from domain.fields import parse_amount

    with pytest.raises(InvalidInput) as caught:
        parse_amount(typed, "payment amount")
    said = explain(caught.value, ZH)
    assert said is not None and words in said, said
    assert caught.value.message.startswith("payment amount")  # the API's and the CLI's words are unchanged


def test_a_date_out_of_place_reads_in_chinese() -> None:
    from datetime import date

    from domain.errors import InvalidInput
    from domain.fields import check_day

    cases = [(date(2026, 12, 2), None, "日期 2026-12-02 晚于今天（今天是 2026-12-01）"),
             (date(2026, 11, 1), date(2026, 11, 5), "日期 2026-11-01 早于上一步发生的日期 2026-11-05")]
    for day, since, words in cases:
        with pytest.raises(InvalidInput) as caught:
            check_day(day, "paid on", not_before=since, today=date(2026, 12, 1))
        said = explain(caught.value, ZH)
        assert said is not None and words in said, said
