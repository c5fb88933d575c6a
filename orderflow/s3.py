"""The S3 client and the staging upload. Clients are built by the caller and passed in."""

from __future__ import annotations

import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orderflow.settings import Settings

CHUNK = 1024 * 1024


def make_client(settings: Settings) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=5,
        read_timeout=60,
        retries={"max_attempts": 3, "mode": "standard"},
        s3={"addressing_style": "path"},
        # moto and some S3-compatible stores reject the newer default checksum trailers.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id.get_secret_value(),
        aws_secret_access_key=settings.s3_secret_access_key.get_secret_value(),
        config=config,
    )


def ensure_bucket(client: Any, bucket: str, object_lock: bool = False) -> None:
    """Create the bucket if missing; with object lock (and so versioning), which a bucket gets only at birth."""
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        client.create_bucket(Bucket=bucket, **({"ObjectLockEnabledForBucket": True} if object_lock else {}))


def sse_args(settings: Settings) -> dict[str, str]:
    """Server-side encryption for every object we write, as boto3 arguments."""
    if not settings.s3_sse:
        return {}
    args: dict[str, str] = {"ServerSideEncryption": settings.s3_sse}
    if settings.s3_sse == "aws:kms" and settings.s3_sse_kms_key_id:
        args["SSEKMSKeyId"] = settings.s3_sse_kms_key_id
    return args


def presigned_get(client: Any, bucket: str, key: str, seconds: int) -> str:
    """A link that opens one stored file for a short while, without S3 credentials."""
    url: str = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=seconds)
    return url


def legal_hold(client: Any, bucket: str, key: str) -> str:
    """ON, OFF, or why the store cannot say (no object lock on the bucket)."""
    from botocore.exceptions import ClientError

    try:
        client.get_object_lock_configuration(Bucket=bucket)
        return str(client.get_object_legal_hold(Bucket=bucket, Key=key).get("LegalHold", {}).get("Status", "OFF"))
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in ("InvalidRequest", "ObjectLockConfigurationNotFoundError", "NoSuchObjectLockConfiguration"):
            return f"unavailable: bucket {bucket} has no object lock"
        raise


@dataclass(frozen=True)
class StagedUpload:
    key: str
    size: int
    sha256: str


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256, streamed: memory stays flat whatever the file's size."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def upload_staging(client: Any, bucket: str, path: Path, order_number: str,
                   sse: dict[str, str] | None = None) -> StagedUpload:
    """Upload to a fresh staging key while another thread hashes the same file (hashlib lets go of the GIL),
    so the step takes about as long as the upload alone. The worker re-hashes the staged object and refuses
    it unless it has exactly this size and SHA-256, so a file changed mid-upload cannot slip through."""
    key = f"staging/{order_number}/{uuid.uuid4().hex}"
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(file_digest, path)
        client.upload_file(str(path), bucket, key, ExtraArgs=dict(sse or {}))
        size, sha = digest.result()
    return StagedUpload(key, size, sha)
