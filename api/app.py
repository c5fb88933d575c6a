"""The API application: routers per aggregate, one error body, CORS closed unless configured, a body limit."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import auth, certifications, customers, errors, follow_ups, orders, org, payments
from domain.errors import ErrorKind
from domain.printable import printable
from services.context import Services

access_log = logging.getLogger("orderflow.api.access")
# Pages that load the OpenAPI viewer's scripts and styles; every other answer is data and may load nothing.
_DOC_PAGES = ("/docs", "/redoc")


class BodyLimit:
    """JSON bodies are small: every request but a file's PUT is cut off at the limit, whether it declares its
    length or arrives chunked without one, so an endless body never fills the server's memory. Files stream
    through their own limits (api/uploads.py). A NUL in the path or query is refused here too: no database
    stores it, and PostgreSQL fails on it."""

    def __init__(self, app: ASGIApp, limit: Callable[[], int]) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope["query_string"] or b"\x00" in scope["query_string"]:
            await _answer(scope, receive, send, 422, ErrorKind.INVALID.value,
                          "the URL contains U+0000 NULL, which no text may contain")
            return
        if scope["method"] == "PUT":
            await self.app(scope, receive, send)
            return
        limit = self.limit()
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _answer(scope, receive, send, 413, ErrorKind.TOO_LARGE.value,
                          f"the body is {int(declared):,} bytes; the limit is {limit:,}")
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # raised inside the route, so the one error handler answers it
                    raise HTTPException(413, f"the body is over the limit of {limit:,} bytes")
            return message

        await self.app(scope, counted, send)


async def _answer(scope: Scope, receive: Receive, send: Send, status: int, kind: str, message: str) -> None:
    await JSONResponse(errors.error_body(kind, message), status_code=status)(scope, receive, send)


def create_app(services: Services) -> FastAPI:
    settings = services.settings
    app = FastAPI(title="orderflow", version="1", summary="Channel sales-support orders (渠道销售支持)",
                  description="Every call but sign-in needs `Authorization: Bearer <token>` from `POST /auth/login`. "
                              "Errors answer `{\"error\": kind, \"message\": ...}`. Lists take `limit` and "
                              "`offset`; a `Link: <...>; rel=\"next\"` header names the next page.")
    app.state.services = services
    errors.install(app)
    for module in (auth, orders, customers, payments, org, certifications, follow_ups):
        app.include_router(module.router)
    from web.app import install as install_desk  # the web desk: pages on the same services (web/)

    install_desk(app)
    # Innermost first: the body limit, then CORS, then the log and headers around everything.
    app.add_middleware(BodyLimit, limit=lambda: settings.api_max_body_bytes)
    if settings.api_cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.api_cors_origins), allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Idempotency-Key"])

    @app.middleware("http")
    async def log_and_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        # Method, path, status and user: never a header, a query string or a body, so no token or password.
        access_log.info("%s %s %s %s %.0fms", request.method, printable(request.url.path),
                        response.status_code, getattr(request.state, "username", "-"),
                        (time.perf_counter() - started) * 1000)
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.url.path not in _DOC_PAGES:  # a desk page sets its own (web/render.py)
            response.headers.setdefault("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
        return response

    @app.get("/health", tags=["ops"], include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
