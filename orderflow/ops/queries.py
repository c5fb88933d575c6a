"""Ready-made list queries for the Temporal Web UI, over our search attributes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote


@dataclass(frozen=True)
class SavedQuery:
    name: str
    query: str


def _at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def saved_queries(now: datetime, partner: str | None = None, user: str | None = None) -> list[SavedQuery]:
    """The partner and the user go inside quotes: the caller checks them by their form first (services/ops.py),
    since a quote in either would change what the query selects."""
    partner = partner or "BJ"
    user = user or "alice"
    return [
        SavedQuery("waiting for second review", 'OrderStatus="SECOND_REVIEW"'),
        SavedQuery("overdue originals", f'OrderStatus="AWAITING_ORIGINAL" AND DueAt < "{_at(now)}"'),
        SavedQuery("returned orders older than 5 days",
                   f'OrderStatus="RETURNED" AND StatusSince < "{_at(now - timedelta(days=5))}"'),
        SavedQuery(f"orders of partner {partner}", f'ChannelPartner="{partner}"'),
        SavedQuery(f"waiting for {user}", f'PendingUser="{user}"'),
        SavedQuery("escalated to a supervisor", 'OrderStatus="ESCALATED"'),
        SavedQuery("lost originals waiting for a reissue", 'OrderStatus="LOST"'),
        SavedQuery("every overdue step", f'DueAt < "{_at(now)}" AND ExecutionStatus="Running"'),
        SavedQuery("certifications waiting for the agency longer than 5 days",
                   f'CertificationStatus="AT_AGENCY" AND StatusSince < "{_at(now - timedelta(days=5))}"'),
        SavedQuery("follow-ups overdue",
                   f'FollowUpStatus IN ("OPEN", "OVERDUE") AND DueAt < "{_at(now)}" AND ExecutionStatus="Running"'),
    ]


def ui_url(ui: str, namespace: str, query: str) -> str:
    return f"{ui}/namespaces/{namespace}/workflows?query={quote(query)}"
