"""What operations staff look at: saved Temporal Web UI queries and the ageing report."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from db.delivery_repo import delivery_counts
from db.org_repo import partner_codes, scope_for
from domain.errors import NotFound
from domain.fields import BUSINESS_TZ
from domain.people import Actor, check_partner_code, check_username
from domain.permissions import Perm, Scope, require
from orderflow.ops.html import render_html
from orderflow.ops.queries import saved_queries as queries_for
from orderflow.ops.queries import ui_url
from orderflow.ops.report import load_report, report_json
from services.certification_report import report as certification_report
from services.context import Services
from services.follow_up_reads import report_section as follow_up_report


def _check_partner(session: Any, scope: Scope, partner: str | None) -> str | None:
    """The partner's code, checked: one of no code's form is refused by its form, without echoing it; one outside
    the actor's scope answers as one that does not exist."""
    if not partner:
        return None
    partner = check_partner_code(partner)
    if not scope.covers(partner) or partner not in partner_codes(session):
        raise NotFound(f"there is no partner {partner}")
    return partner


def saved_queries(services: Services, actor: Actor, partner: str | None = None, user: str | None = None,
                  limit: int = 100, offset: int = 0) -> list[dict[str, str]]:
    """Ready-made list queries for the Temporal Web UI, with links (for those who run the ops report)."""
    require(actor, Perm.OPS_REPORT, "see the operations queries")
    # The user goes into a Temporal list query inside quotes: `x" OR ChannelPartner!="` would widen it to every
    # partner's orders. A username's form has no quote, space or operator.
    user = check_username(user, "user") if user else None
    with services.transaction() as session:
        partner = _check_partner(session, scope_for(session, actor), partner)
    s = services.settings
    ui = f"http://127.0.0.1:{s.temporal_ui_port}"
    return [{"name": q.name, "query": q.query, "url": ui_url(ui, s.temporal_namespace, q.query)}
            for q in queries_for(datetime.now(UTC), partner, user)][offset:offset + limit]


def ops_report(services: Services, actor: Actor, partner: str | None = None, as_of: date | None = None,
               html: bool = False) -> dict[str, Any]:
    """Counts by status and partner, ageing buckets, the oldest orders and SLA breaches, as of the end of a day
    (Beijing time; default now), within the actor's scope. With `html`, also the self-contained HTML page under
    "html", rendered here so that clients need no report code."""
    moment = datetime.now(UTC)
    if as_of:
        moment = datetime.combine(as_of + timedelta(days=1), time(0), BUSINESS_TZ).astimezone(UTC)
    require(actor, Perm.OPS_REPORT, "run the ops report")
    with services.transaction() as session:
        scope = scope_for(session, actor)
        partner = _check_partner(session, scope, partner)
        result = load_report(session, moment, partner, None if scope.everything else set(scope.partners))
        # Deliveries are not per partner: headquarters' whole-report view only.
        deliveries = delivery_counts(session, moment - timedelta(hours=1)) \
            if scope.everything and partner is None and as_of is None else None
    data = report_json(result)
    if as_of is None:  # these sections tell the state now: a report as of a past day leaves them out
        data["certifications"] = certification_report(services, actor, moment, partner)
        data["follow_ups"] = follow_up_report(services, actor, moment, partner)
    if deliveries is not None:
        data["deliveries"] = deliveries
    if html:
        data["html"] = render_html(result, partner)
    return data
