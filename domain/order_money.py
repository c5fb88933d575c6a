"""The money rules of an order: payments adding up, when the money counts, what must happen to money kept on an
order before it may end, and which payment a person may take back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.errors import Refused
from domain.order import OrderStatus

S = OrderStatus


@dataclass(frozen=True)
class PaymentOutcome:
    paid_total: Decimal
    outstanding: Decimal
    overpaid: Decimal
    completes: bool


def apply_payment(amount_due: Decimal, paid_so_far: Decimal, payment: Decimal) -> PaymentOutcome:
    """Payments accumulate; the one that covers the amount completes the order."""
    total = paid_so_far + payment
    return PaymentOutcome(
        paid_total=total,
        outstanding=max(amount_due - total, Decimal("0.00")),
        overpaid=max(total - amount_due, Decimal("0.00")),
        completes=total >= amount_due,
    )


def paid_target(status: OrderStatus, outcome: PaymentOutcome) -> OrderStatus:
    """Where a payment leaves the order: only an order waiting for payment can take effect; on any other the money
    is kept and waits for the order (settle_kept_money)."""
    if status is not S.AWAITING_PAYMENT:
        return status
    return S.EFFECTIVE if outcome.completes else S.AWAITING_PAYMENT


def effective_date(paid_on: date, signed_on: date | None) -> date:
    """The value date of the completing payment (订单生效日为到帐时间), but never before the signing: money paid in
    advance is kept, and an order cannot take effect before it exists."""
    return max(paid_on, signed_on) if signed_on is not None else paid_on


@dataclass(frozen=True)
class Settled:
    target: OrderStatus
    effective_on: date | None  # the value date of the payment that completed the amount
    overpaid: Decimal


def settle_kept_money(amount_due: Decimal, payments: list[tuple[Decimal, date]],
                      signed_on: date | None = None) -> Settled:
    """An order that reaches AWAITING_PAYMENT (approved by the second review, or an expired one revived) counts the
    money kept on it: it waits for the rest (a fresh payment window), or, when that money covers the amount, takes
    effect at once on the value date of the payment that completed it (effective_date), not the day of the
    approval, which only lets money that came early or late count (README: the order)."""
    total = Decimal("0.00")
    for amount, paid_on in sorted(payments, key=lambda p: p[1]):  # in the order the money arrived
        total += amount
        if total >= amount_due:
            overpaid = sum((a for a, _ in payments), Decimal("0.00")) - amount_due
            return Settled(S.EFFECTIVE, effective_date(paid_on, signed_on), overpaid)
    return Settled(S.AWAITING_PAYMENT, None, Decimal("0.00"))



def check_holds_no_money(number: str, ending: str, bank_refs: list[str], by_hand: list[int]) -> None:
    """Money kept on an order (it may arrive before approval, or during a rejection loop) never dies with it: before
    the order is voided or replaced by a reissue (`ending`), finance takes bank lines back to the queue, where they
    are matched again or refunded with a reason, and reverses payments recorded by hand (numbered as the order lists
    its payments, from 1), to record them again where they belong. `bank_refs` and `by_hand` name what is kept."""
    if not bank_refs and not by_hand:
        return
    todo = []
    if bank_refs:
        todo.append(f"unmatch bank line(s) {', '.join(bank_refs)} (payments unmatch REF --reason ...), which "
                    f"sends the money back to the queue")
    if by_hand:
        todo.append(f"reverse payment(s) {', '.join(str(n) for n in by_hand)} recorded by hand (payments reverse "
                    f"{number} N --amount ... --reason ...)")
    raise Refused(f"order {number} holds money; before it can be {ending}, finance must " + " and ".join(todo))


def kept_money(payments: list[tuple[str | None, Decimal]]) -> tuple[list[str], list[int]]:
    """What an order keeps, as check_holds_no_money names it: its bank lines, and the numbers (from 1, in the order
    the payments are listed) of those recorded by hand."""
    return ([ref for ref, _ in payments if ref is not None],
            [n for n, (ref, _) in enumerate(payments, start=1) if ref is None])


def check_hand_payment(number: str, index: int, listed: list[tuple[str | None, Decimal, date]],
                       amount: Decimal, paid_on: date) -> None:
    """A payment recorded by hand is reversed by its number in the order's list of payments, with the amount and
    date it was read with: a list that changed since it was read (another reversal, an unmatch) refuses rather than
    taking back other money. Two hand payments of one amount on one day are the same money, whichever is taken.
    A bank line's payment is unmatched instead, so the line goes back to the queue."""
    if not 1 <= index <= len(listed):
        raise Refused(f"order {number} lists {len(listed)} payment(s); there is no payment {index}")
    ref, paid, listed_on = listed[index - 1]
    if ref is not None:
        raise Refused(f"payment {index} of order {number} is bank line {ref}: unmatch it instead (payments "
                      f"unmatch {ref} --reason ...), so the line goes back to the queue")
    if (paid, listed_on) != (amount, paid_on):
        raise Refused(f"payment {index} of order {number} is {paid} recorded by hand on {listed_on}, not {amount} "
                      f"on {paid_on}; show the order again and name the payment to reverse")
