"""`orderflow codec-server`: the Web UI's decoder, with the keys and token from settings."""

from __future__ import annotations

from domain.errors import InvalidInput
from orderflow.codec import EncryptionCodec, Keyring
from orderflow.codec_server import serve
from orderflow.logs import configure_logging
from orderflow.settings import Settings


def run_codec_server() -> None:
    settings = Settings()
    keys = settings.codec_keyring_text()
    if not keys:
        raise InvalidInput("the codec server needs ORDERFLOW_CODEC_KEYS or ORDERFLOW_CODEC_KEY_FILE")
    token = settings.codec_token()
    try:
        codec = EncryptionCodec(Keyring.parse(keys))
    except ValueError as err:
        raise InvalidInput(f"the codec keys are unusable: {err}") from None
    try:
        server = serve(codec, settings.codec_server_host, settings.codec_server_port, token,
                       settings.codec_server_origin, settings.codec_server_max_bytes)
    except ValueError as err:
        raise InvalidInput(f"{err} (ORDERFLOW_CODEC_SERVER_TOKEN)") from None
    configure_logging()
    print(f"codec server on http://{settings.codec_server_host}:{server.server_address[1]} "
          f"for the UI at {settings.codec_server_origin}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
