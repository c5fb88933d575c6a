"""认证 over HTTP on the in-process harness (dev server, SQLite, moto S3, a real worker): the sweep starts an
effective order's certification, the rep uploads (with the scan checks), the assistant checks against the record,
the agency answers by a signed callback, and the service start lands on the order. The callback's bad inputs are
refused with nothing changed."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from db.certification_models import AgencyCallback, Certification, CertificationDocument
from db.models import Notification, Order, User
from domain.fields import business_date
from orderflow.certification_contracts import SweepInput
from tests.api.conftest import ApiHarness, harness
from tests.helpers import eventually, pdf_bytes
from workflows.certification_sweep import CertificationSweepWorkflow

SECRET = "agency-shared-secret-for-tests"
FACTS = {"name": "美来尔工程技术(北京)有限公司", "address": "北京市海淀区中关村大街1号", "phone": "010-6234 5678"}


@pytest.fixture
async def cert_api(dev_env: WorkflowEnvironment, s3_endpoint: str, tmp_path: Path) -> AsyncIterator[ApiHarness]:
    async with harness(dev_env, s3_endpoint, tmp_path, certification_webhook_secret=SecretStr(SECRET),
                       scan_max_bytes=10_000) as found:
        yield found


@pytest.fixture
async def by_hand(dev_env: WorkflowEnvironment, s3_endpoint: str, tmp_path: Path) -> AsyncIterator[ApiHarness]:
    """A worker that leaves an effective order's certification to the sweep or the order group's start."""
    async with harness(dev_env, s3_endpoint, tmp_path, certification_webhook_secret=SecretStr(SECRET),
                       scan_max_bytes=10_000, certification_start_when_effective=False) as found:
        yield found


async def _effective(api: ApiHarness, number: str) -> None:
    amy, alice, olga, fay = (api.client(u) for u in ("amy", "alice", "olga", "fay"))
    today = business_date(datetime.now(UTC)).isoformat()
    for client, url, body in (
            (amy, "/orders", {"rep": "alice", "number": number}),
            (alice, f"/orders/{number}/sign", {"customer": 1, "product": "p", "kind": "new", "amount": "1000"}),
            (amy, f"/orders/{number}/receive", None), (amy, f"/orders/{number}/approve", {}),
            (olga, f"/orders/{number}/approve", {"location": "Cabinet 1"}),
            (fay, f"/orders/{number}/pay", {"amount": "1000", "paid_on": today})):
        if url.endswith("/approve") and client is olga:
            r = await amy.put(f"/orders/{number}/scan", params={"filename": "s.pdf"}, content=pdf_bytes(3000))
            assert r.is_success, r.text
        r = await client.post(url, json=body)
        assert r.is_success, r.text
    assert r.json()["status"] == "EFFECTIVE"


def _row(api: ApiHarness, number: str) -> Certification | None:
    with api.services.transaction() as session:
        row = session.get(Certification, number)
        if row is not None:
            session.expunge(row)
        return row


async def _opened(api: ApiHarness, number: str) -> None:
    await eventually(lambda: _async(_row, api, number), lambda r: r is not None and r.last_seq >= 1)


async def _async(fn: Any, *args: Any) -> Any:
    return fn(*args)


def _signed(body: bytes, at: int | None = None, secret: str = SECRET) -> dict[str, str]:
    stamp = str(at if at is not None else int(time.time()))
    sig = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-Orderflow-Timestamp": stamp, "X-Orderflow-Signature": sig, "Content-Type": "application/json"}


def _state(api: ApiHarness) -> tuple[Any, ...]:
    with api.services.transaction() as session:
        return (session.scalar(select(func.count()).select_from(AgencyCallback)),
                tuple(session.execute(select(Certification.order_number, Certification.status,
                                             Certification.last_seq)).all()),
                tuple(session.execute(select(Order.number, Order.service_starts_on)).all()))


async def _submitted(api: ApiHarness, number: str) -> None:
    alice, amy = api.client("alice"), api.client("amy")
    for kind, size in (("licence", 3000), ("identity", 3100)):
        r = await alice.put(f"/certifications/{number}/documents/{kind}", params={"filename": f"{kind}.pdf"},
                            content=pdf_bytes(size), headers={"Content-Type": "application/pdf"})
        assert r.status_code == 200, r.text
    r = await alice.post(f"/certifications/{number}/hand-in", json={"position": "总经理"})
    assert r.status_code == 200 and r.json()["status"] == "CHECKING", r.text
    r = await amy.post(f"/certifications/{number}/submit", json=FACTS)
    assert r.status_code == 200 and r.json()["status"] == "AT_AGENCY", r.text


async def test_the_sweep_starts_what_the_order_did_not(by_hand: ApiHarness):
    await _effective(by_hand, "BJ100001")
    assert _row(by_hand, "BJ100001") is None
    client = await by_hand.services.temporal()
    sweep = {"id": f"sweep-{uuid.uuid4().hex[:6]}", "task_queue": by_hand.services.settings.task_queue}
    assert (await client.execute_workflow(CertificationSweepWorkflow.run, SweepInput(), **sweep)).started == [
        "BJ100001"]
    await _opened(by_hand, "BJ100001")
    sweep["id"] += "-again"
    assert (await client.execute_workflow(CertificationSweepWorkflow.run, SweepInput(), **sweep)).started == []


async def test_a_certification_from_the_order_taking_effect_to_a_signed_pass(cert_api: ApiHarness):
    """No sweep: the order's step that writes it EFFECTIVE starts its certification; the sweep then finds none."""
    api = cert_api
    await _effective(api, "BJ100001")
    await _opened(api, "BJ100001")
    client = await api.services.temporal()
    swept = await client.execute_workflow(CertificationSweepWorkflow.run, SweepInput(),
                                          id=f"sweep-{uuid.uuid4().hex[:6]}",
                                          task_queue=api.services.settings.task_queue)
    assert swept.started == []
    alice, amy, olga, sue = (api.client(u) for u in ("alice", "amy", "olga", "sue"))
    r = await olga.post("/certifications/BJ100001/start")
    assert r.status_code == 409 and "already has a certification" in r.json()["message"], r.text
    # Documents: out of scope 404, empty, wrong type by content, then both kinds; the same file twice refused.
    r = await sue.get("/certifications/BJ100001")
    assert r.status_code == 404 and r.json()["message"] == "there is no certification for order BJ100001"
    r = await alice.put("/certifications/BJ100001/documents/licence", params={"filename": "l.pdf"}, content=b"")
    assert r.status_code == 422 and "empty" in r.json()["message"], r.text
    r = await alice.put("/certifications/BJ100001/documents/licence", params={"filename": "l.pdf"},
                        content=pdf_bytes(10_001))
    assert r.status_code == 413, r.text
    r = await alice.put("/certifications/BJ100001/documents/licence", params={"filename": "l.pdf"},
                        content=b"GIF89a" + b"x" * 100)
    assert r.status_code == 409 and "not a PDF" in r.json()["message"], r.text
    r = await alice.put("/certifications/BJ100001/documents/passport", params={"filename": "l.pdf"},
                        content=pdf_bytes(3000))
    assert r.status_code == 422 and "licence, identity" in r.json()["message"], r.text
    r = await alice.post("/certifications/BJ100001/hand-in", json={"position": "总经理"})
    assert r.status_code == 422 and "upload it first" in r.json()["message"], r.text
    r = await alice.put("/certifications/BJ100001/documents/licence", params={"filename": "l.pdf"},
                        content=pdf_bytes(3000))
    assert r.status_code == 200 and [d["kind"] for d in r.json()["documents"]] == ["licence"], r.text
    assert "key" not in r.json()["documents"][0]  # where the file is stored is not the client's business
    r = await alice.put("/certifications/BJ100001/documents/identity", params={"filename": "id.pdf"},
                        content=pdf_bytes(3000))
    assert r.status_code == 409 and "same file" in r.json()["message"], r.text
    assert "id.pdf" not in r.json()["message"]  # an identity document's name may name the applicant
    r = await alice.put("/certifications/BJ100001/documents/identity", params={"filename": "id.pdf"},
                        content=pdf_bytes(3100))
    assert r.status_code == 200, r.text
    staged = api.services.s3().list_objects_v2(Bucket=api.services.settings.s3_bucket, Prefix="staging/")
    assert staged.get("KeyCount", 0) == 0, staged.get("Contents")
    r = await alice.post("/certifications/BJ100001/hand-in", json={"position": "总经理"})
    assert r.status_code == 200 and r.json()["status"] == "CHECKING", r.text
    # The assistant's check: a different licensed name is refused, the record's facts (however written) pass.
    r = await amy.post("/certifications/BJ100001/submit", json={**FACTS, "name": "美来尔科技有限公司"})
    assert r.status_code == 409 and "licensed name on the documents does not match" in r.json()["message"]
    r = await amy.post("/certifications/BJ100001/submit", json=FACTS)
    assert r.status_code == 200 and r.json()["status"] == "AT_AGENCY", r.text
    body = json.dumps({"order": "BJ100001", "result": "pass"}).encode()
    r = await api.client().post("/certifications/agency-callback", content=body, headers=_signed(body))
    # The agency hears its order and the status back, nothing about the people or the documents.
    assert r.status_code == 200 and r.json() == {"order": "BJ100001", "status": "PASSED"}, r.text
    today = business_date(datetime.now(UTC))
    shown = (await alice.get("/orders/BJ100001")).json()
    assert shown["service_starts_on"] == today.isoformat()
    r = await api.client().post("/certifications/agency-callback", content=body, headers=_signed(body))
    assert r.status_code == 409, r.text  # the same body again: a replay (and the certification is closed anyway)
    with api.services.transaction() as session:
        docs = session.scalars(select(CertificationDocument.key)).all()
        told = session.scalars(select(Notification.kind).where(Notification.order_number == "BJ100001")).all()
    assert sorted(docs) == ["certifications/BJ/BJ100001/identity-v1.pdf", "certifications/BJ/BJ100001/licence-v1.pdf"]
    assert {"cert-documents", "cert-check", "cert-submitted", "cert-passed"} <= set(told)


