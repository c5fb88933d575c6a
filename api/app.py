"""The API application: routers per aggregate, one error body, CORS closed unless configured, a body limit."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from api import auth, customers, errors, orders, org, payments
from services.context import Services

access_log = logging.getLogger("orderflow.api.access")


def create_app(services: Services) -> FastAPI:
    settings = services.settings
    app = FastAPI(title="orderflow", version="1", summary="Channel sales-support orders (渠道销售支持)",
                  description="Every call but sign-in needs `Authorization: Bearer <token>` from `POST /auth/login`. "
                              "Errors answer `{\"error\": kind, \"message\": ...}`. Lists take `limit` and "
                              "`offset`; a `Link: <...>; rel=\"next\"` header names the next page.")
    app.state.services = services
    errors.install(app)
    for module in (auth, orders, customers, payments, org):
        app.include_router(module.router)
    if settings.api_cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.api_cors_origins), allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Idempotency-Key"])

    @app.middleware("http")
    async def limits_and_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # JSON bodies are small; files stream through their own limit (api/uploads.py) on PUT.
        declared = request.headers.get("content-length", "")
        if request.method == "POST" and declared.isdigit() and int(declared) > settings.api_max_body_bytes:
            response: Response = JSONResponse(errors.error_body(
                "too_large", f"the body is {int(declared):,} bytes; the limit is {settings.api_max_body_bytes:,}"),
                status_code=413)
        else:
            started = time.perf_counter()
            response = await call_next(request)
            # Method, path, status and user: never a header, a query string or a body, so no token or password.
            access_log.info("%s %s %s %s %.0fms", request.method, request.url.path, response.status_code,
                            getattr(request.state, "username", "-"), (time.perf_counter() - started) * 1000)
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    @app.get("/health", tags=["ops"], include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
