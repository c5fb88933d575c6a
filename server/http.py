"""`orderflow serve`: the API under uvicorn, with settings built here in main and passed down."""

from __future__ import annotations

import uvicorn

from api.app import create_app
from orderflow.logs import configure_logging
from orderflow.settings import Settings
from services.context import build_services


def serve(host: str | None = None, port: int | None = None) -> None:
    settings = Settings()
    configure_logging()
    app = create_app(build_services(settings))
    # uvicorn's own access log prints query strings; ours (api/app.py) prints method, path, status and user only.
    uvicorn.run(app, host=host or settings.api_host, port=port or settings.api_port, access_log=False,
                proxy_headers=bool(settings.api_forwarded_allow_ips),
                forwarded_allow_ips=settings.api_forwarded_allow_ips or None, server_header=False,
                log_config=None)
