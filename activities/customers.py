"""Customer activities: transfer-in applications and recycling to the public pool."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.notifications import Dispatch
from db.customer_repo import held_by
from db.delivery_repo import PENDING, plan_deliveries
from db.engine import unit_of_work
from db.models import Application, Notification
from db.org_repo import load_actor
from db.warehouse_repo import lock_customer, move, stale_customers
from domain.errors import Refused
from domain.fields import business_date
from domain.people import Role
from domain.warehouse import check_cap, protected_since, recycle_date
from orderflow.customer_contracts import ApplicationRecord, RecycleResult, RecycleRun, TransferMove
from orderflow.failures import business_errors
from orderflow.notify import Sender


class CustomerActivities:
    def __init__(self, sessions: sessionmaker[Session], caps: dict[Role, int], sender: Sender,
                 dispatch: Dispatch | None = None) -> None:
        self._sessions, self._caps, self._sender, self._dispatch = sessions, caps, sender, dispatch

    @activity.defn(name="record_application")
    def record_application(self, rec: ApplicationRecord) -> None:
        """Upsert the application's row; writing the same status again changes nothing."""
        with unit_of_work(self._sessions) as session:
            row = session.get(Application, rec.application_id)
            if row is None:
                session.add(Application(id=rec.application_id, customer_id=rec.customer_id, rep=rec.rep,
                                        reason=rec.reason, status=rec.status, filed_at=rec.at))
            elif row.status != rec.status:
                row.status, row.decided_by, row.decision, row.decided_at = (rec.status, rec.decided_by,
                                                                            rec.decision, rec.at)

    @activity.defn(name="transfer_in")
    @business_errors
    def transfer_in(self, move_in: TransferMove) -> str:
        """Move an approved application's customer, correcting its region; the cap is checked now."""
        with unit_of_work(self._sessions) as session:
            customer = lock_customer(session, move_in.customer_id)
            reason = f"transfer-in approved ({move_in.application_id})"
            if customer.owner == move_in.rep:
                return customer.region  # an earlier attempt moved it
            if customer.owner is not None:
                raise Refused(f"customer {customer.id} left the pool (now held by {customer.owner}) "
                              "before the application was approved")
            rep = load_actor(session, move_in.rep)
            check_cap(rep.username, rep.role, held_by(session, rep.username), self._caps)
            move(session, customer, rep.username, reason=reason, actor="approval group", at=move_in.at,
                 partner=min(rep.partners, default=None))
            customer.region = move_in.region
            return customer.region

    @activity.defn(name="recycle")
    def recycle(self, run: RecycleRun) -> RecycleResult:
        """Warn the holders of customers close to recycling, or send customers without follow-up to the pool;
        a customer being served (domain.warehouse) is neither. Each warning is keyed by customer and last
        contact, so a retry or a daily re-run writes it once."""
        warned, recycled = 0, 0
        outbox: list[tuple[str, str, str, str | None]] = []
        channels = self._dispatch.channels if self._dispatch else None
        with unit_of_work(self._sessions) as session:
            for customer in stale_customers(session, run.contact_before,
                                            protected_since(run.as_of, run.protect_days)):
                owner = customer.owner
                assert owner is not None
                if run.warn_only:
                    key = f"customer:{customer.id}:recycle-warning:{customer.last_contact_at:%Y%m%d%H%M%S}"
                    on = recycle_date(customer.last_contact_at, run.after_days, run.as_of)
                    text = (f"Customer {customer.id} '{customer.name}' has had no follow-up since "
                            f"{business_date(customer.last_contact_at):%Y-%m-%d} and goes back to the public pool "
                            f"on {on:%Y-%m-%d}; add a note before then to keep it.")
                    warned += self._notify(session, outbox, key, owner, customer.id, "recycle-warning",
                                           text, run.as_of, channels)
                else:
                    move(session, customer, None, reason="recycled: no follow-up", actor="system", at=run.as_of)
                    key = f"customer:{customer.id}:recycled:{run.as_of:%Y%m%d%H%M%S}"
                    self._notify(session, outbox, key, owner, customer.id, "recycled",
                                 f"Customer {customer.id} '{customer.name}' went back to the public pool.", run.as_of,
                                 channels)
                    recycled += 1
        for recipient, kind, text, pending_key in outbox:  # sent after the commit, as order notifications are
            self._sender.send_text(recipient, kind, text)
            if pending_key is not None and self._dispatch is not None:
                self._dispatch(pending_key)  # a crash before this: the delivery sweep starts it
        return RecycleResult(warned=warned, recycled=recycled)

    @staticmethod
    def _notify(session: Session, outbox: list[tuple[str, str, str, str | None]], key: str, recipient: str,
                customer_id: int, kind: str, text: str, at: datetime, channels: frozenset[str] | None) -> int:
        if session.scalar(select(Notification.id).where(Notification.key == key)) is not None:
            return 0
        session.add(Notification(key=key, recipient=recipient, order_number=f"customer:{customer_id}", kind=kind,
                                 due_at=None, text=text, created_at=at))
        session.flush()
        rows = plan_deliveries(session, key, recipient, at, channels)
        outbox.append((recipient, kind, text, key if any(r.status == PENDING for r in rows) else None))
        return 1
