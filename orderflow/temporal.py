"""Connecting to Temporal, with the pydantic converter on both sides."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from domain.errors import Unavailable
from orderflow.settings import Settings


class TemporalUnreachable(Unavailable):
    pass


async def connect(settings: Settings) -> Client:
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=pydantic_data_converter,
        )
    except RuntimeError as err:
        raise TemporalUnreachable(
            f"Temporal is not reachable at {settings.temporal_address} ({err}); is `make up` running?"
        ) from err


def workflow_id(number: str) -> str:
    return f"order-{number}"
