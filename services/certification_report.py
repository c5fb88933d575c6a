"""The ops report's certification (认证) section."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from db.certification_repo import at_agency, counts_by_status, services_started, uncertified
from db.org_repo import scope_for
from domain.fields import business_date
from domain.people import Actor
from services.context import Services


def report(services: Services, actor: Actor, now: datetime, partner: str | None) -> dict[str, Any]:
    """The ops report's section, within the actor's scope (and the one partner asked for): counts by status, how
    long each waits at the agency (oldest first), the services started in the 30 days to `now` (Beijing days), and
    the effective orders that have no certification at all (to start by hand)."""
    last = business_date(now)
    with services.transaction() as session:
        scope = scope_for(session, actor)
        partners = {partner} if partner else (None if scope.everything else set(scope.partners))
        waiting = at_agency(session, partners)
        started = services_started(session, partners, last - timedelta(days=SERVICE_START_DAYS), last)
        missing, missed = uncertified(session, partners, limit=50)
        return {"by_status": counts_by_status(session, partners),
                "waiting_at_agency": [{"order": r.order_number, "partner": r.partner_code,
                                       "since": r.status_since.isoformat(),
                                       "days": (now - r.status_since).days} for r in waiting],
                "service_started": [{"order": o.number, "partner": o.partner_code,
                                     "effective_on": o.effective_on.isoformat() if o.effective_on else None,
                                     "service_starts_on": o.service_starts_on.isoformat() if o.service_starts_on
                                     else None} for o in started],
                "without_certification": {"count": missing, "latest": [
                    {"order": o.number, "partner": o.partner_code,
                     "effective_on": o.effective_on.isoformat() if o.effective_on else None} for o in missed]}}


SERVICE_START_DAYS = 30  # how far back the ops report lists the services that started
