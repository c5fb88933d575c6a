"""Messages of the delivery workflow. They carry keys and row ids only: addresses, robot URLs and secrets stay
in the database, out of Temporal's history."""

from __future__ import annotations

import hashlib

from orderflow.contracts import Model


class DeliveryInput(Model):
    key: str  # the notification's key


class DeliveryPlan(Model):
    delivery_ids: list[int]


class DeliverInput(Model):
    delivery_id: int


class DeliveryResult(Model):
    statuses: list[str]


class SweepInput(Model):
    older_than_seconds: int = 300
    limit: int = 200


class SweepResult(Model):
    started: int


def delivery_workflow_id(key: str) -> str:
    """One delivery workflow per notification. Hashed: a key may hold a typed number (a collision's phone), and
    workflow ids are shown in plain text by Temporal's UI."""
    return f"delivery-{hashlib.sha256(key.encode()).hexdigest()[:32]}"
