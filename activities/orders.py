"""Recording order steps in the read model."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from db.customer_repo import customer_ref
from db.engine import unit_of_work
from db.models import Order
from db.order_repo import EventRow, OrderWrite, PaymentRow, event_exists, get_customer, partner_accounts, write_step
from db.org_repo import all_ranges, load_actor, scope_for
from db.payment_repo import candidates, claim_line, open_lines_of, release_line, reverse_hand_payment
from db.warehouse_repo import lock_customer, move, touch_contact
from domain.errors import NotFound, NotPermitted
from domain.numbers import owning_range, parse_number
from domain.order import (
    Action,
    OrderParties,
    OrderStatus,
    check_actor,
    check_issue,
    check_reassign,
    check_signing_customer,
    reassigned_customer_moves,
)
from domain.payments import LineStatus, decide_match
from orderflow.contracts import PaidLine, QueuedLinesInput, TransitionRecord
from orderflow.failures import business_errors

SYSTEM_ACTIONS = frozenset({Action.REMIND, Action.ESCALATE, Action.PRESUME_LOST, Action.EXPIRE})
# The workflow itself matches a queued bank line when its order reaches AWAITING_PAYMENT (find_queued_line).
SYSTEM = "system"


class OrderActivities:
    def __init__(self, sessions: sessionmaker[Session],
                 on_effective: Callable[[str], None] | None = None) -> None:
        # Called after an order is written EFFECTIVE (activities/certification_start.py starts its certification).
        self._on_effective = on_effective
        self._sessions = sessions

    @activity.defn(name="record_step")
    @business_errors
    def record_step(self, rec: TransitionRecord) -> bool:
        """Write one step; False when an earlier attempt already wrote it (by order and seq, or issue id)."""
        with unit_of_work(self._sessions) as session:
            if rec.action is Action.ISSUE:
                existing = session.get(Order, rec.order_number)
                if existing is not None and existing.issue_id == rec.issue_id:
                    return False
                self._check_issue(session, rec, existing.status if existing else None)
            elif event_exists(session, rec.order_number, rec.seq):
                return False
            self._check_actor(session, rec)
            if rec.action is Action.REASSIGN:
                self._reassign(session, rec)
            if rec.action is Action.SIGN and rec.fields.customer_id is not None:
                customer = get_customer(session, rec.fields.customer_id)
                check_signing_customer(customer_ref(session, customer), rec.rep)
            self._move_line(session, rec)
            if (rec.actor is not None or rec.action is Action.PAY) and rec.fields.customer_id is not None:
                # Signing, each step and each payment (a queued line matched by the workflow too) is follow-up: the
                # customer is not recycled meanwhile. A deadline passing (no actor) is nobody's contact.
                touch_contact(session, rec.fields.customer_id, rec.at)
            values = rec.fields.model_dump(exclude={"rejection", "payments"})
            values["rejection"] = rec.fields.rejection.model_dump(mode="json") if rec.fields.rejection else None
            values["supervisor"] = rec.supervisor
            values["status_since"] = rec.status_since or rec.at
            if rec.action is Action.ISSUE:
                values["issue_id"] = rec.issue_id
            write_step(
                session,
                EventRow(rec.order_number, rec.seq, rec.action.value, rec.actor.username if rec.actor else "system",
                         rec.source.value if rec.source else None, rec.target.value, rec.at, rec.note, rec.data),
                OrderWrite(rec.order_number, rec.partner, rec.rep, rec.target.value,
                           rec.pending_role.value if rec.pending_role else None, rec.pending_user, values),
                PaymentRow(rec.payment, rec.payment_on, rec.line_ref)
                if rec.payment is not None and rec.payment_on is not None else None,
            )
        if self._on_effective is not None and rec.target is OrderStatus.EFFECTIVE \
                and rec.source is not OrderStatus.EFFECTIVE:
            self._on_effective(rec.order_number)  # after the commit: the certification reads the order
        return True

    @activity.defn(name="find_queued_line")
    def find_queued_line(self, inp: QueuedLinesInput) -> PaidLine | None:
        """The oldest queued line of the order's customer that the automatic match now gives to this order (it owes
        exactly that amount, and no other order of the payer does). Reads only: the payment that follows claims the
        line by its bank reference, once."""
        with unit_of_work(self._sessions) as session:
            for row in open_lines_of(session, inp.customer_id):
                decision = decide_match(row.amount, candidates(session, row.payer_key))
                if decision.status is LineStatus.MATCHED and decision.order_number == inp.order_number:
                    return PaidLine(ref=row.bank_ref, amount=row.amount, paid_on=row.value_date)
            return None

    @staticmethod
    def _move_line(session: Session, rec: TransitionRecord) -> None:
        """A bank line follows its payment in the same transaction: matched once, released on unmatch."""
        who = rec.actor.username if rec.actor else SYSTEM  # a queued line the workflow matched itself
        if rec.action is Action.REVERSE:
            reverse_hand_payment(session, rec.order_number, Decimal(rec.data["amount"]),
                                 date.fromisoformat(rec.data["paid_on"]), who, rec.data.get("reason", ""), rec.at)
        if rec.line_ref is None:
            return
        if rec.action is Action.PAY:
            claim_line(session, rec.line_ref, rec.order_number, who, rec.data.get("match", "manual"), rec.at)
        elif rec.action is Action.UNMATCH:
            release_line(session, rec.line_ref, rec.order_number, who, rec.data.get("reason", ""), rec.at)

    @staticmethod
    def _reassign(session: Session, rec: TransitionRecord) -> None:
        """The new rep, as the org has them now; and a signed order's customer follows it to their warehouse in
        this same transaction, with an ownership record (the one way customers move)."""
        assert rec.actor is not None  # _check_actor refused a step without a person
        actor, old = load_actor(session, rec.actor.username), rec.data["from"]
        if not scope_for(session, actor).covers(rec.partner):
            raise NotPermitted(f"{actor.describe()} may not reassign order {rec.order_number}: it belongs to "
                               f"partner {rec.partner}, outside the user's scope")
        try:
            rep = load_actor(session, rec.rep)
        except NotFound:
            rep = None
        check_reassign(rec.order_number, rec.partner, old, rep, rec.rep)
        if rec.fields.customer_id is None:
            return  # a blank form: no customer yet
        customer = lock_customer(session, rec.fields.customer_id)
        if reassigned_customer_moves(rec.order_number, customer.owner, old, rec.rep,
                                     partner_accounts(session, rec.partner)):
            move(session, customer, rec.rep, reason=f"order {rec.order_number} reassigned from {old}: "
                 f"{rec.data.get('reason', '')}"[:200], actor=actor.username, at=rec.at, partner=rec.partner)

    @staticmethod
    def _check_issue(session: Session, rec: TransitionRecord, existing_status: str | None) -> None:
        """The number's range, its never having been issued, and the rep: as the database has them now."""
        if rec.actor is None:
            raise NotPermitted(f"order {rec.order_number} cannot be issued without an acting assistant")
        owning = owning_range(parse_number(rec.order_number), all_ranges(session))
        if owning is not None and owning.partner != rec.partner:
            owning = None
        try:
            rep = load_actor(session, rec.rep)
        except NotFound:
            rep = None
        check_issue(rec.order_number, owning, load_actor(session, rec.actor.username), rep, rec.rep,
                    existing_status)

    @staticmethod
    def _check_actor(session: Session, rec: TransitionRecord) -> None:
        """The workflow checked the actor it was given; the database has the final word."""
        if rec.actor is None:
            if rec.action not in SYSTEM_ACTIONS and not (rec.action is Action.PAY and rec.line_ref):
                raise NotPermitted(f"'{rec.action.value}' on order {rec.order_number} needs a person to do it")
            return
        actor = load_actor(session, rec.actor.username)
        if actor.role is not rec.actor.role:
            raise NotPermitted(f"{rec.actor.username} acts as {rec.actor.role} but the org says {actor.role}")
        parties = OrderParties(rec.order_number, rec.partner, rec.rep, rec.fields.first_reviewer)
        if rec.action is not Action.ISSUE:
            check_actor(rec.action, actor, parties, rec.source)
