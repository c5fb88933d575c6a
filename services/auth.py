"""Sign-in: passwords (argon2id), one-time setup codes, API tokens kept only as hashes, lockouts, the audit.

Everything lives in the database, so several API replicas agree on every token and every lockout. A wrong
password and an unknown user get the same answer after the same work, so the API never tells who exists."""

from __future__ import annotations

import hmac
import ipaddress
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import update
from sqlalchemy.orm import Session

from db import auth_repo
from db.auth_models import ApiToken, Credential, SetupCode
from db.models import User
from db.org_repo import load_actor
from domain.errors import NotAuthenticated, NotFound, Throttled
from domain.people import Actor, is_username
from domain.printable import printable
from domain.signin import (
    LockPolicy,
    check_password,
    new_setup_code,
    new_token,
    normalise_code,
    token_hash,
    well_formed,
)
from domain.text import TextKind, check_text
from services.context import Services

WRONG = "wrong username or password"
BAD_TOKEN = "the token is not valid: it may be mistyped, expired or revoked; sign in again with `orderflow login`"
USED_EVERY = timedelta(minutes=1)  # last use is written at most this often: a busy client costs no write per call
# Each argon2id hash or verify takes 64 MiB and tens of milliseconds of a core, and anyone can ask for one without
# a token (the login and setup routes, on a 40-thread pool): at most this many run at once in a process.
_ARGON2 = threading.BoundedSemaphore(4)


