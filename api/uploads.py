"""Uploads stream to a temporary file as they arrive, so the server's memory stays flat in the file size.

The request body is the file itself (no multipart): `PUT ...?filename=scan.pdf` with the bytes. The size limit
is enforced while reading, so an oversized or endless body is cut off at the limit and nothing is kept."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Request

from domain.errors import InvalidInput, TooLarge
from domain.text import TextKind, check_text, check_visible

# What each upload may be sent as: the file's bytes with its own type, or as plain bytes. A form or JSON is
# refused before a byte is kept; the content itself is checked by its magic bytes later (domain/scans.py).
FILE_TYPES = frozenset({"application/octet-stream", "application/pdf", "image/jpeg", "image/png", "image/tiff"})
STATEMENT_TYPES = frozenset({"application/octet-stream", "text/csv", "text/plain", "application/csv",
                             "application/vnd.ms-excel"})
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain",
                        "application/octet-stream"})


def check_content_type(request: Request, allowed: frozenset[str], what: str, default: str) -> None:
    sent = request.headers.get("content-type", default).split(";")[0].strip().lower()
    if sent not in allowed:
        raise InvalidInput(f"a {what} is sent as the raw file, not {sent}: use Content-Type {default} "
                           "or the file's own type")


def safe_filename(name: str | None, default: str) -> str:
    """The last segment only, checked as a file name (domain/text.py): '../../etc/passwd' becomes 'passwd'. A
    file's name as the person chose it is kept for the record and shown, never used as a path on this server."""
    if not name:
        return default
    check_visible(name.strip(), "file name")  # in the dropped folders too: refused in every field, as typed
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if base in ("", ".", ".."):
        raise InvalidInput("file name has no name after its last '/': give a plain name such as scan.pdf")
    return check_text(base, TextKind.FILE_NAME)


@asynccontextmanager
async def received_file(request: Request, filename: str, max_bytes: int, what: str) -> AsyncIterator[Path]:
    """The body written to a private temporary directory under the given (safe) name; removed afterwards."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(f"the {what} is {int(declared):,} bytes; the limit is {max_bytes:,}")
    with tempfile.TemporaryDirectory(prefix="orderflow-upload-") as folder:
        target = Path(folder) / filename
        size = 0
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(f"the {what} is over the limit of {max_bytes:,} bytes")
                out.write(chunk)
        if size == 0:
            raise InvalidInput(f"the {what} is empty: send the file's bytes as the request body")
        yield target
