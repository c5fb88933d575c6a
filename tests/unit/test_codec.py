"""The payload codec: round trip, key rotation, and refusal of unknown keys, tampering and bad configuration."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload

from orderflow.codec import ENCODING, CodecKeyError, EncryptionCodec, Keyring, new_key_line

OLD, NEW = new_key_line("2026-01"), new_key_line("2026-11")
PLAIN = Payload(metadata={"encoding": b"json/plain"}, data="美来尔工程技术有限公司 010-62345678".encode())


async def test_round_trip_hides_the_plaintext():
    codec = EncryptionCodec(Keyring.parse(OLD))
    [sealed] = await codec.encode([PLAIN])
    assert sealed.metadata["encoding"] == ENCODING and sealed.metadata["encryption-key-id"] == b"2026-01"
    assert b"010-62345678" not in sealed.data and "美来尔".encode() not in sealed.data
    assert await codec.decode([sealed]) == [PLAIN]


async def test_rotation_keeps_old_payloads_readable_and_writes_with_the_new_key():
    [old] = await EncryptionCodec(Keyring.parse(OLD)).encode([PLAIN])
    rotated = EncryptionCodec(Keyring.parse(f"{NEW},{OLD}"))
    assert await rotated.decode([old]) == [PLAIN]
    [fresh] = await rotated.encode([PLAIN])
    assert fresh.metadata["encryption-key-id"] == b"2026-11"
    with pytest.raises(CodecKeyError, match="encrypted with key '2026-11', which is not configured"):
        await EncryptionCodec(Keyring.parse(OLD)).decode([fresh])


async def test_tampering_and_plaintext():
    codec = EncryptionCodec(Keyring.parse(OLD))
    [sealed] = await codec.encode([PLAIN])
    forged = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    with pytest.raises(InvalidTag):
        await codec.decode([forged])
    assert await codec.decode([PLAIN]) == [PLAIN]  # written before encryption was switched on


@pytest.mark.parametrize(("text", "message"), [
    ("", "no codec key given"), ("k1", "written id:base64key"), ("k1:not base64!", "not valid base64"),
    ("k1:c2hvcnQ=", "is 5 bytes; AES-256 needs 32"),
])
def test_bad_key_configuration_is_named(text: str, message: str):
    with pytest.raises(CodecKeyError, match=message):
        Keyring.parse(text)