@dataclass(frozen=True)
class Authenticated:
    actor: Actor
    token_id: int
    label: str
    expires_at: datetime


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current parameters (RFC 9106 low-memory profile)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the user is unknown, so that answer takes as long as a wrong password."""
    return _hash("not a password of anyone's")


def _now() -> datetime:
    return datetime.now(UTC)


def _policies(services: Services) -> dict[str, LockPolicy]:
    s = services.settings
    base, cap = timedelta(seconds=s.signin_lock_seconds), timedelta(seconds=s.signin_lock_max_seconds)
    return {"user": LockPolicy(s.signin_account_failures, base, cap),
            "addr": LockPolicy(s.signin_address_failures, base, cap)}


def _as_typed(username: str) -> str:
    """The name an attempt is counted and audited under. Anything that is not a username's form is no one's, and
    is stored only with its invisible characters spelt out and cut to 64, so no one writes an ESC, a bidi override
    or a page of text into the audit before signing in."""
    return username if is_username(username) else printable(username)[:64]


def _keys(username: str, address: str | None) -> dict[str, str]:
    return {"user": f"user:{username.strip().lower()[:64]}", "addr": f"addr:{_network(address)}"}


def _network(address: str | None) -> str:
    """What one client controls: an IPv4 address, or an IPv6 /64 (one host is handed a whole /64, so counting
    single IPv6 addresses would let it try billions of them)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "unknown")[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class _Refused(Exception):
    def __init__(self, until: dict[str, datetime]) -> None:
        super().__init__()
        self.until = until  # kind of key -> the end of its lock


def _admit(services: Services, keys: dict[str, str], username: str, address: str | None) -> frozenset[str]:
    """Count this attempt under each key before anything is verified, and answer the kinds of key it locked.

    Counted first, in one transaction that starts with the write, concurrent attempts are counted one after
    another: once one of them reaches the threshold and locks, the rest are refused, however many arrive at
    once. A locked key refuses the attempt, which then counts under no key. Keys go in one order (account,
    then address), so two attempts never wait on each other's rows in a cycle."""
    now = _now()
    policies = _policies(services)
    locked: set[str] = set()
    try:
        with services.transaction() as session:
            refused: dict[str, datetime] = {}
            for kind, key in keys.items():
                count, until = auth_repo.count_attempt(session, key, now, policies[kind].counts_since(now))
                if until is not None and until > now:
                    refused[kind] = until
                    continue
                lock = policies[kind].lock_for(count)
                if lock is not None:
                    auth_repo.lock(session, key, now + lock)
                    auth_repo.audit(session, now, "locked", username, address,
                                    f"{kind} after {count} attempts, {int(lock.total_seconds())}s")
                    locked.add(kind)
            if refused:
                raise _Refused(refused)  # rolls back what this attempt counted under its other key
    except _Refused as refusal:
        with services.transaction() as session:
            for kind in refusal.until:
                auth_repo.audit(session, now, "refused_locked", username, address, kind)
        # raised after the commit, so the refusal stays in the audit
        wait = max(int((until - now).total_seconds()) + 1 for until in refusal.until.values())
        raise Throttled(f"too many failed sign-ins: try again in {wait} seconds", wait) from None
    return frozenset(locked)


def _succeeded(session: Session, services: Services, keys: dict[str, str], locked: frozenset[str]) -> str:
    """A right password or setup code: the account's streak ends, and the address gets this attempt back (it
    keeps the failures of others). Answers a note for the audit when this attempt had set a lock."""
    auth_repo.forget(session, keys["user"])
    auth_repo.take_back(session, keys["addr"], _policies(services)["addr"].threshold, release="addr" in locked)
    return f"; lifted the lock it had set ({', '.join(sorted(locked))})" if locked else ""


def _failed(services: Services, username: str, address: str | None, event: str) -> None:
    with services.transaction() as session:  # the attempt is counted already, in _admit
        auth_repo.audit(session, _now(), event, username, address)


def _hash(password: str) -> str:
    with _ARGON2:
        return _hasher().hash(password)


def _verify(stored: str | None, password: str) -> bool:
    against = stored or _dummy_hash()  # outside the semaphore: the first call hashes, and takes it itself
    try:
        with _ARGON2:
            right = _hasher().verify(against, password)
    except (VerificationError, InvalidHashError):
        return False
    return right and stored is not None


def login(services: Services, username: str, password: str, address: str | None, label: str,
          lifetime: timedelta | None = None) -> dict[str, Any]:
    """A password for a new API token (by default valid `token_days`; the web desk's session asks for less). The
    attempt is counted before the password is looked at, and a locked account or address is refused without
    looking at it."""
    label = check_text(label or "orderflow CLI", TextKind.FREE_TEXT, "token label", max_len=100)
    typed = _as_typed(username)  # a name of no username's form is answered as an unknown user, after the same work
    keys = _keys(typed, address)
    locked = _admit(services, keys, typed, address)
    with services.transaction() as session:
        user = session.get(User, username) if is_username(username) else None
        credential = session.get(Credential, username) if user is not None and user.active else None
        stored = credential.password_hash if credential is not None else None
    if not _verify(stored, password[:1024]) or stored is None:
        _failed(services, typed, address, "login_failed")
        raise NotAuthenticated(WRONG)
    rehashed = _hash(password) if _hasher().check_needs_rehash(stored) else None  # before the write transaction
    now = _now()
    token = new_token()
    with services.transaction() as session:
        lifted = _succeeded(session, services, keys, locked)
        row = ApiToken(token_hash=token_hash(token), hint=token[:8], username=username, label=label,
                       created_at=now, expires_at=now + (lifetime or timedelta(days=services.settings.token_days)))
        session.add(row)
        if rehashed is not None and (credential := session.get(Credential, username)) is not None:
            credential.password_hash = rehashed
        session.flush()
        auth_repo.audit(session, now, "login", username, address, f"token {row.id} ({label}){lifted}")
        return {"token": token, "token_id": row.id, "username": username, "label": label,
                "expires_at": row.expires_at.isoformat()}


def authenticate(services: Services, token: str, idle: timedelta | None = None) -> Authenticated:
    """The actor a token belongs to, read fresh each time: a revoked token or a deactivated user stops at once.
    With `idle` (the web desk's sessions), a token unused for that long has ended too."""
    if not well_formed(token):
        raise NotAuthenticated(BAD_TOKEN)
    now = _now()
    with services.transaction() as session:
        row = auth_repo.token_by_hash(session, token_hash(token))
        if row is None or row.revoked_at is not None or row.expires_at <= now:
            raise NotAuthenticated(BAD_TOKEN)
        if idle is not None and (row.last_used_at or row.created_at) + idle <= now:
            raise NotAuthenticated(BAD_TOKEN)
        try:
            actor = load_actor(session, row.username)
        except NotFound:
            raise NotAuthenticated(BAD_TOKEN) from None
        if not actor.active:
            raise NotAuthenticated(BAD_TOKEN)
        if row.last_used_at is None or now - row.last_used_at > USED_EVERY:
            session.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=now))
        return Authenticated(actor, row.id, row.label, row.expires_at)


def logout(services: Services, auth: Authenticated, address: str | None) -> None:
    _revoke(services, auth.actor.username, auth.token_id, address, "signed out")


def revoke_token(services: Services, auth: Authenticated, token_id: int, address: str | None) -> None:
    """A user revokes one of their own tokens; another user's token answers like a missing one."""
    _revoke(services, auth.actor.username, token_id, address, "revoked by its owner")


