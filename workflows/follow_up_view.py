"""What a follow-up shows outside its workflow: its search attributes, the Web UI's details and the words its
notices name it by. Pure functions of the case's view, so the workflow stays orchestration."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.follow_ups import CLOSED, OPEN, TYPE_LABELS, FollowUpType
from orderflow import search_attributes as sa
from orderflow.follow_up_contracts import FollowUpView
from orderflow.markdown import md_text


def label(view: FollowUpView) -> str:
    return TYPE_LABELS[FollowUpType(view.type)]


def subject(view: FollowUpView) -> str:
    """"261130-3fa2b1（订单 BJ100001）": the case and what it is about, without the customer's name."""
    on = f"订单 {view.order_number}" if view.order_number else f"客户 {view.customer_id}"
    return f"{view.case_id}（{on}）"


def search_updates(view: FollowUpView, assignee_role: str, since: datetime) -> list[Any]:
    """No personal data (no customer name, no description): the case's state, deadline and who it waits for."""
    status = CLOSED if view.status == CLOSED else ("OVERDUE" if view.overdue else OPEN)
    person = None if view.assignee.startswith("desk:") else view.assignee
    waiting = view.status == OPEN
    updates: list[Any] = [
        sa.FOLLOW_UP_STATUS.value_set(status),
        sa.DUE_AT.value_set(view.due_at),
        sa.STATUS_SINCE.value_set(view.closed_at or since),
        sa.PENDING_ROLE.value_set(assignee_role) if waiting else sa.PENDING_ROLE.value_unset(),
        sa.PENDING_USER.value_set(person) if person and waiting else sa.PENDING_USER.value_unset(),
    ]
    if view.order_number:
        updates.append(sa.ORDER_NUMBER.value_set(view.order_number))
    if view.partner:
        updates.append(sa.CHANNEL_PARTNER.value_set(view.partner))
    return updates


def details(view: FollowUpView) -> str:
    """The Web UI renders this as Markdown: every typed value through md_text."""
    status = CLOSED if view.status == CLOSED else ("OVERDUE" if view.overdue else OPEN)
    lines = [f"**{status}** — {view.type} ({label(view)}), waiting for {md_text(view.assignee)}", "",
             f"- due: {view.due_on.isoformat()} (Beijing)", f"- opened by {md_text(view.opener)}",
             f"- comments: {view.comments}, attachments: {len(view.attachments)}"]
    if view.outcome:
        lines.append(f"- closed: {view.outcome}")
    return "\n".join(lines)
