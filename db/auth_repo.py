"""Statements for sign-in: tokens by hash, attempts counted by key, setup codes spent once, the audit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, insert, null, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db.auth_models import ApiToken, AuthEvent, Credential, SetupCode, SignInFailures


def _rows(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def audit(session: Session, at: datetime, event: str, username: str | None, address: str | None,
          detail: str | None = None) -> None:
    session.add(AuthEvent(at=at, event=event, username=(username or "")[:64] or None,
                          address=(address or "")[:64] or None, detail=detail))


def token_by_hash(session: Session, digest: str) -> ApiToken | None:
    return session.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).one_or_none()


def tokens_of(session: Session, username: str) -> Sequence[ApiToken]:
    return session.scalars(select(ApiToken).where(ApiToken.username == username, ApiToken.revoked_at.is_(None))
                           .order_by(ApiToken.id)).all()


def revoke_user_tokens(session: Session, username: str, at: datetime, reason: str) -> int:
    """Every live token of the user, at once (a password reset; `end_sign_in` for deactivation)."""
    done = session.execute(update(ApiToken).where(ApiToken.username == username, ApiToken.revoked_at.is_(None))
                           .values(revoked_at=at, revoked_reason=reason[:200]))
    return _rows(done)


def end_sign_in(session: Session, username: str, at: datetime, reason: str) -> None:
    """Everything a user could sign in with goes, in the caller's transaction: deactivation and account closing
    call this, so a reactivated account starts again from a new setup code, never from its old password."""
    revoked = revoke_user_tokens(session, username, at, reason)
    password = _rows(session.execute(delete(Credential).where(Credential.username == username)))
    code = _rows(session.execute(delete(SetupCode).where(SetupCode.username == username)))
    audit(session, at, "deactivated", username, None,
          f"{reason}: {revoked} tokens revoked, {'password' if password else 'no password'} and "
          f"{'setup code' if code else 'no setup code'} removed")


def spend_setup_code(session: Session, username: str, code_hash: str, at: datetime) -> bool:
    """Takes the code away if it is still this one and unexpired: of two uses at once, only one spends it."""
    done = session.execute(delete(SetupCode).where(SetupCode.username == username, SetupCode.code_hash == code_hash,
                                                   SetupCode.expires_at > at)
                           .execution_options(synchronize_session=False))
    return _rows(done) == 1


def count_attempt(session: Session, key: str, now: datetime, counts_since: datetime) -> tuple[int, datetime | None]:
    """Counts one sign-in attempt under `key` unless the key is locked at `now`; answers its count and lock (a
    lock after `now` means the key is locked and nothing was counted). Failures last counted before
    `counts_since` are forgotten: the count starts again at 1.

    Call it first in its transaction: its first statement is the write, so PostgreSQL holds the row and SQLite
    the database until the commit, and concurrent attempts on one key are counted one after another."""
    col = SignInFailures
    bump = (update(col).where(col.key == key, or_(col.locked_until.is_(None), col.locked_until <= now))
            .values(failures=case((or_(col.last_failure_at.is_(None), col.last_failure_at < counts_since), 1),
                                  else_=col.failures + 1),
                    last_failure_at=now)
            .execution_options(synchronize_session=False))
    read = select(col.failures, col.locked_until).where(col.key == key)
    # Each round that counts nothing saw another attempt change the row (insert it, or delete it on a success)
    # in the meantime; a few rounds are plenty.
    for _ in range(5):
        if _rows(session.execute(bump)):
            break
        found = session.execute(read).one_or_none()
        if found is not None:
            if found.locked_until is not None and found.locked_until > now:
                return found.failures, found.locked_until
            continue  # a concurrent first attempt inserted it after the update looked: count again
        try:
            with session.begin_nested():
                session.execute(insert(col).values(key=key, failures=1, last_failure_at=now))
            break
        except IntegrityError:
            continue  # another replica inserted the key at the same moment: count on its row
    else:
        raise RuntimeError(f"sign-in attempts under {key!r} kept changing: could not count this one")
    counted = session.execute(read).one()
    return counted.failures, counted.locked_until


def lock(session: Session, key: str, until: datetime) -> None:
    session.execute(update(SignInFailures).where(SignInFailures.key == key).values(locked_until=until)
                    .execution_options(synchronize_session=False))


def forget(session: Session, key: str) -> None:
    session.execute(delete(SignInFailures).where(SignInFailures.key == key)
                    .execution_options(synchronize_session=False))


def take_back(session: Session, key: str, threshold: int, release: bool) -> None:
    """An attempt counted under `key` turned out right: it is no failure. Its lock is lifted when the attempt
    set it (`release`: nobody counted after it) or the count falls below the threshold."""
    col = SignInFailures
    left = case((col.failures > 0, col.failures - 1), else_=0)
    unlocked = null() if release else case((left < threshold, null()), else_=col.locked_until)
    session.execute(update(col).where(col.key == key).values(failures=left, locked_until=unlocked)
                    .execution_options(synchronize_session=False))
    # A key with nothing against it needs no row: a right password from a new address leaves none behind.
    session.execute(delete(col).where(col.key == key, col.failures <= 0).execution_options(synchronize_session=False))


def events(session: Session, username: str | None = None, limit: int = 100) -> Sequence[AuthEvent]:
    query = select(AuthEvent).order_by(AuthEvent.id.desc()).limit(limit)
    if username is not None:
        query = query.where(AuthEvent.username == username)
    return session.scalars(query).all()
