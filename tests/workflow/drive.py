"""Drive an order workflow to a given state with stand-in activities."""

from __future__ import annotations

from temporalio.client import WorkflowHandle

from domain.fields import business_date
from domain.order import OrderStatus
from orderflow.contracts import OrderView, ScanInput
from tests.helpers import ASSISTANT, second_review, sign, step
from workflows.order import OrderWorkflow

ORDER_OF_STEPS = [
    OrderStatus.ISSUED, OrderStatus.AWAITING_ORIGINAL, OrderStatus.FIRST_REVIEW, OrderStatus.AWAITING_SCAN,
    OrderStatus.SECOND_REVIEW, OrderStatus.AWAITING_PAYMENT,
]


def scan_input(key: str = "staging/k") -> ScanInput:
    return ScanInput(actor=ASSISTANT, staging_key=key, size=3, sha256="b" * 64, filename="x.pdf")


async def drive(handle: WorkflowHandle[OrderWorkflow, OrderView], to: OrderStatus) -> OrderView:
    """From wherever the order is on the happy path, forward to `to`."""
    view = await handle.query(OrderWorkflow.view)
    while view.status is not to:
        match view.status:
            case OrderStatus.ISSUED:
                # The workflow's clock, which on the time-skipping server runs ahead of ours.
                view = await handle.execute_update(OrderWorkflow.sign,
                                                   sign(signed_on=business_date(view.timeline[-1].at)))
            case OrderStatus.AWAITING_ORIGINAL:
                view = await handle.execute_update(OrderWorkflow.receive, step())
            case OrderStatus.FIRST_REVIEW:
                view = await handle.execute_update(OrderWorkflow.first_review, step())
            case OrderStatus.AWAITING_SCAN:
                view = await handle.execute_update(OrderWorkflow.scan, scan_input(f"staging/{len(view.timeline)}"))
            case OrderStatus.SECOND_REVIEW:
                view = await handle.execute_update(OrderWorkflow.second_review, second_review())
            case _:
                raise AssertionError(f"cannot drive from {view.status} to {to}")
    return view
