"""Replay every recorded history (tests/histories/*.json) against today's workflow code: a change that would
break running workflows fails here. Change workflows safely with workflow.patched (see README)."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from tests.histories.record import GENERATION, ORDER_PATHS
from workflows.certification import CertificationWorkflow
from workflows.certification_sweep import CertificationSweepWorkflow
from workflows.customers import RecycleWorkflow, TransferInWorkflow
from workflows.delivery import DeliverySweepWorkflow, DeliveryWorkflow
from workflows.digest import DigestWorkflow
from workflows.follow_up import FollowUpWorkflow
from workflows.order import OrderWorkflow

HISTORIES = sorted((Path(__file__).resolve().parents[1] / "histories").glob("*.json"))


def test_every_path_has_a_recorded_history():
    names = {p.stem for p in HISTORIES}
    assert {"order-happy", "order-loops", "order-lost-and-reissued", "order-expired", "order-form-lost",
            "order-reported-lost", "order-payments", "order-approved-and-held", "transfer-approved",
            "transfer-timed-out", "recycle", "certification-passed", "certification-escalated",
            "certification-sweep", "follow-up-escalated", "follow-up-worked", "digest", "delivery",
            "delivery-sweep"} <= names
    assert {f"order-{path}{GENERATION}" for path in ORDER_PATHS} <= names, "record today's order paths too"


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    replayer = Replayer(workflows=[OrderWorkflow, TransferInWorkflow, RecycleWorkflow, CertificationWorkflow,
                                   CertificationSweepWorkflow, FollowUpWorkflow, DigestWorkflow, DeliveryWorkflow,
                                   DeliverySweepWorkflow],
                        data_converter=pydantic_data_converter)
    await replayer.replay_workflow(history)
