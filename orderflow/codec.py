"""AES-GCM encryption of every Temporal payload, so the server and the Web UI hold only ciphertext.

Keys carry ids: the first configured key encrypts, every configured key decrypts, so keys rotate by
putting a new one first and keeping the old ones until no history needs them."""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"


class CodecKeyError(ValueError):
    pass


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: dict[str, bytes]

    @classmethod
    def parse(cls, text: str) -> Keyring:
        """`id1:base64key,id2:base64key`: the first encrypts, all decrypt. Keys are 32 bytes (AES-256)."""
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for item in filter(None, (part.strip() for part in text.replace("\n", ",").split(","))):
            kid, _, encoded = item.partition(":")
            if not kid or not encoded:
                raise CodecKeyError("a codec key is written id:base64key")
            try:
                key = base64.b64decode(encoded, validate=True)
            except ValueError:
                raise CodecKeyError(f"codec key '{kid}' is not valid base64") from None
            if len(key) != 32:
                raise CodecKeyError(f"codec key '{kid}' is {len(key)} bytes; AES-256 needs 32")
            keys[kid] = key
            order.append(kid)
        if not order:
            raise CodecKeyError("no codec key given")
        return cls(order[0], keys)


def new_key_line(kid: str) -> str:
    return f"{kid}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: Keyring) -> None:
        self._ring = keyring
        self._ciphers = {kid: AESGCM(key) for kid, key in keyring.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        kid = self._ring.current
        out = []
        for payload in payloads:
            nonce = os.urandom(12)
            sealed = self._ciphers[kid].encrypt(nonce, payload.SerializeToString(), kid.encode())
            out.append(Payload(metadata={"encoding": ENCODING, KEY_ID: kid.encode()}, data=nonce + sealed))
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                out.append(payload)  # written before encryption was switched on
                continue
            kid = payload.metadata.get(KEY_ID, b"").decode()
            cipher = self._ciphers.get(kid)
            if cipher is None:
                raise CodecKeyError(f"payload was encrypted with key '{kid}', which is not configured")
            plain = cipher.decrypt(payload.data[:12], payload.data[12:], kid.encode())
            out.append(Payload.FromString(plain))
        return out
