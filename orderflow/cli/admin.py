"""`orderflow temporal init|keygen` and `orderflow schedules ensure`: setting up a deployment."""

from __future__ import annotations

import typer

from orderflow.cli.runtime import fail, get, run

schedules_app = typer.Typer(no_args_is_help=True, help="Temporal Schedules: the daily recycling of customers.")
temporal_app = typer.Typer(no_args_is_help=True, help="Set up a Temporal namespace for orderflow.")


@schedules_app.command("ensure")
def ensure(ctx: typer.Context) -> None:
    """Create the daily recycling schedule, or update it to the current settings."""
    cli = get(ctx)

    async def work() -> None:
        from orderflow.schedules import RECYCLE_SCHEDULE, ensure_schedules
        from orderflow.temporal import connect

        done = await ensure_schedules(await connect(cli.settings), cli.settings)
        cli.emit({"schedule": RECYCLE_SCHEDULE, "result": done}, lambda: print(f"schedule {RECYCLE_SCHEDULE} {done}"))

    run(cli, work)


@temporal_app.command("init")
def temporal_init(ctx: typer.Context) -> None:
    """Create the namespace if missing and register the search attributes (compose's temporal-init runs this)."""
    cli = get(ctx)

    async def work() -> None:
        from orderflow.temporal import connect, init_namespace

        client = await connect(cli.settings)
        done = await init_namespace(client)
        cli.emit({"namespace": client.namespace, "namespace_status": done},
                 lambda: print(f"namespace {client.namespace} {done}; search attributes registered"))

    run(cli, work)


@temporal_app.command("keygen")
def keygen(ctx: typer.Context,
           key_id: str = typer.Option(..., "--id", help="A name for the key, e.g. 2026-11.")) -> None:
    """Print a new AES-256 payload key as `id:base64key`, for ORDERFLOW_CODEC_KEYS (put the new one first)."""
    from orderflow.codec import new_key_line

    if not key_id.replace("-", "").replace("_", "").isalnum():
        fail(get(ctx), 2, f"key id '{key_id}' may contain only letters, digits, '-' and '_'")
    print(new_key_line(key_id))
