"""The desk in-process over HTTP (httpx's ASGI transport) on the API harness's real servers: SQLite with the
demo org, the Temporal dev server, moto's S3 and a worker. `desk.person("amy")` is a browser-like client that
signed in through the sign-in page, keeps its cookies and sends its forms' CSRF tokens as a page would."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from services import auth
from tests.api.conftest import PASSWORD, ApiHarness, harness

BASE = "http://orderflow.test"
_HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')


def hidden(page: str, name: str) -> str:
    """The first hidden field of that name on a page (the CSRF token, the step's key, where to go next)."""
    for found, value in _HIDDEN.findall(page):
        if found == name:
            return html.unescape(value)
    raise AssertionError(f"no hidden field {name} on the page")


def drop_zone(page: str) -> tuple[str, str, str]:
    """The upload address, CSRF token and key of an order page's drop zone."""
    found = re.search(r'<div class="drop" data-upload="([^"]+)" data-csrf="([^"]+)" data-key="([^"]+)"[^>]*>', page)
    assert found, "the page has no drop zone"
    url, csrf, key = (html.unescape(g) for g in found.groups())
    return url, csrf, key


@dataclass
class Person:
    username: str
    http: httpx.AsyncClient
    last: str = ""

    async def get(self, path: str) -> httpx.Response:
        answer = await self.http.get(path)
        self.last = answer.text
        return answer

    async def order(self, number: str) -> str:
        answer = await self.get(f"/desk/orders/{number}")
        assert answer.status_code == 200, answer.text
        return answer.text

    async def step(self, number: str, action: str, data: dict[str, Any] | None = None,
                   csrf: str | None = None) -> httpx.Response:
        """The step's form as the order's page drew it: its CSRF token and key, and the fields typed."""
        page = await self.order(number)
        form = {"csrf": hidden(page, "csrf") if csrf is None else csrf, "step_key": hidden(page, "step_key"),
                **(data or {})}
        return await self.http.post(f"/desk/orders/{number}/{action}", data=form)

    async def upload(self, number: str, content: bytes, filename: str, content_type: str) -> httpx.Response:
        """What the drop zone's script sends: the file as the body, the token in a header."""
        url, csrf, key = drop_zone(await self.order(number))
        return await self.http.put(url, params={"filename": filename, "key": key}, content=content,
                                   headers={"X-CSRF-Token": csrf, "Content-Type": content_type})

    async def post(self, path: str, data: dict[str, Any], page: str = "/desk/inbox") -> httpx.Response:
        form = await self.get(page)
        return await self.http.post(path, data={"csrf": hidden(form.text, "csrf"), **data})


@dataclass
class Desk:
    api: ApiHarness
    people: list[Person] = field(default_factory=list)

    def browser(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.api.app, client=("127.0.0.1", 50000)),
                                   base_url=BASE, headers={"Origin": BASE}, timeout=60)
        self.api.clients.append(client)
        return client

    async def person(self, username: str) -> Person:
        auth.set_password(self.api.services, username, PASSWORD, by="test")
        http = self.browser()
        signed = await sign_in(http, username, PASSWORD)
        assert signed.status_code == 303, signed.text
        return Person(username, http)


async def sign_in(http: httpx.AsyncClient, username: str, password: str, next_page: str = "") -> httpx.Response:
    page = await http.get("/desk/login", params={"next": next_page} if next_page else None)
    return await http.post("/desk/login", data={"csrf": hidden(page.text, "csrf"), "next": hidden(page.text, "next"),
                                                "username": username, "password": password})


@pytest.fixture
async def desk(dev_env: WorkflowEnvironment, s3_endpoint: str, tmp_path: Path) -> AsyncIterator[Desk]:
    async with harness(dev_env, s3_endpoint, tmp_path) as api:
        yield Desk(api)


def refusal(page: str) -> str:
    """The words of the refusal a page shows."""
    found = re.search(r'<div class="refusal" role="alert"[^>]*><strong>(.*?)</strong><p>(.*?)</p>', page, re.S)
    assert found, "the page shows no refusal"
    return html.unescape(f"{found.group(1)}: {found.group(2)}")


def status_of(desk: Desk, number: str) -> str:
    """The order's status in the read model."""
    from db.models import Order

    with desk.api.services.transaction() as session:
        row = session.get(Order, number)
        assert row is not None
        return row.status
