"""`orderflow order ...` for what goes wrong: corrections, modifications, escalations, losses, reissues."""

from __future__ import annotations

import typer

from cli.orders import app, post, step
from cli.runtime import fail, get


@app.command("correct")
def correct(
    ctx: typer.Context, number: str = typer.Argument(...), note: str = typer.Option(..., help="What was fixed."),
    amount: str | None = typer.Option(None), product: str | None = typer.Option(None),
) -> None:
    """Send a returned order back with a correction (its rep)."""
    step(ctx, post(number, "correct", {"note": note, "amount": amount, "product": product}),
         done="corrected; {view[number]} is now {view[status]}")


@app.command("resend")
def resend(ctx: typer.Context, number: str = typer.Argument(...), note: str = typer.Option(...)) -> None:
    """Say a re-signed original is on its way for a returned order (its rep)."""
    step(ctx, post(number, "resend", {"note": note}), done="{view[number]} now waits for the new original")


@app.command("modify")
def modify(
    ctx: typer.Context, number: str = typer.Argument(...), reason: str = typer.Option(..., help="Why."),
    amount: str | None = typer.Option(None), product: str | None = typer.Option(None),
) -> None:
    """Fix a small defect at the second review; audited with before and after (order group)."""
    step(ctx, post(number, "modify", {"reason": reason, "amount": amount, "product": product}),
         done="modified {view[number]}")


@app.command("escalation")
def escalation(
    ctx: typer.Context, number: str = typer.Argument(...),
    allow: bool = typer.Option(False, "--allow", help="Allow one more round."),
    void: bool = typer.Option(False, "--void", help="Void the order and its number."),
    note: str = typer.Option(...),
) -> None:
    """Decide an order escalated after too many rejections (the rep's supervisor)."""
    if allow == void:
        fail(get(ctx), 2, "say either --allow or --void")
    step(ctx, post(number, "escalation", {"decision": "allow" if allow else "void", "note": note}),
         done="{view[number]} is now {view[status]}")


@app.command("lost")
def lost(ctx: typer.Context, number: str = typer.Argument(...), note: str = typer.Option(...)) -> None:
    """Report a lost blank form (voided) or signed original (to be reissued) (its rep)."""
    step(ctx, post(number, "lost", {"note": note}), done="{view[number]} is now {view[status]}")


@app.command("revive")
def revive(ctx: typer.Context, number: str = typer.Argument(...),
           reason: str = typer.Option(..., help="Why it comes back, e.g. the customer paid late.")) -> None:
    """Bring an expired order back: effective if its money is all kept on it, else waiting for the rest
    (order group or finance)."""
    step(ctx, post(number, "revive", {"reason": reason}), done="{view[number]} is now {view[status]}")


@app.command("reissue")
def reissue(ctx: typer.Context, number: str = typer.Argument(...),
            new: str = typer.Option(..., "--number", help="The replacement form's number.")) -> None:
    """Replace a lost signed original with a new numbered form (assistant)."""
    step(ctx, post(number, "reissue", {"new_number": new}),
         done="{view[number]} is REISSUED as {view[fields][successor]}")


@app.command("found")
def found(ctx: typer.Context, number: str = typer.Argument(...),
          reason: str = typer.Option(..., help="Where the original turned up, e.g. the courier found it.")) -> None:
    """Receive the original of a lost order after all: it goes on at the first review, and its unsigned reissue
    is voided; refused once the reissue is signed (assistant)."""
    step(ctx, post(number, "receive-late", {"reason": reason}), done="{view[number]} is now {view[status]}")


@app.command("restore")
def restore(ctx: typer.Context, number: str = typer.Argument(...),
            reason: str = typer.Option(..., help="Why it comes back, e.g. the rep found the form.")) -> None:
    """Restore a blank form voided as lost that the rep still holds; it waits to be signed again (supervisor)."""
    step(ctx, post(number, "restore", {"reason": reason}), done="{view[number]} is now {view[status]}")


@app.command("reassign")
def reassign(ctx: typer.Context, number: str = typer.Argument(...),
             to: str = typer.Option(..., "--to", help="The active sales rep of the order's partner who takes it."),
             reason: str = typer.Option(..., help="Why, e.g. the rep left.")) -> None:
    """Move an open order of a rep who left to another rep of its partner; a signed order's customer goes with it
    (channel partner or manager)."""
    step(ctx, post(number, "reassign", {"to": to, "reason": reason}),
         done="{view[number]} ({view[status]}) is now {view[rep]}'s")
