"""Reminders to an enterprise chat group robot (DingTalk or WeCom): the robots' JSON, plain text only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from dataclasses import replace
from urllib.parse import quote_plus

import httpx

from domain.channels import ChatKind
from orderflow.notice_texts import Notice
from orderflow.notify import SendFailed

# Errors that no retry cures: a revoked or wrong token, a signature, keyword or IP check the robot refuses
# (DingTalk 300001, 300005, 310000), a webhook URL WeCom does not know (93000). Anything else, like a rate limit
# (DingTalk 130101, WeCom 45009) or "system busy" (-1), is retried.
# A message the robot refuses as too long or malformed (WeCom 45002, 40058, 44004; DingTalk 460101) is refused
# again on every retry, so it is permanent too.
PERMANENT_ERRCODES = frozenset({300001, 300005, 310000, 93000, 45002, 40058, 44004, 460101})

# The most a text message may carry, in UTF-8 bytes (WeCom: 2048; DingTalk: 20000).
CONTENT_LIMIT = {ChatKind.WECOM: 2048, ChatKind.DINGTALK: 20000}
CUT = "…详见链接"


def compose(kind: ChatKind, notice: Notice) -> str:
    """The message's text within the robot's limit: a long detail (a digest, a long comment) is cut, keeping the
    subject, lead and link. WeCom turns "<@userid>" in a text into a mention: typed text cannot ping anyone."""
    def text(detail: str) -> str:
        content = f"{notice.subject}\n{replace(notice, detail=detail).plain()}"
        return content.replace("<@", "<\u200b@") if kind is ChatKind.WECOM else content

    limit = CONTENT_LIMIT[kind]
    full = text(notice.detail)
    if len(full.encode()) <= limit:
        return full
    room = limit - len(text(CUT).encode())
    detail = notice.detail.encode()[:max(room, 0)].decode(errors="ignore")
    while detail and len(text(detail + CUT).encode()) > limit:  # the mention guard made it longer
        detail = detail[:-1]
    return text(detail + CUT)



class RedactQueries(logging.Filter):
    """httpx logs every request's URL at INFO; a robot's URL carries its token (DingTalk's access_token, WeCom's
    key) and a signature in the query, or (behind an allowed proxy host) maybe in the path: only the host is
    kept in those lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(a.copy_with(path="/", query=None) if isinstance(a, httpx.URL) else a
                                for a in record.args)
        return True


def hide_tokens_in_http_log() -> None:
    """Installed once by the delivery activities, before their first post."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactQueries) for f in logger.filters):
        logger.addFilter(RedactQueries())


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's signature: Base64 of HMAC-SHA256 over "<timestamp>\\n<secret>" keyed by the secret, URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def robot_url(kind: ChatKind, url: str, secret: str | None, timestamp_ms: int) -> str:
    if kind is ChatKind.DINGTALK and secret:
        joiner = "&" if "?" in url else "?"
        return f"{url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"
    return url


def text_message(content: str) -> bytes:
    """The "text" message type: no markdown or links are rendered, so typed text cannot inject either."""
    return json.dumps({"msgtype": "text", "text": {"content": content}}, ensure_ascii=False).encode()


def post(client: httpx.Client, kind: ChatKind, url: str, secret: str | None, content: str,
         timestamp_ms: int) -> None:
    """One post. Errors name the status or errcode only: the URL carries the robot's token."""
    try:
        answer = client.post(robot_url(kind, url, secret, timestamp_ms), content=text_message(content),
                             headers={"Content-Type": "application/json; charset=utf-8"})
    except (httpx.HTTPError, httpx.InvalidURL) as err:  # their messages name the URL: only the type is kept
        raise SendFailed(f"{kind.value} robot unreachable: {type(err).__name__}") from None
    if answer.status_code >= 500 or answer.status_code == 429:
        raise SendFailed(f"{kind.value} robot answered HTTP {answer.status_code}")
    if answer.status_code != 200:
        raise SendFailed(f"{kind.value} robot answered HTTP {answer.status_code}", permanent=True)
    try:
        errcode = int(answer.json().get("errcode", 0))
    except (ValueError, TypeError, AttributeError):
        raise SendFailed(f"{kind.value} robot answered something that is not its JSON") from None
    if errcode != 0:
        raise SendFailed(f"{kind.value} robot answered errcode {errcode}", permanent=errcode in PERMANENT_ERRCODES)
