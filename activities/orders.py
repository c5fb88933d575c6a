"""Recording order steps in the read model."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from db.customer_repo import customer_ref
from db.engine import unit_of_work
from db.order_repo import EventRow, OrderWrite, event_exists, get_customer, write_step
from db.org_repo import load_actor
from domain.errors import NotPermitted
from domain.order import Action, OrderParties, check_actor, check_signing_customer
from orderflow.contracts import TransitionRecord
from orderflow.failures import business_errors


class OrderActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @activity.defn(name="record_step")
    @business_errors
    def record_step(self, rec: TransitionRecord) -> bool:
        """Write one step; False when (order, seq) was already written by an earlier attempt."""
        with unit_of_work(self._sessions) as session:
            if event_exists(session, rec.order_number, rec.seq):
                return False
            # The workflow checked the actor it was given; the database has the final word.
            actor = load_actor(session, rec.actor.username)
            if actor.role is not rec.actor.role:
                raise NotPermitted(f"{rec.actor.username} acts as {rec.actor.role} but the org says {actor.role}")
            parties = OrderParties(rec.order_number, rec.partner, rec.rep, rec.fields.first_reviewer)
            check_actor(rec.action, actor, parties)
            if rec.action is Action.SIGN and rec.fields.customer_id is not None:
                customer = get_customer(session, rec.fields.customer_id)
                check_signing_customer(customer_ref(session, customer), rec.rep)
            values = rec.fields.model_dump()
            write_step(
                session,
                EventRow(rec.order_number, rec.seq, rec.action.value, rec.actor.username,
                         rec.source.value if rec.source else None, rec.target.value, rec.at, rec.note),
                OrderWrite(rec.order_number, rec.partner, rec.rep, rec.target.value,
                           rec.pending_role.value if rec.pending_role else None, rec.pending_user, values),
                (rec.payment, rec.payment_on) if rec.payment is not None else None,
            )
            return True
