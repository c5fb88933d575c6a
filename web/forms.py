"""What every form of the desk does first and last: the posted form, read only after its CSRF token (in the form,
or in the header a page's script sends) and Origin are checked; and a refusal in words with its HTTP status."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.datastructures import FormData

from api.errors import STATUS
from domain.errors import DomainError
from services.failures import as_domain_error
from web.i18n import translations
from web.refusals import in_words
from web.render import page
from web.session import CSRF_FIELD, CSRF_HEADER, DeskSession, Session, check_csrf


def field(value: Any) -> str | None:
    """A form's text value; a file sent where text belongs is no value at all."""
    return value if isinstance(value, str) else None


async def posted(request: Request, session: Session) -> FormData:
    data = await request.form()
    check_csrf(request, session, request.headers.get(CSRF_HEADER) or field(data.get(CSRF_FIELD)))
    return data


Posted = Annotated[FormData, Depends(posted)]


def checked_header(request: Request, session: DeskSession) -> None:
    """A script's upload (the body is the file): the token comes in the header."""
    check_csrf(request, session, request.headers.get(CSRF_HEADER))


def refusal(services: Any, err: Exception) -> tuple[DomainError, int]:
    """A refusal in words and its status: the services' own errors, and a validator's or Temporal's as the API
    maps them. Anything else is a bug, raised again."""
    known = err if isinstance(err, DomainError) else as_domain_error(services.settings, err)
    if known is None:
        raise err
    return known, STATUS.get(known.kind, 400)


def refused_page(request: Request, session: DeskSession, err: DomainError) -> HTMLResponse:
    """A page that could not be shown or a step that could not be taken, in words."""
    return page(request, session.lang, "refused.html", STATUS.get(err.kind, 400), user=session, title=None,
                error=err)


def refused_json(err: DomainError, lang: str) -> JSONResponse:
    """A script's upload refused: the kind and the service's words, as the API answers them, and `said`, the
    words its page shows in the reader's language."""
    return JSONResponse({"error": err.kind.value, "message": err.message,
                         "said": in_words(err, translations(lang).gettext)}, status_code=STATUS.get(err.kind, 400))
