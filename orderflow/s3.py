"""The S3 client and the staging upload. Clients are built by the caller and passed in."""

from __future__ import annotations

import hashlib
import uuid
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


def ensure_bucket(client: Any, bucket: str) -> None:
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        client.create_bucket(Bucket=bucket)


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


def upload_staging(client: Any, bucket: str, path: Path, order_number: str) -> StagedUpload:
    size, sha = file_digest(path)
    key = f"staging/{order_number}/{uuid.uuid4().hex}"
    client.upload_file(str(path), bucket, key, ExtraArgs={"Metadata": {"sha256": sha}})
    return StagedUpload(key, size, sha)
