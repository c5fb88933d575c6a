"""Scan promotion against the real S3 endpoint (moto over HTTP) and both databases."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.orders import OrderActivities
from activities.scans import ScanActivities
from db.engine import unit_of_work
from db.models import Scan
from domain.order import Action, OrderStatus
from orderflow.contracts import PromoteScanInput
from orderflow.s3 import ensure_bucket, make_client, upload_staging
from orderflow.settings import Settings
from tests.helpers import ASSISTANT, pdf_bytes, record

LIMIT = 64 * 1024


@pytest.fixture
def s3(s3_endpoint: str) -> tuple[Any, str]:
    bucket = f"b-{uuid.uuid4().hex[:12]}"
    client = make_client(Settings(s3_endpoint_url=s3_endpoint, s3_bucket=bucket))
    ensure_bucket(client, bucket)
    return client, bucket


@pytest.fixture
def promoter(s3: tuple[Any, str], sessions: sessionmaker[Session]) -> ScanActivities:
    client, bucket = s3
    ActivityEnvironment().run(OrderActivities(sessions).record_step,
                              record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    return ScanActivities(client, bucket, sessions, LIMIT)


def stage(s3: tuple[Any, str], tmp_path: Path, data: bytes, name: str = "scan.pdf") -> PromoteScanInput:
    client, bucket = s3
    path = tmp_path / name
    path.write_bytes(data)
    staged = upload_staging(client, bucket, path, "BJ100001")
    return PromoteScanInput(order_number="BJ100001", partner="BJ", staging_key=staged.key, size=staged.size,
                            sha256=staged.sha256, filename=name, uploaded_by="amy")


def keys(s3: tuple[Any, str], prefix: str) -> list[str]:
    client, bucket = s3
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []))


def scan_rows(sessions: sessionmaker[Session]) -> list[tuple[int, str]]:
    with unit_of_work(sessions) as session:
        return [(s.version, s.key) for s in session.scalars(select(Scan).order_by(Scan.version))]


def test_scans_are_verified_versioned_and_idempotent(promoter, s3, sessions, tmp_path):  # type: ignore[no-untyped-def]
    run = ActivityEnvironment().run
    first = stage(s3, tmp_path, pdf_bytes(20_000))
    v1 = run(promoter.promote_scan, first)
    assert (v1.version, v1.key, v1.content_type) == (1, "orders/BJ/BJ100001/scan-v1.pdf", "application/pdf")
    assert run(promoter.promote_scan, first) == v1  # a retried attempt
    second = stage(s3, tmp_path, pdf_bytes(30_000))
    v2 = run(promoter.promote_scan, second)
    assert v2.version == 2
    assert scan_rows(sessions) == [(1, v1.key), (2, v2.key)]
    assert keys(s3, "orders/") == [v1.key, v2.key]
    assert keys(s3, "staging/") == []  # promoted uploads leave nothing behind
    client, bucket = s3
    body = client.get_object(Bucket=bucket, Key=v1.key)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == first.sha256


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "scan.pdf", "is empty"),
    (pdf_bytes(LIMIT + 10), "scan.pdf", "the limit is 65,536"),
    (b"MZ\x90\x00" + b"\x00" * 500, "scan.pdf", "not a PDF, JPEG, PNG or TIFF"),
    (pdf_bytes(5000)[:-40], "scan.pdf", "truncated"),
    (b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9", "scan.png", "named as png but its content is jpg"),
])
def test_bad_files_are_refused_and_nothing_is_written(promoter, s3, sessions, tmp_path, data, name, message):  # type: ignore[no-untyped-def]
    with pytest.raises(ApplicationError, match=message) as caught:
        ActivityEnvironment().run(promoter.promote_scan, stage(s3, tmp_path, data, name))
    assert caught.value.type == "ScanRejected" and caught.value.non_retryable
    assert scan_rows(sessions) == [] and keys(s3, "orders/") == []


def test_a_corrupt_or_short_upload_is_refused(promoter, s3, sessions, tmp_path):  # type: ignore[no-untyped-def]
    run = ActivityEnvironment().run
    good = stage(s3, tmp_path, pdf_bytes(8000))
    with pytest.raises(ApplicationError, match="does not match its SHA-256"):
        run(promoter.promote_scan, good.model_copy(update={"sha256": "0" * 64}))
    with pytest.raises(ApplicationError, match="the upload is truncated"):
        run(promoter.promote_scan, good.model_copy(update={"size": good.size + 100}))
    with pytest.raises(ApplicationError, match="no uploaded file"):
        run(promoter.promote_scan, good.model_copy(update={"staging_key": "staging/missing"}))
    assert scan_rows(sessions) == [] and keys(s3, "orders/") == []


def test_slips_are_filed_like_scans_with_what_they_claim(promoter, s3, sessions, tmp_path):  # type: ignore[no-untyped-def]
    from datetime import date
    from decimal import Decimal

    from db.models import Slip
    from orderflow.contracts import PromoteSlipInput

    run = ActivityEnvironment().run
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 3000 + b"\xff\xd9"
    staged = stage(s3, tmp_path, jpeg, "slip.jpg")
    inp = PromoteSlipInput(**staged.model_dump(), claimed_amount=Decimal("5000.00"), claimed_on=date(2026, 11, 20))
    v1 = run(promoter.promote_slip, inp)
    assert (v1.version, v1.key, v1.claimed_amount) == (1, "orders/BJ/BJ100001/slip-v1.jpg", Decimal("5000.00"))
    assert run(promoter.promote_slip, inp) == v1  # a retried attempt
    assert keys(s3, "orders/") == [v1.key] and keys(s3, "staging/") == []
    with unit_of_work(sessions) as session:
        assert [(r.version, r.claimed_on) for r in session.scalars(select(Slip))] == [(1, date(2026, 11, 20))]
    big = stage(s3, tmp_path, jpeg + b"\x00" * LIMIT, "big.jpg")
    with pytest.raises(ApplicationError, match="slip big.jpg is .* the limit is 65,536"):
        run(promoter.promote_slip, PromoteSlipInput(**big.model_dump(), claimed_amount=Decimal("1.00"),
                                                    claimed_on=date(2026, 11, 20)))


def test_approved_scans_are_held_where_the_bucket_has_object_lock_and_encrypted_at_rest(
        s3_endpoint, sessions, tmp_path):  # type: ignore[no-untyped-def]
    from orderflow.contracts import HoldInput
    from orderflow.s3 import legal_hold, sse_args

    client = make_client(Settings(s3_endpoint_url=s3_endpoint))
    locked, plain = f"l-{uuid.uuid4().hex[:12]}", f"p-{uuid.uuid4().hex[:12]}"
    ensure_bucket(client, locked, object_lock=True)
    ensure_bucket(client, plain)
    ActivityEnvironment().run(OrderActivities(sessions).record_step,
                              record(1, Action.ISSUE, ASSISTANT, None, OrderStatus.ISSUED))
    sse = sse_args(Settings(s3_sse="AES256"))
    promoter = ScanActivities(client, locked, sessions, LIMIT, sse)
    version = ActivityEnvironment().run(promoter.promote_scan, stage((client, locked), tmp_path, pdf_bytes(5000)))
    assert client.head_object(Bucket=locked, Key=version.key)["ServerSideEncryption"] == "AES256"
    assert legal_hold(client, locked, version.key) == "OFF"
    held = ActivityEnvironment().run(promoter.hold_scans, HoldInput(order_number="BJ100001", keys=[version.key]))
    assert held == "legal hold on 1 scan version(s) of order BJ100001"
    assert legal_hold(client, locked, version.key) == "ON"
    client.put_object(Bucket=plain, Key="orders/BJ/BJ100001/scan-v1.pdf", Body=pdf_bytes(100))
    unheld = ActivityEnvironment().run(ScanActivities(client, plain, sessions, LIMIT).hold_scans,
                                       HoldInput(order_number="BJ100001", keys=["orders/BJ/BJ100001/scan-v1.pdf"]))
    assert "not held: bucket" in unheld and "has no object lock" in unheld
    assert legal_hold(client, plain, "orders/BJ/BJ100001/scan-v1.pdf").startswith("unavailable")
