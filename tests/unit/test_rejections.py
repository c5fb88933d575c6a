"""Where a rejected order comes round again once the rep has corrected it, called directly."""

from __future__ import annotations

import pytest

from domain.order import OrderStatus
from domain.rejections import Reason, remedy_of, return_target

S = OrderStatus


@pytest.mark.parametrize(("stage", "reasons", "back_to"), [
    # The scan is made after the first review: the first review's rejection never skips it (issue #16).
    (S.FIRST_REVIEW, [Reason.ILLEGIBLE_SCAN], S.FIRST_REVIEW),
    (S.FIRST_REVIEW, [Reason.ILLEGIBLE_SCAN, Reason.AMOUNT_MISMATCH], S.FIRST_REVIEW),
    (S.FIRST_REVIEW, [Reason.AMOUNT_MISMATCH], S.FIRST_REVIEW),
    (S.FIRST_REVIEW, [Reason.ILLEGIBLE_SCAN, Reason.MISSING_STAMP], S.AWAITING_ORIGINAL),  # then the first review
    # The second review's rejection for the scan needs only a new scan.
    (S.SECOND_REVIEW, [Reason.ILLEGIBLE_SCAN], S.AWAITING_SCAN),
    (S.SECOND_REVIEW, [Reason.ILLEGIBLE_SCAN, Reason.OTHER], S.AWAITING_SCAN),
    (S.SECOND_REVIEW, [Reason.OTHER], S.SECOND_REVIEW),
    (S.SECOND_REVIEW, [Reason.SALES_SIGNATURE, Reason.ILLEGIBLE_SCAN], S.AWAITING_ORIGINAL),
])
def test_a_corrected_order_returns_to_its_remedy_but_never_past_the_review_that_rejected_it(
        stage: OrderStatus, reasons: list[Reason], back_to: OrderStatus):
    assert return_target(remedy_of(reasons), stage) is back_to