async def test_the_agency_clerk_fails_it_back_to_the_rep(by_hand: ApiHarness):
    api = by_hand
    await _effective(api, "BJ100002")
    r = await api.client("alice").post("/certifications/BJ100002/start")
    assert r.status_code == 403, r.text
    r = await api.client("olga").post("/certifications/BJ100002/start")
    assert r.status_code == 201, r.text
    await _opened(api, "BJ100002")
    await _submitted(api, "BJ100002")
    vera = api.client("vera")
    r = await vera.get("/certifications/BJ100002")
    assert r.status_code == 200 and r.json()["status"] == "AT_AGENCY", r.text
    r = await vera.post("/certifications/BJ100002/answer", json={"passed": False, "reasons": ["other"]})
    assert r.status_code == 422 and "needs a note" in r.json()["message"], r.text
    r = await vera.post("/certifications/BJ100002/answer", json={"passed": False, "reasons": ["illegible"],
                                                                 "note": "the ID is blurred"})
    assert r.status_code == 200 and r.json()["status"] == "AWAITING_DOCUMENTS" and r.json()["rounds"] == 1, r.text
    listed = (await api.client("alice").get("/certifications", params={"status": "AWAITING_DOCUMENTS"})).json()
    assert [c["order"] for c in listed] == ["BJ100002"] and listed[0]["reasons"] == ["illegible"]
    inbox = (await api.client("alice").get("/inbox")).json()
    assert any(c["order"] == "BJ100002" for c in inbox.get("certifications", [])), inbox
    # Back with the rep, it is no longer the agency's to see.
    r = await vera.get("/certifications/BJ100002")
    assert r.status_code == 404, r.text
    assert (await vera.get("/certifications")).json() == []


