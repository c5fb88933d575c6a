"""Recording order steps in the read model."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from db.customer_repo import customer_ref
from db.engine import unit_of_work
from db.models import Order
from db.order_repo import EventRow, OrderWrite, PaymentRow, event_exists, get_customer, write_step
from db.org_repo import all_ranges, load_actor
from db.payment_repo import claim_line, release_line
from db.warehouse_repo import touch_contact
from domain.errors import NotFound, NotPermitted
from domain.numbers import owning_range, parse_number
from domain.order import Action, OrderParties, check_actor, check_issue, check_signing_customer
from orderflow.contracts import TransitionRecord
from orderflow.failures import business_errors

SYSTEM_ACTIONS = frozenset({Action.REMIND, Action.ESCALATE, Action.PRESUME_LOST, Action.EXPIRE})


class OrderActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
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
            if rec.action is Action.SIGN and rec.fields.customer_id is not None:
                customer = get_customer(session, rec.fields.customer_id)
                check_signing_customer(customer_ref(session, customer), rec.rep)
            self._move_line(session, rec)
            if rec.actor is not None and rec.fields.customer_id is not None:
                # Signing, each step and each payment is follow-up: the customer is not recycled meanwhile. A
                # deadline passing (no actor) is nobody's contact.
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
            return True

    @staticmethod
    def _move_line(session: Session, rec: TransitionRecord) -> None:
        """A bank line follows its payment in the same transaction: matched once, released on unmatch."""
        if rec.line_ref is None or rec.actor is None:
            return
        if rec.action is Action.PAY:
            claim_line(session, rec.line_ref, rec.order_number, rec.actor.username, rec.data.get("match", "manual"),
                       rec.at)
        elif rec.action is Action.UNMATCH:
            release_line(session, rec.line_ref, rec.order_number, rec.actor.username, rec.data.get("reason", ""),
                         rec.at)

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
            if rec.action not in SYSTEM_ACTIONS:
                raise NotPermitted(f"'{rec.action.value}' on order {rec.order_number} needs a person to do it")
            return
        actor = load_actor(session, rec.actor.username)
        if actor.role is not rec.actor.role:
            raise NotPermitted(f"{rec.actor.username} acts as {rec.actor.role} but the org says {actor.role}")
        parties = OrderParties(rec.order_number, rec.partner, rec.rep, rec.fields.first_reviewer)
        if rec.action is not Action.ISSUE:
            check_actor(rec.action, actor, parties, rec.source)
