"""Sign-in rules: what a password must be, what a token looks like, and how long a lockout lasts.

A lockout is always temporary and doubles with each further failure (up to a cap): a permanent one would let
anyone lock a user out by typing their name. Failures count per typed username, whether or not it exists, so
the answer never tells whether a user exists."""

from __future__ import annotations

import base64
import hashlib
import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import InvalidInput

PASSWORD_MIN = 12
PASSWORD_MAX = 128
# The most common choices are the first an attacker tries; a longer list belongs in a deployment's settings.
COMMON = frozenset({"123456789012", "password1234", "qwertyuiopas", "111111111111", "passwordpassword",
                    "123456123456", "iloveyou1234", "adminadmin12", "welcome12345", "orderflow123"})

TOKEN_PREFIX = "oft_"  # recognisable in a leak scan; the rest is 256 random bits and a checksum
_BODY_CHARS = 43  # base64url of 32 bytes, without padding


def check_password(password: str, username: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(f"the password is too short: at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(f"the password is too long: at most {PASSWORD_MAX} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in password):
        raise InvalidInput("the password may not contain control characters")
    lowered = password.lower()
    if lowered in COMMON or len(set(password)) < 4 or username.lower() in lowered:
        raise InvalidInput("the password is too easy to guess: avoid your username, repeats and common passwords")


def _checksum(body: str) -> str:
    return f"{zlib.crc32(body.encode()):08x}"


def new_token() -> str:
    body = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return f"{TOKEN_PREFIX}{body}_{_checksum(body)}"


def well_formed(token: str) -> bool:
    """Shape and checksum: a typo or a truncated paste is refused without a database look-up."""
    if not token.startswith(TOKEN_PREFIX) or len(token) != len(TOKEN_PREFIX) + _BODY_CHARS + 9:
        return False
    body, _, check = token[len(TOKEN_PREFIX):].rpartition("_")
    return len(body) == _BODY_CHARS and secrets.compare_digest(check, _checksum(body))


def token_hash(token: str) -> str:
    """What the database keeps: a token carries 256 random bits, so a plain SHA-256 cannot be reversed."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_setup_code() -> str:
    """A one-time code to set a first password: 60 random bits, easy to read out (no 0/O or 1/I)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(code: str) -> str:
    return code.strip().upper().replace(" ", "")


@dataclass(frozen=True)
class LockPolicy:
    threshold: int  # failures before the first lock
    base: timedelta  # the first lock
    cap: timedelta  # no lock lasts longer
    forget_after: timedelta = timedelta(days=1)  # failures this old no longer count

    def lock_for(self, failures: int) -> timedelta | None:
        """None below the threshold; then base, 2x base, 4x base ... up to the cap."""
        if failures < self.threshold:
            return None
        doubling = min(failures - self.threshold, 20)
        return min(self.base * (1 << doubling), self.cap)

    def counts_since(self, now: datetime) -> datetime:
        """Failures last counted before this are an old streak: the next attempt starts the count again at 1."""
        return now - self.forget_after