@pytest.mark.parametrize("case", ["bad signature", "old timestamp", "future timestamp", "no headers",
                                  "non-ascii signature", "malformed body", "unknown order", "replay"])
async def test_a_bad_callback_is_refused_and_changes_nothing(by_hand: ApiHarness, case: str,
                                                             caplog: pytest.LogCaptureFixture):
    api = by_hand
    await _effective(api, "BJ100003")
    r = await api.client("olga").post("/certifications/BJ100003/start")
    assert r.status_code == 201, r.text
    await _opened(api, "BJ100003")
    await _submitted(api, "BJ100003")
    anonymous = api.client()
    fail = json.dumps({"order": "BJ100003", "result": "fail", "reasons": ["name_mismatch"],
                       "note": "申请人 张三 身份证 110101199001011234"}, ensure_ascii=False).encode()
    first = _signed(fail)
    if case == "replay":
        r = await anonymous.post("/certifications/agency-callback", content=fail, headers=first)
        assert r.status_code == 200 and r.json()["status"] == "AWAITING_DOCUMENTS", r.text
        await _submitted_again(api, "BJ100003")
    before = _state(api)
    non_ascii = {**_signed(fail), "X-Orderflow-Signature": "é" * 64}
    sent: dict[str, Any] = {
        "bad signature": {"content": fail, "headers": _signed(fail, secret="not-the-secret")},
        "old timestamp": {"content": fail, "headers": _signed(fail, at=int(time.time()) - 301)},
        "future timestamp": {"content": fail, "headers": _signed(fail, at=int(time.time()) + 301)},
        "non-ascii signature": {"content": fail, "headers": {k: v.encode("latin-1") for k, v in non_ascii.items()}},
        "no headers": {"content": fail, "headers": {"Content-Type": "application/json"}},
        "malformed body": {"content": b'{"order": "BJ100003", "result": "maybe"}',
                           "headers": _signed(b'{"order": "BJ100003", "result": "maybe"}')},
        "unknown order": {"content": b'{"order": "BJ109999", "result": "pass"}',
                          "headers": _signed(b'{"order": "BJ109999", "result": "pass"}')},
        "replay": {"content": fail, "headers": first},  # the very same signed message again
    }[case]
    # Not cleared before the refused call: what the accepted first answer logged (its notices included) counts too.
    r = await anonymous.post("/certifications/agency-callback", **sent)
    expected = {"bad signature": 401, "old timestamp": 401, "future timestamp": 401, "no headers": 401,
                "non-ascii signature": 401, "malformed body": 422, "unknown order": 404, "replay": 409}[case]
    assert r.status_code == expected, r.text
    assert r.json()["message"], r.text
    assert _state(api) == before
    logged = "\n".join(rec.getMessage() for rec in caplog.records)
    assert "agency callback refused" in logged
    assert "110101199001011234" not in logged and SECRET not in logged and "张三" not in logged


