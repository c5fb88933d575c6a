"""Statements for sign-in: tokens by hash, failures by key, the audit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db.auth_models import ApiToken, AuthEvent, SignInFailures


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
    """Every live token of the user, at once: deactivation and account closing call this."""
    done = session.execute(update(ApiToken).where(ApiToken.username == username, ApiToken.revoked_at.is_(None))
                           .values(revoked_at=at, revoked_reason=reason[:200]))
    return int(getattr(done, "rowcount", 0) or 0)


def failures(session: Session, key: str, for_update: bool = False) -> SignInFailures | None:
    query = select(SignInFailures).where(SignInFailures.key == key)
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def events(session: Session, username: str | None = None, limit: int = 100) -> Sequence[AuthEvent]:
    query = select(AuthEvent).order_by(AuthEvent.id.desc()).limit(limit)
    if username is not None:
        query = query.where(AuthEvent.username == username)
    return session.scalars(query).all()
