"""Connection settings: TLS, mTLS and API keys for Temporal; server-side encryption for S3."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.service import TLSConfig

from domain.errors import InvalidInput
from orderflow.s3 import sse_args
from orderflow.settings import Settings
from orderflow.temporal import connect_options


def test_plain_by_default_and_tls_with_the_system_cas_when_asked():
    assert connect_options(Settings()) == {}
    assert connect_options(Settings(temporal_tls=True)) == {"tls": True}


def test_an_api_key_implies_tls_as_temporal_cloud_needs():
    options = connect_options(Settings(temporal_api_key="key-123"))
    assert options == {"tls": True, "api_key": "key-123"}
    assert "key-123" not in repr(Settings(temporal_api_key="key-123"))


def test_mtls_reads_the_files_and_names_the_server(tmp_path: Path):
    for name in ("ca.pem", "client.pem", "client.key"):
        (tmp_path / name).write_bytes(f"-----{name}-----".encode())
    options = connect_options(Settings(
        temporal_tls_server_ca_file=tmp_path / "ca.pem", temporal_tls_client_cert_file=tmp_path / "client.pem",
        temporal_tls_client_key_file=tmp_path / "client.key", temporal_tls_server_name="ns.tmprl.cloud"))
    tls = options["tls"]
    assert isinstance(tls, TLSConfig) and tls.domain == "ns.tmprl.cloud"
    assert (tls.server_root_ca_cert, tls.client_cert, tls.client_private_key) == (
        b"-----ca.pem-----", b"-----client.pem-----", b"-----client.key-----")


def test_half_an_mtls_pair_or_a_missing_file_is_refused_clearly(tmp_path: Path):
    (tmp_path / "client.pem").write_text("x")
    with pytest.raises(InvalidInput, match="needs both"):
        connect_options(Settings(temporal_tls_client_cert_file=tmp_path / "client.pem"))
    with pytest.raises(InvalidInput, match="TEMPORAL_TLS_SERVER_CA_FILE names .*missing.pem, which is not"):
        connect_options(Settings(temporal_tls_server_ca_file=tmp_path / "missing.pem"))


def test_server_side_encryption_arguments():
    assert sse_args(Settings()) == {}
    assert sse_args(Settings(s3_sse="AES256")) == {"ServerSideEncryption": "AES256"}
    assert sse_args(Settings(s3_sse="aws:kms", s3_sse_kms_key_id="alias/orders")) == {
        "ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/orders"}
    with pytest.raises(ValueError):
        Settings(s3_sse="rot13")
