"""The follow-ups' invariants (tests/invariants.py calls them): a closed case has its resolution, every case's
events agree with its status, and a refund stays with finance and is resolved only with its reference."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.follow_up_models import FollowUp, FollowUpComment, FollowUpEvent
from db.models import User


def follow_up_violations(session: Session) -> list[str]:
    bad = []
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for case_id, kind in session.execute(select(FollowUpEvent.case_id, FollowUpEvent.kind)):
        kinds[case_id][kind] += 1
    comments = Counter(session.scalars(select(FollowUpComment.case_id)))
    finance = set(session.scalars(select(User.username).where(User.role == "finance"))) | {"desk:finance"}
    for case in session.scalars(select(FollowUp)):
        seen = kinds.get(case.id, Counter())
        if case.status == "CLOSED" and not (case.outcome and (case.resolution or "").strip() and case.closed_at):
            bad.append(f"follow-up {case.id} is closed without its outcome and resolution")
        if case.status == "OPEN" and (case.outcome or case.closed_at):
            bad.append(f"follow-up {case.id} is open but has an outcome")
        if seen["opened"] != 1:
            bad.append(f"follow-up {case.id} was opened {seen['opened']} times")
        if seen["closed"] != (1 if case.status == "CLOSED" else 0):
            bad.append(f"follow-up {case.id} is {case.status} with {seen['closed']} close event(s)")
        for once in ("reminded", "escalated"):
            if seen[once] > case.wait:
                bad.append(f"follow-up {case.id}: {seen[once]} '{once}' events in {case.wait} wait(s)")
        if case.overdue and case.status == "OPEN" and not seen["escalated"]:
            bad.append(f"follow-up {case.id} is overdue but was never escalated")
        if case.type == "refund" and case.status == "CLOSED" and case.outcome == "resolved" and not case.reference:
            bad.append(f"refund {case.id} was resolved without its payment's reference")
        if case.type == "refund" and case.assignee not in finance:
            bad.append(f"refund {case.id} waits for {case.assignee}, outside finance")
        if comments[case.id] != seen["comment"]:
            bad.append(f"follow-up {case.id}: {comments[case.id]} comments, {seen['comment']} comment events")
    return bad
