"""With codec keys configured, the Temporal server holds only ciphertext: no customer data in raw history."""

from __future__ import annotations

import uuid

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from orderflow.codec import ENCODING, new_key_line
from orderflow.settings import Settings
from orderflow.temporal import data_converter
from tests.helpers import CUSTOMER, eventually, issue, sign
from tests.workflow.standins import StandIns, worker_with
from workflows.order import OrderWorkflow


async def test_history_is_ciphertext(dev_env: WorkflowEnvironment):
    target = dev_env.client.service_client.config.target_host
    settings = Settings(codec_keys=new_key_line("k1"))  # type: ignore[arg-type]
    secure = await Client.connect(target, data_converter=data_converter(settings))
    worker, task_queue = worker_with(secure, StandIns())
    async with worker:
        handle = await secure.start_workflow(OrderWorkflow.run, issue(), id=f"order-enc-{uuid.uuid4().hex}",
                                             task_queue=task_queue)
        await eventually(lambda: handle.query(OrderWorkflow.view), lambda v: bool(v.timeline))
        signed = await handle.execute_update(OrderWorkflow.sign, sign())
        assert signed.fields.customer_name == CUSTOMER.name  # the codec's own client reads it back
        await handle.terminate("test over")
    raw = await Client.connect(target)  # no codec: what the server and the UI hold
    history = await raw.get_workflow_handle(handle.id).fetch_history()
    everything = [p for event in history.events for p in _payloads(event)]
    bookkeeping = [p for event in history.events for p in _core_bookkeeping(event)]
    payloads = [p for p in everything if p not in bookkeeping]
    assert len(payloads) > 5 and all(p.metadata["encoding"] == ENCODING for p in payloads)
    assert bookkeeping, "the local writes and the patch leave markers"
    blob = b"".join(p.data for p in everything)
    for secret in (CUSTOMER.name, "Yellow pages", "12000"):
        assert secret.encode() not in blob
    searchable = b"".join(p.data for event in history.events for p in _payloads(event, searchable=True))
    assert b"BJ100001" in searchable and CUSTOMER.name.encode() not in searchable


def _core_bookkeeping(event):  # type: ignore[no-untyped-def]
    """The SDK core's own notes in a marker (a patch's id; a local activity's type, attempt and times) are
    written in plain JSON; the activity's result beside them goes through the codec."""
    details = event.marker_recorded_event_attributes.details
    for key in ("data", "patch-data"):
        if key in details:
            yield from details[key].payloads


def _payloads(message, searchable: bool = False, inside: bool = False):  # type: ignore[no-untyped-def]
    """Every Payload inside a history event: the coded ones, or (searchable=True) the search attributes,
    which the server must be able to read and so are never encrypted."""
    from temporalio.api.common.v1 import Payload

    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        within = inside or field.name == "search_attributes"
        if within and not searchable:
            continue
        repeated = getattr(field, "is_repeated", None)
        if repeated is None:
            repeated = field.label == field.LABEL_REPEATED
        if repeated:
            items = list(value.values()) if field.message_type.GetOptions().map_entry else list(value)
        else:
            items = [value]
        for item in items:
            if isinstance(item, Payload):
                if within == searchable:
                    yield item
            else:
                yield from _payloads(item, searchable, within)
