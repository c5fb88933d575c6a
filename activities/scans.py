"""Promoting an uploaded scan or remittance slip from staging to its permanent, versioned key."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from db.engine import unit_of_work
from db.models import Scan, Slip
from db.order_repo import FileRow, file_by_staging_key, next_file_version
from domain.errors import ScanRejected
from domain.scans import HEAD_BYTES, TAIL_BYTES, ScanType, file_key, inspect_scan
from orderflow.contracts import HoldInput, PromoteScanInput, PromoteSlipInput, ScanVersion, SlipVersion
from orderflow.failures import business_errors
from orderflow.s3 import CHUNK


def _version(row: Scan) -> ScanVersion:
    return ScanVersion(version=row.version, key=row.key, size=row.size, sha256=row.sha256,
                       content_type=row.content_type, uploaded_by=row.uploaded_by)


def _slip_version(row: Slip) -> SlipVersion:
    return SlipVersion(version=row.version, key=row.key, size=row.size, sha256=row.sha256,
                       content_type=row.content_type, uploaded_by=row.uploaded_by,
                       claimed_amount=row.claimed_amount, claimed_on=row.claimed_on)


class ScanActivities:
    def __init__(self, s3: Any, bucket: str, sessions: sessionmaker[Session], max_bytes: int,
                 sse: dict[str, str] | None = None) -> None:
        self._s3, self._bucket, self._sessions, self._max_bytes = s3, bucket, sessions, max_bytes
        self._sse = sse or {}

    @activity.defn(name="hold_scans")
    def hold_scans(self, inp: HoldInput) -> str:
        """Put a legal hold (object lock) on an approved order's scans, so no one can delete or overwrite them;
        where the bucket has no object lock, say so and carry on: the order does not wait on it."""
        from botocore.exceptions import ClientError

        for key in inp.keys:
            try:
                self._s3.put_object_legal_hold(Bucket=self._bucket, Key=key, LegalHold={"Status": "ON"})
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") != "InvalidRequest":
                    raise  # an outage: retried
                message = (f"scans of order {inp.order_number} are not held: bucket {self._bucket} has no object "
                           "lock (create it with object lock to keep approved scans from deletion)")
                activity.logger.warning(message)
                return message
        return f"legal hold on {len(inp.keys)} scan version(s) of order {inp.order_number}"

    @activity.defn(name="promote_scan")
    @business_errors
    def promote_scan(self, inp: PromoteScanInput) -> ScanVersion:
        """Verify the staged object and copy it to the next version; idempotent by staging key."""
        return _version(self._promote(inp, Scan, "scan", {}))

    @activity.defn(name="promote_slip")
    @business_errors
    def promote_slip(self, inp: PromoteSlipInput) -> SlipVersion:
        """The same for a remittance slip (底单), which also keeps the amount and date it claims."""
        row = self._promote(inp, Slip, "slip", {"claimed_amount": inp.claimed_amount, "claimed_on": inp.claimed_on})
        return _slip_version(row)

    def _promote(self, inp: PromoteScanInput, model: type[FileRow], what: str, extra: dict[str, Any]) -> FileRow:
        with unit_of_work(self._sessions) as session:
            done = file_by_staging_key(session, model, inp.staging_key)
            if done is not None:
                return done
        kind = self._verify(inp, what)
        with unit_of_work(self._sessions) as session:
            version = next_file_version(session, model, inp.order_number)
            key = file_key(inp.partner, inp.order_number, what, version, kind)
            self._s3.copy_object(
                Bucket=self._bucket, Key=key, CopySource={"Bucket": self._bucket, "Key": inp.staging_key},
                ContentType=kind.content_type, MetadataDirective="REPLACE",
                Metadata={"sha256": inp.sha256, "order": inp.order_number}, **self._sse,
            )
            row = model(order_number=inp.order_number, version=version, key=key, staging_key=inp.staging_key,
                        sha256=inp.sha256, size=inp.size, content_type=kind.content_type,
                        uploaded_by=inp.uploaded_by, at=datetime.now(UTC), **extra)
            session.add(row)
        # Only after the commit: a retry finds the row by staging key and never needs the object again.
        self._s3.delete_object(Bucket=self._bucket, Key=inp.staging_key)
        return row

    def _verify(self, inp: PromoteScanInput, what: str) -> ScanType:
        from botocore.exceptions import ClientError

        try:
            # One GET: its headers give the size to refuse on before a byte of the body is read.
            found = self._s3.get_object(Bucket=self._bucket, Key=inp.staging_key)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise ScanRejected(f"no uploaded file at {inp.staging_key}; upload it again") from None
            raise
        body, size = found["Body"], int(found["ContentLength"])
        if size != inp.size or size > self._max_bytes:
            body.close()
        if size != inp.size:
            raise ScanRejected(f"{what} {inp.filename} is {size:,} bytes in storage but {inp.size:,} were sent: "
                               "the upload is truncated")
        if size > self._max_bytes:
            inspect_scan(inp.filename, size, b"", b"", self._max_bytes, what)
        digest, first, last = hashlib.sha256(), b"", b""
        for chunk in body.iter_chunks(CHUNK):
            digest.update(chunk)
            if len(first) < HEAD_BYTES:
                first += chunk[: HEAD_BYTES - len(first)]
            last = (last + chunk)[-TAIL_BYTES:]
            activity.heartbeat()
        if digest.hexdigest() != inp.sha256:
            raise ScanRejected(f"{what} {inp.filename} does not match its SHA-256 checksum: the upload is corrupt")
        return inspect_scan(inp.filename, size, first, last, self._max_bytes, what)
