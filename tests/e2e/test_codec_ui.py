"""The Web UI behind the codec server, in headless Chromium: ciphertext without the token, the decoded
input with it. The dev server holds only ciphertext either way."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import shutil
import threading
import uuid
from collections.abc import Iterator

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from orderflow.codec import EncryptionCodec, Keyring, new_key_line
from orderflow.codec_server import CodecServer, serve
from tests.conftest import STARTUP
from tests.e2e.browser import chromium, page_text
from tests.helpers import free_port, issue, wait_for_port
from workflows.order import OrderWorkflow

TOKEN = secrets.token_urlsafe(24)


@pytest.fixture
def codec() -> EncryptionCodec:
    chromium()
    return EncryptionCodec(Keyring.parse(new_key_line("k1")))


@pytest.fixture
def ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture
def codec_server(codec: EncryptionCodec, ports: tuple[int, int]) -> Iterator[CodecServer]:
    ui_port, codec_port = ports
    server = serve(codec, "127.0.0.1", codec_port, TOKEN, f"http://127.0.0.1:{ui_port}", 4 << 20)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


async def test_the_ui_decodes_an_orders_input_only_for_a_browser_with_the_token(
        codec: EncryptionCodec, codec_server: CodecServer, ports: tuple[int, int],
        caplog: pytest.LogCaptureFixture):
    ui_port, codec_port = ports
    endpoint = f"http://127.0.0.1:{codec_port}"
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=shutil.which("temporal"), ui=True, ui_port=ui_port,
        data_converter=dataclasses.replace(pydantic_data_converter, payload_codec=codec),
        dev_server_extra_args=["--ui-codec-endpoint", endpoint], dev_server_startup_timeout=STARTUP)
    async with env:
        marker = f"issue-{uuid.uuid4().hex[:12]}"
        number = f"BJ{uuid.uuid4().int % 10**6:06d}"
        # No worker: the input alone is what the page shows.
        await env.client.start_workflow(OrderWorkflow.run, issue(number).model_copy(update={"issue_id": marker}),
                                        id=f"order-{number}", task_queue=f"none-{uuid.uuid4().hex}")
        wait_for_port(ui_port)
        url = f"http://127.0.0.1:{ui_port}/namespaces/default/workflows/order-{number}"
        with caplog.at_level(logging.INFO, logger="orderflow.codec_server"):
            locked = await asyncio.to_thread(page_text, url, "Codec Server could not connect", "codec-no-token.png")
            opened = await asyncio.to_thread(page_text, url, marker, "codec-with-token.png",
                                             login=f"{endpoint}/login?token={TOKEN}", codec_endpoint=endpoint)
    assert marker not in locked and "Input" in locked
    assert marker in opened and number in opened and "alice" in opened
    logged = caplog.text
    assert "POST /decode 401" in logged and "POST /decode 200" in logged and TOKEN not in logged
