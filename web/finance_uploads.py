"""A statement kept between its preview and its import: streamed to disk as it arrives (api.uploads), under the
API's size limit, in a folder of the person who sent it (data_dir/desk-uploads/<user>/<random id>/<file name>,
mode 0700 and 0600). The id in a form is looked up only in the signed-in person's own folder and must look like
an id this module made, so a path or another person's id finds nothing. A file is removed after its import, or
an hour after it was sent, whichever comes first."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from fastapi import Request

from api.uploads import received_file
from domain.errors import NotFound, TooLarge
from domain.fields import business_date
from domain.statements import MAX_FILE_BYTES, Statement, parse_statement

KEPT_SECONDS = 3600
FOLDER = "desk-uploads"
_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")
_SAFE_USER = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
GONE = "this statement upload is no longer here (it was imported already, is over an hour old, or is not yours): " \
       "upload the file again"


def _root(data_dir: Path) -> Path:
    return data_dir / FOLDER


def _user_folder(data_dir: Path, username: str) -> Path:
    name = username if _SAFE_USER.match(username) else hashlib.sha256(username.encode()).hexdigest()[:32]
    return _root(data_dir) / name


def _mkdir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)


def sweep(data_dir: Path, now: float | None = None) -> None:
    """Every kept upload older than an hour, of anyone, is removed."""
    root = _root(data_dir)
    if not root.is_dir():
        return
    limit = (now or time.time()) - KEPT_SECONDS
    for user in root.iterdir():
        for kept in user.iterdir() if user.is_dir() else ():
            try:
                if kept.stat().st_mtime < limit:
                    shutil.rmtree(kept, ignore_errors=True)
            except FileNotFoundError:
                continue


async def keep(request: Request, data_dir: Path, username: str, filename: str) -> str:
    """The request's body, streamed to disk under the API's limit, kept for the person; its new id."""
    sweep(data_dir)
    folder = _user_folder(data_dir, username)
    _mkdir(folder)
    upload_id = secrets.token_urlsafe(16)
    target = folder / upload_id
    async with received_file(request, filename, MAX_FILE_BYTES, "statement") as received:
        target.mkdir(mode=0o700)
        try:
            shutil.move(received, target / filename)
            os.chmod(target / filename, 0o600)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
    return upload_id


def kept_file(data_dir: Path, username: str, upload_id: str) -> Path:
    """The person's kept file under that id, if it is theirs and younger than an hour; else refused as gone."""
    if not _ID.match(upload_id):
        raise NotFound(GONE)
    folder = _user_folder(data_dir, username) / upload_id
    try:
        files = [p for p in folder.iterdir() if p.is_file() and not p.is_symlink()]
        fresh = folder.stat().st_mtime >= time.time() - KEPT_SECONDS
    except (FileNotFoundError, NotADirectoryError):
        raise NotFound(GONE) from None
    if len(files) != 1 or not fresh:
        shutil.rmtree(folder, ignore_errors=True)
        raise NotFound(GONE)
    return files[0]


def forget(path: Path) -> None:
    """Remove a kept upload (its whole folder)."""
    shutil.rmtree(path.parent, ignore_errors=True)


@asynccontextmanager
async def claimed(path: Path) -> AsyncIterator[Path]:
    """The kept file for one import: moved aside first, so a second click on the same form finds nothing; put back
    if the import did not happen, removed if it did."""
    aside = path.parent.with_name(f".{path.parent.name}-importing")
    try:
        os.rename(path.parent, aside)
    except FileNotFoundError:
        raise NotFound(GONE) from None
    try:
        yield aside / path.name
    except BaseException:
        os.rename(aside, path.parent)
        raise
    shutil.rmtree(aside, ignore_errors=True)


def preview(path: Path) -> Statement:
    """The file read by the parser the import uses (domain.statements), as of today: nothing is stored."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise TooLarge(f"the statement file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
    return parse_statement(path.read_bytes(), business_date(datetime.now(UTC)))
