"""Connecting to Temporal, with the pydantic converter on both sides."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from domain.errors import InvalidInput, Unavailable
from orderflow.settings import Settings


class TemporalUnreachable(Unavailable):
    pass


def data_converter(settings: Settings) -> DataConverter:
    """pydantic models in and out; encrypted with AES-GCM when codec keys are configured."""
    keys = settings.codec_keyring_text()
    if not keys:
        return pydantic_data_converter
    from orderflow.codec import EncryptionCodec, Keyring

    return dataclasses.replace(pydantic_data_converter, payload_codec=EncryptionCodec(Keyring.parse(keys)))


def connect_options(settings: Settings) -> dict[str, Any]:
    """TLS, mTLS and the API key from settings; a file that is named but missing is said plainly."""
    from temporalio.service import TLSConfig

    def read(path: Path | None, name: str) -> bytes | None:
        if path is None:
            return None
        if not path.is_file():
            raise InvalidInput(f"ORDERFLOW_{name} names {path}, which is not a readable file")
        return path.read_bytes()

    cert = read(settings.temporal_tls_client_cert_file, "TEMPORAL_TLS_CLIENT_CERT_FILE")
    key = read(settings.temporal_tls_client_key_file, "TEMPORAL_TLS_CLIENT_KEY_FILE")
    if (cert is None) != (key is None):
        raise InvalidInput("mTLS needs both ORDERFLOW_TEMPORAL_TLS_CLIENT_CERT_FILE and "
                           "ORDERFLOW_TEMPORAL_TLS_CLIENT_KEY_FILE")
    ca = read(settings.temporal_tls_server_ca_file, "TEMPORAL_TLS_SERVER_CA_FILE")
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    options: dict[str, Any] = {}
    if cert or ca or settings.temporal_tls_server_name:
        options["tls"] = TLSConfig(server_root_ca_cert=ca, client_cert=cert, client_private_key=key,
                                   domain=settings.temporal_tls_server_name)
    elif settings.temporal_tls or api_key:
        options["tls"] = True  # the system's trusted CAs, as Temporal Cloud needs
    if api_key:
        options["api_key"] = api_key
    return options


async def connect(settings: Settings) -> Client:
    converter = data_converter(settings)
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=converter,
            **connect_options(settings),
        )
    except RuntimeError as err:
        raise TemporalUnreachable(
            f"Temporal is not reachable at {settings.temporal_address} ({err}); is `make up` running?"
        ) from err


async def init_namespace(client: Client, retention_days: int = 30) -> str:
    """Create the namespace if it is missing, then register our search attributes in it."""
    from datetime import timedelta

    from google.protobuf.duration_pb2 import Duration
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, RegisterNamespaceRequest
    from temporalio.service import RPCError, RPCStatusCode

    from orderflow import search_attributes

    created = "exists"
    try:
        await client.workflow_service.describe_namespace(DescribeNamespaceRequest(namespace=client.namespace))
    except RPCError as err:
        if err.status is not RPCStatusCode.NOT_FOUND:
            raise
        retention = Duration()
        retention.FromTimedelta(timedelta(days=retention_days))
        await client.workflow_service.register_namespace(RegisterNamespaceRequest(
            namespace=client.namespace, workflow_execution_retention_period=retention))
        created = "created"
    # A new namespace takes a moment to reach every part of the server.
    for attempt in range(60):
        try:
            await search_attributes.register(client)
            return created
        except RPCError as err:
            if err.status is not RPCStatusCode.NOT_FOUND or attempt == 59:
                raise
            await asyncio.sleep(0.5)
    return created


def workflow_id(number: str) -> str:
    return f"order-{number}"


