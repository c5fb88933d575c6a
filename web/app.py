"""The desk's doors: sign-in, sign-out, the language switch, and how a missing session or a forged form is
answered. The pages themselves are in web/inbox.py and web/orders.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from inspect import isawaitable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.deps import Svc
from domain.errors import DomainError, ErrorKind
from services import auth
from web import customers, finance, inbox, orders, scans, team
from web.forms import Posted, field
from web.i18n import LANGUAGES
from web.labels import N_
from web.render import page
from web.session import (
    CSRF_FIELD,
    LANG_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    SESSION_LABEL,
    SIGNIN_COOKIE,
    Forged,
    Session,
    SignInNeeded,
    check_signin_csrf,
    forget_cookie,
    lang_of,
    safe_next,
    set_cookie,
    signin_url,
    signin_value,
)

router = APIRouter(prefix=PREFIX, include_in_schema=False)
STATIC = Path(__file__).parent / "static"


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _signin_page(request: Request, back_to: str, status_code: int = 200, error: DomainError | None = None,
                 username: str = "") -> HTMLResponse:
    # The value already in the browser, if any: a second sign-in tab must not void the first one's form.
    value = signin_value(request.cookies.get(SIGNIN_COOKIE))
    response = page(request, lang_of(request), "login.html", status_code, csrf=value, next=safe_next(back_to),
                    error=error, username=username, user=None)
    set_cookie(request, response, SIGNIN_COOKIE, value)
    return response


@router.get("")
def home() -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/inbox", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "") -> HTMLResponse:  # noqa: A002 - the query's own name
    return _signin_page(request, next)


@router.post("/login")
async def login(request: Request, services: Svc) -> Response:
    form = await request.form()
    back_to = str(form.get("next", ""))
    username = str(form.get("username", ""))[:200]
    check_signin_csrf(request, field(form.get(CSRF_FIELD)))
    hours = services.settings.desk_session_hours
    try:
        issued = await run_in_threadpool(auth.login, services, username, str(form.get("password", ""))[:1024],
                                         _address(request), SESSION_LABEL, timedelta(hours=hours))
    except DomainError as err:
        status = 429 if err.kind is ErrorKind.THROTTLED else 401
        return _signin_page(request, back_to, status, err, username if len(username) <= 64 else "")
    response = RedirectResponse(safe_next(back_to), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, issued["token"], max_age=hours * 3600)
    forget_cookie(request, response, SIGNIN_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, session: Session, _: Posted, services: Svc) -> Response:
    await run_in_threadpool(auth.logout, services, session.auth, _address(request))
    response = RedirectResponse(f"{PREFIX}/login", status_code=303)
    forget_cookie(request, response, SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(code: str, request: Request, next: str = "") -> RedirectResponse:  # noqa: A002
    """Only a cookie changes, and only to a known language; it goes back to a page of the desk, never elsewhere."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, path=PREFIX, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


def _page_of(path: str, method: str) -> str:
    """The page a form was sent from: an order's step (/desk/orders/N/step) comes back to the order."""
    parts = path.split("?")[0].split("/")
    if method == "POST" and len(parts) == 5 and parts[2] == "orders":
        return "/".join(parts[:4])
    return path if method == "GET" else f"{PREFIX}/inbox"


async def _api_answer(handler: Callable[[Request, Any], Response | Awaitable[Response]], request: Request,
                      err: Exception) -> Response:
    """What the API's own handler answers (installed before the desk's)."""
    answer = handler(request, err)
    return await answer if isawaitable(answer) else answer


def _plain_page(request: Request, status_code: int, title: str, detail: str) -> Response:
    """A page the desk answers before any session is read (so with no menu): a title and a line, in words."""
    return page(request, lang_of(request), "refused.html", status_code, user=None, error=None, title=title,
                detail=detail)


def _on_desk(request: Request) -> bool:
    return request.url.path == PREFIX or request.url.path.startswith(f"{PREFIX}/")


def routers() -> list[APIRouter]:
    """Every router of the desk (tests/desk/test_desk_doors.py holds each of their routes to its doors)."""
    return [*(module.router for module in (inbox, orders, scans, customers, finance, team)), router]


def install(app: FastAPI) -> None:
    """The desk's routes and static files on the API's app, and its two answers of its own."""
    for each in routers():
        app.include_router(each)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="desk-static")

    @app.exception_handler(SignInNeeded)
    async def sign_in_first(request: Request, err: SignInNeeded) -> Response:
        if request.method == "PUT":  # the page's upload script: it shows the message
            response: Response = JSONResponse({"error": ErrorKind.UNAUTHENTICATED.value,
                                               "message": "the session has ended: sign in again"}, status_code=401)
        else:  # a page, or a form sent after the session ended: sign in, then back to the page
            response = RedirectResponse(signin_url(_page_of(err.back_to, request.method)), status_code=303)
        forget_cookie(request, response, SESSION_COOKIE)
        return response

    api_invalid = app.exception_handlers[RequestValidationError]
    api_http = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(RequestValidationError)
    async def invalid_address(request: Request, err: RequestValidationError) -> Response:
        """A desk address with a value the page cannot take (a hand-edited link): a page in words, not the
        API's JSON. The desk's uploads (PUT) are read by its script, which reads the API's answer."""
        if not _on_desk(request) or request.method == "PUT":
            return await _api_answer(api_invalid, request, err)
        return _plain_page(request, 400, N_("This address is not right"),
                           N_("A value in the address is not one the desk can take. Open the page again from your "
                              "tasks or the menu."))

    @app.exception_handler(StarletteHTTPException)
    async def no_such_page(request: Request, err: StarletteHTTPException) -> Response:
        if not _on_desk(request) or request.method == "PUT" or err.status_code not in (404, 405):
            return await _api_answer(api_http, request, err)
        return _plain_page(request, 404, N_("There is no such page"),
                           N_("The address may be mistyped or out of date. Open the page again from your tasks or "
                              "the menu."))

    @app.exception_handler(Forged)
    async def forged(request: Request, _: Forged) -> Response:
        return _plain_page(request, 403, N_("This form has expired or did not come from this desk"),
                           N_("Nothing was changed. Go back, reload the page and try again."))
