"""Connecting to Temporal, with the pydantic converter on both sides."""

from __future__ import annotations

import asyncio
import dataclasses

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter

from domain.errors import Unavailable
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


async def connect(settings: Settings) -> Client:
    converter = data_converter(settings)
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=converter,
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
