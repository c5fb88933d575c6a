"""The desk's session and its protection against forged requests.

A session is an API token (services.auth), so sign-out, a password reset and a deactivated user end it at once,
as they end any token; it lives `desk_session_hours` and ends after `desk_idle_minutes` without a request. The
token travels only in an HttpOnly, SameSite=Strict cookie (Secure over TLS) scoped to /desk. Every form carries
a CSRF token derived from the session's own token (an HMAC of it), which a page of another site can neither
read nor compute; before sign-in, the sign-in form carries a random value that must equal its own cookie's.
A state-changing request whose Origin is another site's is refused as well."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response

from api.deps import Svc
from domain.errors import NotAuthenticated
from services.auth import Authenticated, authenticate
from web.i18n import language

PREFIX = "/desk"
SESSION_COOKIE = "of_desk"
SIGNIN_COOKIE = "of_signin"
LANG_COOKIE = "of_lang"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
SESSION_LABEL = "web desk"


class SignInNeeded(Exception):
    """No live session: the page answers with the sign-in page (web/app.py), and comes back here after it."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


class Forged(Exception):
    """A state-changing request without this session's CSRF token, or from another site's page."""


@dataclass(frozen=True)
class DeskSession:
    auth: Authenticated
    token: str
    lang: str

    @property
    def csrf(self) -> str:
        return csrf_for(self.token)


def csrf_for(token: str) -> str:
    return hmac.new(token.encode(), b"orderflow web desk csrf", hashlib.sha256).hexdigest()


def lang_of(request: Request) -> str:
    return language(request.cookies.get(LANG_COOKIE))


def safe_next(target: str | None) -> str:
    """Where to go after sign-in or a language switch: only a path of the desk itself, never another site."""
    if not target:
        return f"{PREFIX}/inbox"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(f"{PREFIX}/") or "\\" in target:
        return f"{PREFIX}/inbox"
    return parts.path + (f"?{parts.query}" if parts.query else "")


def desk_session(request: Request, services: Svc) -> DeskSession:
    token = request.cookies.get(SESSION_COOKIE, "")
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not token:
        raise SignInNeeded(back)
    s = services.settings
    try:
        found = authenticate(services, token, idle=timedelta(minutes=s.desk_idle_minutes))
    except NotAuthenticated:
        raise SignInNeeded(back) from None
    request.state.username = found.actor.username  # for the access log
    return DeskSession(found, token, lang_of(request))


Session = Annotated[DeskSession, Depends(desk_session)]


def _same_origin(request: Request) -> bool:
    """Browsers send Origin with every POST and PUT; one that names another site is a forgery. A request with no
    Origin at all (an old browser, a script) is judged by its CSRF token alone; "null" (a sandboxed frame, a
    redirect from elsewhere) is not ours."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    ours = f"{request.url.scheme}://{request.url.netloc}"
    return origin == ours


def check_csrf(request: Request, session: DeskSession, sent: str | None) -> None:
    if not _same_origin(request) or not sent or not hmac.compare_digest(sent, session.csrf):
        raise Forged()


def check_signin_csrf(request: Request, sent: str | None) -> None:
    cookie = request.cookies.get(SIGNIN_COOKIE, "")
    if not _same_origin(request) or not sent or not cookie or not hmac.compare_digest(sent, cookie):
        raise Forged()


def signin_value(kept: str | None) -> str:
    """The sign-in form's double-submitted value: the browser's own if it has a well-formed one, else a new one."""
    if kept and re.fullmatch(r"[A-Za-z0-9_-]{32}", kept):
        return kept
    return secrets.token_urlsafe(24)


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=PREFIX, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def forget_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path=PREFIX, httponly=True, samesite="strict", secure=request.url.scheme == "https")


def signin_url(back_to: str) -> str:
    return f"{PREFIX}/login?next={quote(safe_next(back_to), safe='/')}"
