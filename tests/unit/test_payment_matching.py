"""How the automatic match ranks orders that wait for payment against orders that only keep money (issue #16)."""

from decimal import Decimal

from domain.payments import Candidate, LineStatus, decide_match

AMOUNT = Decimal("500.00")


def test_an_order_that_keeps_money_is_matched_when_it_alone_fits():
    decision = decide_match(AMOUNT, [Candidate("A", AMOUNT, waiting=False), Candidate("B", Decimal("600.00"))])
    assert (decision.status, decision.order_number) == (LineStatus.MATCHED, "A")


def test_an_order_waiting_for_payment_comes_before_one_that_keeps_money():
    decision = decide_match(AMOUNT, [Candidate("A", AMOUNT, waiting=False), Candidate("B", AMOUNT)])
    assert (decision.status, decision.order_number) == (LineStatus.MATCHED, "B")


def test_two_orders_that_keep_money_and_fit_are_for_finance():
    decision = decide_match(AMOUNT, [Candidate("A", AMOUNT, waiting=False), Candidate("B", AMOUNT, waiting=False)])
    assert (decision.status, decision.candidates) == (LineStatus.AMBIGUOUS, ("A", "B"))


def test_a_line_from_another_payer_is_matched_by_hand_only_with_a_reason_naming_both():
    from domain.errors import InvalidInput
    from domain.payments import payer_mismatch

    assert payer_mismatch("R1", "张三", "BJ100001", None, None) is None  # the payer is the order's customer
    try:
        payer_mismatch("R1", "张三", "BJ100001", "美来尔工程技术有限公司", None)
        raise AssertionError("a mismatch without a reason was accepted")
    except InvalidInput as err:
        assert '"张三"' in err.message and '"美来尔工程技术有限公司"' in err.message and "reason" in err.message
    assert payer_mismatch("R1", "张三", "BJ100001", "美来尔", "the owner paid") == "payer mismatch: the owner paid"