async def test_the_same_answer_in_a_later_round_is_not_a_replay(by_hand: ApiHarness):
    """Fail (illegible), resubmit, fail (illegible) again with the very same body: a fresh timestamp makes it a new
    message, so it counts; only the same timestamp and body again is a replay."""
    api = by_hand
    await _effective(api, "BJ100004")
    r = await api.client("olga").post("/certifications/BJ100004/start")
    assert r.status_code == 201, r.text
    await _opened(api, "BJ100004")
    await _submitted(api, "BJ100004")
    anonymous, url = api.client(), "/certifications/agency-callback"
    fail = json.dumps({"order": "BJ100004", "result": "fail", "reasons": ["illegible"]}).encode()
    now = int(time.time())
    r = await anonymous.post(url, content=fail, headers=_signed(fail, at=now - 1))
    assert r.status_code == 200 and r.json() == {"order": "BJ100004", "status": "AWAITING_DOCUMENTS"}, r.text
    await _submitted_again(api, "BJ100004")
    r = await anonymous.post(url, content=fail, headers=_signed(fail, at=now))
    assert r.status_code == 200 and r.json()["status"] == "AWAITING_DOCUMENTS", r.text
    row = _row(api, "BJ100004")
    assert row is not None and row.rounds == 2


def _set(api: ApiHarness, model: Any, key: str, **values: Any) -> None:
    with api.services.transaction() as session:
        row = session.get(model, key)
        assert row is not None
        for name, value in values.items():
            setattr(row, name, value)


