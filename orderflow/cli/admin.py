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


def codec_server(ctx: typer.Context) -> None:
    """Serve /encode and /decode to the Web UI (ORDERFLOW_CODEC_SERVER_* settings; needs keys and a token)."""
    cli = get(ctx)

    def work() -> None:
        import logging

        from domain.errors import InvalidInput
        from orderflow.codec import EncryptionCodec, Keyring
        from orderflow.codec_server import serve

        settings = cli.settings
        keys = settings.codec_keyring_text()
        if not keys:
            raise InvalidInput("the codec server needs ORDERFLOW_CODEC_KEYS or ORDERFLOW_CODEC_KEY_FILE")
        token = settings.codec_token()
        try:
            codec = EncryptionCodec(Keyring.parse(keys))
        except ValueError as err:
            raise InvalidInput(f"the codec keys are unusable: {err}") from None
        try:
            server = serve(codec, settings.codec_server_host,
                           settings.codec_server_port, token, settings.codec_server_origin,
                           settings.codec_server_max_bytes)
        except ValueError as err:
            raise InvalidInput(f"{err} (ORDERFLOW_CODEC_SERVER_TOKEN)") from None
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        print(f"codec server on http://{settings.codec_server_host}:{server.server_address[1]} "
              f"for the UI at {settings.codec_server_origin}", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    run(cli, work)
