"""Pages from templates: one Jinja environment per language, autoescape on (typed text is always text), and
one set of headers for every page: a Content-Security-Policy that lets a page load only the desk's own script
and style, and show files only from where the order's presigned links point."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from domain.fields import BUSINESS_TZ
from domain.order import WAITING_FOR
from domain.people import ROLE_LABELS
from domain.rejections import LABELS as REASONS
from web import labels
from web.i18n import LANGUAGES, translations
from web.nav import links
from web.refusals import explain, explain_code

TEMPLATES = Path(__file__).parent / "templates"


def local_time(value: datetime | str | None) -> str:
    """A moment in Beijing time, as the people of the process read their deadlines."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


@lru_cache(maxsize=len(LANGUAGES))
def environment(lang: str) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, extensions=["jinja2.ext.i18n"], trim_blocks=True,
                      lstrip_blocks=True)
    words = translations(lang)
    env.install_gettext_translations(words, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(lang=lang, languages=LANGUAGES, local_time=local_time, STATUS=labels.STATUS,
                       DID=labels.DID, KIND=labels.KIND, BUTTON=labels.BUTTON, REFUSAL=labels.REFUSAL,
                       ROLES=ROLE_LABELS, WAITING_FOR=WAITING_FOR, REASONS=REASONS, nav_links=links,
                       explain=lambda error: explain(error, words.gettext),
                       explain_code=lambda code, params: explain_code(code, params, words.gettext))
    return env


def policy(file_origins: Iterable[str] = ()) -> str:
    files = " ".join(sorted(set(file_origins)))
    images = ("'self' " + files).strip()
    frames = images  # a file opens through the desk's own link, which sends the browser on to the presigned one
    return ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            f"img-src {images}; frame-src {frames}; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def page(request: Request, lang: str, template: str, status_code: int = 200, file_origins: Iterable[str] = (),
         **context: Any) -> HTMLResponse:
    query = request.url.query
    html = environment(lang).get_template(template).render(
        request_path=request.url.path, request_target=request.url.path + (f"?{query}" if query else ""), **context)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Content-Security-Policy"] = policy(file_origins)
    # Not the API's no-referrer: under it a browser sends "Origin: null" with a page's forms, and the desk checks
    # that a form comes from its own origin (web/session.py). Other sites still learn nothing of the desk's URLs.
    response.headers["Referrer-Policy"] = "same-origin"
    return response
