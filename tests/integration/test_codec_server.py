"""The codec server over real HTTP: the token, CORS for the UI's origin only, the size limit, round trips."""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from orderflow.codec import EncryptionCodec, Keyring, new_key_line
from orderflow.codec_server import serve

TOKEN = "t0ken-for-the-codec-server"
ORIGIN = "http://127.0.0.1:8233"
PLAIN = {"payloads": [{"metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
                       "data": base64.b64encode(b'{"phone": "+86 10 6234 5678"}').decode()}]}


@pytest.fixture
def server() -> Iterator[str]:
    codec = EncryptionCodec(Keyring.parse(new_key_line("k1")))
    srv = serve(codec, "127.0.0.1", 0, TOKEN, ORIGIN, max_bytes=64 * 1024)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def call(url: str, body: bytes | None = None, method: str = "POST",
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw, status, got = response.read(), response.status, dict(response.headers)
    except urllib.error.HTTPError as err:
        raw, status, got = err.read(), err.code, dict(err.headers)
    text = raw.decode()
    return status, got, json.loads(text) if text.startswith("{") else text


def auth(**more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json", **more}


def test_encode_then_decode_round_trips_and_the_ciphertext_hides_the_phone(server: str):
    status, _, sealed = call(f"{server}/encode", json.dumps(PLAIN).encode(), headers=auth())
    assert status == 200
    assert base64.b64decode(sealed["payloads"][0]["metadata"]["encoding"]) == b"binary/encrypted"
    assert "6234" not in base64.b64decode(sealed["payloads"][0]["data"]).decode("latin-1")
    status, _, opened = call(f"{server}/default/decode", json.dumps(sealed).encode(), headers=auth())
    assert status == 200 and opened == PLAIN


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong-token-of-some-length"},
                                     {"Authorization": f"Basic {TOKEN}"}, {"Cookie": "orderflow_codec=nope"}])
def test_no_token_no_decoding(server: str, headers: dict[str, str]):
    status, got, body = call(f"{server}/decode", json.dumps(PLAIN).encode(), headers=headers)
    assert status == 401 and body == {"error": "a bearer token is required"}
    assert got["WWW-Authenticate"].startswith("Bearer")


def test_cors_answers_the_ui_origin_only(server: str):
    status, got, _ = call(f"{server}/decode", method="OPTIONS", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert status == 204 and got["Access-Control-Allow-Origin"] == ORIGIN
    assert "Authorization" in got["Access-Control-Allow-Headers"]
    assert got["Access-Control-Allow-Credentials"] == "true"
    status, got, _ = call(f"{server}/decode", method="OPTIONS", headers={"Origin": "http://evil.example"})
    assert status == 403 and "Access-Control-Allow-Origin" not in got
    _, got, _ = call(f"{server}/decode", json.dumps(PLAIN).encode(), headers=auth(Origin="http://evil.example"))
    assert "Access-Control-Allow-Origin" not in got
    _, got, _ = call(f"{server}/decode", json.dumps(PLAIN).encode(), headers=auth(Origin=ORIGIN))
    assert got["Access-Control-Allow-Origin"] == ORIGIN


def test_oversized_and_malformed_requests_are_refused(server: str):
    status, _, body = call(f"{server}/decode", b"x" * (64 * 1024 + 1), headers=auth())
    assert status == 413 and "the limit is 65,536" in body["error"]
    status, _, body = call(f"{server}/decode", b"{not json", headers=auth())
    assert status == 400 and "not a JSON list of payloads" in body["error"]
    bad = {"payloads": [{"metadata": {"encoding": base64.b64encode(b"binary/encrypted").decode(),
                                      "encryption-key-id": base64.b64encode(b"k9").decode()}, "data": "AAAA"}]}
    status, _, body = call(f"{server}/decode", json.dumps(bad).encode(), headers=auth())
    assert status == 400 and "key 'k9', which is not configured" in body["error"]
    assert call(f"{server}/other", b"{}", headers=auth())[0] == 404


def test_login_sets_the_cookie_a_browser_then_sends(server: str):
    assert call(f"{server}/login?token=wrong", method="GET")[0] == 401
    status, got, _ = call(f"{server}/login?token={TOKEN}", method="GET")
    assert status == 200 and "HttpOnly" in got["Set-Cookie"]
    cookie = got["Set-Cookie"].split(";")[0]
    status, _, opened = call(f"{server}/decode", json.dumps(PLAIN).encode(), headers={"Cookie": cookie})
    assert status == 200 and opened == PLAIN


def test_a_short_token_is_refused_at_start():
    with pytest.raises(ValueError, match="at least 16 characters"):
        serve(EncryptionCodec(Keyring.parse(new_key_line("k1"))), "127.0.0.1", 0, "short", ORIGIN, 1024)
