"""`orderflow customer transfer-in|applications|decide`: transfer-in applications (调入申请)."""

from __future__ import annotations

import typer

from orderflow.cli.customers import app
from orderflow.cli.runtime import fail, get, run


def _id(customer: int) -> str:
    return f"transfer-in-{customer}"


@app.command("transfer-in")
def transfer_in(ctx: typer.Context, customer: int = typer.Argument(...), reason: str = typer.Option(...)) -> None:
    """调入申请: apply for a pool customer from another region; the approval group decides."""
    cli = get(ctx)

    async def work() -> None:
        from sqlalchemy import select
        from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
        from temporalio.exceptions import WorkflowAlreadyStartedError

        from db.engine import unit_of_work
        from db.models import User
        from db.warehouse_repo import lock_customer, pool_view
        from domain.errors import Refused
        from domain.fields import clean_text
        from domain.warehouse import check_transfer_in
        from orderflow.customer_contracts import TransferInput
        from orderflow.desk import actor_ref
        from orderflow.temporal import connect
        from workflows.customers import TransferInWorkflow

        actor = cli.actor()
        why = clean_text(reason, "reason", max_len=1000)
        with unit_of_work(cli.sessions()) as session:
            found = lock_customer(session, customer, lock=False)
            region = check_transfer_in(pool_view(session, found), actor)
            approvers = list(session.scalars(select(User.username).where(User.role == "approval_group",
                                                                         User.active.is_(True))))
            name = found.name
        client = await connect(cli.settings)
        try:
            handle = await client.start_workflow(
                TransferInWorkflow.run,
                TransferInput(application_id=_id(customer), customer_id=customer, customer_name=name,
                              rep=actor_ref(actor), region=region, reason=why, approvers=approvers),
                id=_id(customer), task_queue=cli.settings.task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                static_summary=f"Transfer-in of customer {customer} to {actor.username}",
            )
        except WorkflowAlreadyStartedError:
            raise Refused(f"customer {customer} already has an open transfer-in application") from None
        view = await handle.query(TransferInWorkflow.view)
        cli.emit(view, lambda: print(f"application {view.application_id} filed; the approval group decides"))

    run(cli, work)


@app.command("decide")
def decide(
    ctx: typer.Context, customer: int = typer.Argument(..., help="The customer the application is for."),
    approve: bool = typer.Option(False, "--approve"), reject: bool = typer.Option(False, "--reject"),
    reason: str = typer.Option(...),
) -> None:
    """Decide a transfer-in application (approval group)."""
    cli = get(ctx)
    if approve == reject:
        fail(cli, 2, "say either --approve or --reject")

    async def work() -> None:
        from domain.errors import NotFound
        from domain.fields import clean_text
        from orderflow.customer_contracts import DecideInput
        from orderflow.desk import actor_ref
        from orderflow.temporal import connect
        from workflows.customers import TransferInWorkflow

        actor = cli.actor()
        inp = DecideInput(actor=actor_ref(actor), approve=approve, reason=clean_text(reason, "reason"))
        client = await connect(cli.settings)
        handle = client.get_workflow_handle_for(TransferInWorkflow.run, _id(customer))
        try:
            view = await handle.query(TransferInWorkflow.view)
        except Exception as err:
            raise NotFound(f"there is no transfer-in application for customer {customer}") from err
        if view.status == "FILED":
            view = await handle.execute_update(TransferInWorkflow.decide, inp)
        else:
            from domain.errors import Refused

            raise Refused(f"application {view.application_id} is already {view.status.lower()}")
        cli.emit(view, lambda: print(f"application {view.application_id}: {view.status} ({view.decision})"))

    run(cli, work)


@app.command("applications")
def applications(ctx: typer.Context, status: str = typer.Option("FILED", help="FILED, APPROVED or REJECTED.")) -> None:
    """Transfer-in applications, open ones first."""
    cli = get(ctx)

    def work() -> None:
        from rich.console import Console
        from rich.table import Table
        from sqlalchemy import select

        from db.engine import unit_of_work
        from db.models import Application

        with unit_of_work(cli.sessions()) as session:
            rows = [{"application": a.id, "customer": a.customer_id, "rep": a.rep, "reason": a.reason,
                     "status": a.status, "decision": a.decision}
                    for a in session.scalars(select(Application).where(Application.status == status.upper())
                                             .order_by(Application.filed_at))]

        def human() -> None:
            table = Table("application", "customer", "rep", "reason", "status", "decision")
            for r in rows:
                table.add_row(r["application"], str(r["customer"]), r["rep"], r["reason"], r["status"],
                              r["decision"] or "")
            Console().print(table)

        cli.emit(rows, human)

    run(cli, work)
