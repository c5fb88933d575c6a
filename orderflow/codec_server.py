"""`orderflow codec-server`: /encode and /decode for the Temporal Web UI and CLI (the codec server protocol).

It decrypts history for people allowed to read it: a bearer token is required (an `Authorization: Bearer`
header, or the cookie `/login` sets for the Web UI, which calls with credentials), CORS answers only the
configured UI origin, and a request over the size limit is refused before its body is read."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads
from temporalio.converter import PayloadCodec

log = logging.getLogger("orderflow.codec_server")
COOKIE = "orderflow_codec"


class CodecServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], codec: PayloadCodec, token: str, origin: str,
                 max_bytes: int) -> None:
        super().__init__(address, CodecHandler)
        self.codec, self.token, self.origin, self.max_bytes = codec, token, origin.rstrip("/"), max_bytes


class CodecHandler(BaseHTTPRequestHandler):
    server: CodecServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        # Method, path and status only: never headers or the query string, so a token is never logged.
        log.info("%s %s %s", self.command, urlsplit(self.path).path, args[1] if len(args) > 1 else "")

    def _cors(self) -> None:
        if self.headers.get("Origin", "").rstrip("/") == self.server.origin:
            self.send_header("Access-Control-Allow-Origin", self.server.origin)
            self.send_header("Access-Control-Allow-Credentials", "true")
            self.send_header("Vary", "Origin")

    def _reply(self, status: HTTPStatus, body: bytes = b"", content_type: str = "application/json",
               extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self._cors()
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: HTTPStatus, message: str, extra: dict[str, str] | None = None) -> None:
        self._reply(status, json.dumps({"error": message}).encode(), extra=extra)

    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
        if self.headers.get("Origin", "").rstrip("/") != self.server.origin:
            self._error(HTTPStatus.FORBIDDEN, "origin not allowed")
            return
        self._reply(HTTPStatus.NO_CONTENT, content_type="text/plain", extra={
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Namespace",
            "Access-Control-Max-Age": "600",
        })

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        offered = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        if not offered:
            cookie = SimpleCookie(self.headers.get("Cookie", ""))
            offered = cookie[COOKIE].value if COOKIE in cookie else ""
        return bool(offered) and hmac.compare_digest(offered.encode(), self.server.token.encode())

    def do_GET(self) -> None:  # noqa: N802
        """`/login?token=…` sets the cookie a browser sends with the UI's credentialed calls."""
        url = urlsplit(self.path)
        if url.path == "/health":
            self._reply(HTTPStatus.OK, b"ok\n", content_type="text/plain")
            return
        if url.path != "/login":
            self._error(HTTPStatus.NOT_FOUND, "not found")
            return
        token = parse_qs(url.query).get("token", [""])[0]
        if not token or not hmac.compare_digest(token.encode(), self.server.token.encode()):
            self._error(HTTPStatus.UNAUTHORIZED, "wrong or missing token")
            return
        cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200"
        self._reply(HTTPStatus.OK, b"codec server: signed in; the Web UI can now decode payloads\n",
                    content_type="text/plain", extra={"Set-Cookie": cookie})

    def do_POST(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path.rstrip("/")
        if not path.endswith(("/encode", "/decode")):
            self._error(HTTPStatus.NOT_FOUND, "only /encode and /decode are served")
            return
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._error(HTTPStatus.LENGTH_REQUIRED, "a Content-Length is required")
            return
        if int(length) > self.server.max_bytes:
            self.close_connection = True  # the unread body must not be taken for the next request
            self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                        f"the request is {int(length):,} bytes; the limit is {self.server.max_bytes:,}")
            return
        body = self.rfile.read(int(length))
        if not self._authorized():
            self._error(HTTPStatus.UNAUTHORIZED, "a bearer token is required",
                        extra={"WWW-Authenticate": 'Bearer realm="orderflow codec"'})
            return
        try:
            payloads = json_format.Parse(body, Payloads())
        except (json_format.ParseError, UnicodeDecodeError) as err:
            self._error(HTTPStatus.BAD_REQUEST, f"the body is not a JSON list of payloads: {err}")
            return
        codec = self.server.codec
        try:
            work = codec.encode if path.endswith("/encode") else codec.decode
            done = asyncio.run(work(list(payloads.payloads)))
        except Exception as err:  # noqa: BLE001 - a bad payload is the caller's problem, said in one line
            self._error(HTTPStatus.BAD_REQUEST, f"cannot {path.rsplit('/', 1)[-1]}: {type(err).__name__}: {err}")
            return
        self._reply(HTTPStatus.OK, json_format.MessageToJson(Payloads(payloads=done)).encode())


def serve(codec: PayloadCodec, host: str, port: int, token: str, origin: str, max_bytes: int) -> CodecServer:
    if len(token) < 16:
        raise ValueError("the codec server's token must be at least 16 characters")
    return CodecServer((host, port), codec, token, origin, max_bytes)
