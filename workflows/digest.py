"""The daily digest (每日摘要), run at 09:00 Beijing time by a Temporal Schedule: each person with something
waiting, overdue or about to be recycled gets one notification listing it, keyed by day and person."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.digest import DigestActivities
    from activities.notifications import NotificationActivities
    from domain.fields import business_date
    from orderflow.digest_contracts import DigestFor, DigestInput, DigestPeople, DigestResult, DigestRun
    from workflows.machine import OUTAGE_RETRY, RECORD_TIMEOUT

# A digest run reads every active person's items: a big org's first read may take a while.
READ_TIMEOUT = timedelta(minutes=5)


@workflow.defn
class DigestWorkflow:
    """Guarantees: one digest per person and business day, whatever the retries and re-runs (the notify
    activity keeps each key once); the history stays bounded (three activities a person, continued as new when
    the server suggests it); the text, read at send time, says what waits at that moment."""

    @workflow.run
    async def run(self, inp: DigestInput) -> DigestResult:
        as_of = inp.as_of or workflow.now()
        people = inp.people
        if people is None:
            found: DigestPeople = await workflow.execute_activity_method(
                DigestActivities.digest_people, DigestRun(as_of=as_of), start_to_close_timeout=READ_TIMEOUT,
                retry_policy=OUTAGE_RETRY, summary="who has something waiting")
            people = found.usernames
        day = business_date(as_of)
        sent = 0
        for n, username in enumerate(people):
            if workflow.info().is_continue_as_new_suggested():
                workflow.continue_as_new(DigestInput(per_section=inp.per_section, as_of=as_of, people=people[n:]))
            note = await workflow.execute_activity_method(
                DigestActivities.digest_note,
                DigestFor(username=username, as_of=as_of, day=day, per_section=inp.per_section),
                start_to_close_timeout=RECORD_TIMEOUT, retry_policy=OUTAGE_RETRY, summary=f"digest of {username}")
            if note is None:
                continue
            if await workflow.execute_activity_method(
                    NotificationActivities.notify, note, start_to_close_timeout=RECORD_TIMEOUT,
                    retry_policy=OUTAGE_RETRY, summary=f"send the digest to {username}"):
                sent += 1
        return DigestResult(people=len(people), sent=sent)