def _revoke(services: Services, username: str, token_id: int, address: str | None, reason: str) -> None:
    now = _now()
    with services.transaction() as session:
        row = session.get(ApiToken, token_id)
        if row is None or row.username != username or row.revoked_at is not None:
            raise NotFound(f"there is no live token {token_id} of yours")
        row.revoked_at, row.revoked_reason = now, reason
        auth_repo.audit(session, now, "revoked", username, address, f"token {token_id}: {reason}")


def list_tokens(services: Services, auth: Authenticated) -> list[dict[str, Any]]:
    now = _now()
    with services.transaction() as session:
        return [{"id": t.id, "label": t.label, "hint": t.hint + "…", "created_at": t.created_at.isoformat(),
                 "expires_at": t.expires_at.isoformat(),
                 "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                 "current": t.id == auth.token_id}
                for t in auth_repo.tokens_of(session, auth.actor.username) if t.expires_at > now]


def whoami(services: Services, auth: Authenticated) -> dict[str, Any]:
    a = auth.actor
    with services.transaction() as session:
        user = session.get(User, a.username)
        name = user.name if user is not None else a.username
    return {"username": a.username, "name": name, "role": a.role.value, "partners": sorted(a.partners),
            "regions": sorted(a.regions), "reports_to": a.reports_to,
            "token": {"id": auth.token_id, "label": auth.label, "expires_at": auth.expires_at.isoformat()}}


def set_password(services: Services, username: str, password: str, by: str) -> None:
    """On the server host (`orderflow admin set-password`): set or reset a password; live tokens are revoked,
    since a reset usually means the old password, and what it signed in, can no longer be trusted."""
    check_password(password, username)
    digest = _hash(password)
    now = _now()
    with services.transaction() as session:
        if session.get(User, username) is None:
            raise NotFound(f"there is no user '{username}' in the org")
        _store(session, username, digest, by, now)
        revoked = auth_repo.revoke_user_tokens(session, username, now, f"password reset by {by}")
        auth_repo.audit(session, now, "password_set", username, None, f"by {by}; {revoked} tokens revoked")


def _store(session: Session, username: str, digest: str, by: str, now: datetime) -> None:
    credential = session.get(Credential, username)
    if credential is None:
        session.add(Credential(username=username, password_hash=digest, set_at=now, set_by=by))
    else:
        credential.password_hash, credential.set_at, credential.set_by = digest, now, by


def issue_setup_code(session: Session, username: str, by: str, days: int) -> str:
    """A one-time code for a new account's first password, shown once; only its hash is kept."""
    code = new_setup_code()
    now = _now()
    row = session.get(SetupCode, username)
    if row is None:
        row = SetupCode(username=username, code_hash="", expires_at=now, created_by=by)
        session.add(row)
    row.code_hash, row.expires_at, row.created_by = token_hash(normalise_code(code)), now + timedelta(days=days), by
    auth_repo.audit(session, now, "setup_code_issued", username, None, f"by {by}, valid {days} days")
    return code


def complete_setup(services: Services, username: str, code: str, password: str, address: str | None) -> None:
    """The setup code and a new password; a wrong code counts as a failed sign-in. A code issued for an account
    that has a password is a reset, so the user's live tokens are revoked as by `set_password`."""
    check_password(password, username)  # first: a weak password spends neither the code nor an attempt
    typed = _as_typed(username)  # a name of no username's form is answered as an unknown user
    keys = _keys(typed, address)
    locked = _admit(services, keys, typed, address)
    digest = token_hash(normalise_code(code))
    now = _now()
    with services.transaction() as session:
        row = session.get(SetupCode, username) if is_username(username) else None
        user = session.get(User, username) if row is not None else None
        good = (row is not None and user is not None and user.active and row.expires_at > now
                and hmac.compare_digest(row.code_hash, digest))
    if good:
        new_hash = _hash(password)  # only for a right code: a wrong one costs no argon2 work
        now = _now()
        with services.transaction() as session:
            if auth_repo.spend_setup_code(session, username, digest, now):  # not spent meanwhile by another use
                _store(session, username, new_hash, "setup code", now)
                revoked = auth_repo.revoke_user_tokens(session, username, now, "password set with a setup code")
                lifted = _succeeded(session, services, keys, locked)
                auth_repo.audit(session, now, "password_set", username, address,
                                f"with the setup code; {revoked} tokens revoked{lifted}")
                return
    _failed(services, typed, address, "setup_failed")
    raise NotAuthenticated("wrong username or setup code, or the code has expired: ask your channel manager "
                           "for a new one")