async def test_two_identical_callbacks_at_once_count_once(by_hand: ApiHarness):
    import asyncio

    api = by_hand
    await _effective(api, "BJ100006")
    r = await api.client("olga").post("/certifications/BJ100006/start")
    assert r.status_code == 201, r.text
    await _opened(api, "BJ100006")
    await _submitted(api, "BJ100006")
    fail = json.dumps({"order": "BJ100006", "result": "fail", "reasons": ["illegible"]}).encode()
    headers = _signed(fail)
    sent = await asyncio.gather(*(api.client().post("/certifications/agency-callback", content=fail,
                                                    headers=headers) for _ in range(2)))
    assert sorted(r.status_code for r in sent) == [200, 409], [r.text for r in sent]
    row = _row(api, "BJ100006")
    assert row is not None and row.rounds == 1 and row.status == "AWAITING_DOCUMENTS"


async def test_stand_ins_and_a_restart_after_termination(by_hand: ApiHarness):
    """alice leaves: sam, whom she reported to, hands in for her. The order has no supervisor: the order group
    decides its escalation. Its workflow terminated: the order group starts it again and it goes on from its row."""
    api = by_hand
    await _effective(api, "BJ100005")
    _set(api, Order, "BJ100005", supervisor=None)
    olga, sam = api.client("olga"), api.client("sam")
    r = await olga.post("/certifications/BJ100005/start")
    assert r.status_code == 201, r.text
    await _opened(api, "BJ100005")
    r = await sam.post("/certifications/BJ100005/hand-in", json={"position": "总经理"})
    assert r.status_code == 403, r.text  # alice is still here: her order, not sam's
    _set(api, User, "alice", active=False)
    for kind, size in (("licence", 3000), ("identity", 3100)):
        r = await sam.put(f"/certifications/BJ100005/documents/{kind}", params={"filename": f"{kind}.pdf"},
                          content=pdf_bytes(size), headers={"Content-Type": "application/pdf"})
        assert r.status_code == 200, r.text
    r = await sam.post("/certifications/BJ100005/hand-in", json={"position": "总经理"})
    assert r.status_code == 200 and r.json()["status"] == "CHECKING", r.text
    _set(api, User, "alice", active=True)
    client = await api.services.temporal()
    await client.get_workflow_handle("cert-BJ100005").terminate("test: the worker lost it")
    r = await olga.post("/certifications/BJ100005/start")
    assert r.status_code == 201 and r.json()["status"] == "AWAITING_DOCUMENTS", r.text
    assert len(r.json()["documents"]) == 2  # its documents are still on file
    before = _row(api, "BJ100005")
    assert before is not None and before.status == "AWAITING_DOCUMENTS" and before.last_seq == 3
    r = await api.client("alice").post("/certifications/BJ100005/hand-in", json={"position": "总经理"})
    assert r.status_code == 200 and r.json()["status"] == "CHECKING", r.text
    for _ in range(3):  # three returns use the rounds up; no supervisor: the order group decides
        r = await api.client("amy").post("/certifications/BJ100005/return",
                                         json={"reasons": ["applicant_unreachable"]})
        assert r.status_code == 200, r.text
        if r.json()["status"] == "ESCALATED":
            break
        r = await api.client("alice").post("/certifications/BJ100005/hand-in", json={"position": "总经理"})
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "ESCALATED", r.text
    r = await olga.post("/certifications/BJ100005/escalation", json={"decision": "close", "note": "no answer"})
    assert r.status_code == 200 and r.json()["status"] == "FAILED", r.text


async def _submitted_again(api: ApiHarness, number: str) -> None:
    alice, amy = api.client("alice"), api.client("amy")
    r = await alice.put(f"/certifications/{number}/documents/licence", params={"filename": "l2.pdf"},
                        content=pdf_bytes(3200))
    assert r.status_code == 200, r.text
    r = await alice.post(f"/certifications/{number}/hand-in", json={"position": "总经理"})
    assert r.status_code == 200, r.text
    r = await amy.post(f"/certifications/{number}/submit", json=FACTS)
    assert r.status_code == 200 and r.json()["status"] == "AT_AGENCY", r.text


def test_signature_helpers_agree() -> None:
    from services.agency_callback import signature

    body = b'{"order":"BJ1","result":"pass"}'
    assert _signed(body, at=1)["X-Orderflow-Signature"] == signature(SECRET, "1", body)
