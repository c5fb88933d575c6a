"""`orderflow customer pool`: what it asks the API for, and the table (Chinese names, typed text inert) it prints."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from cli.runtime import ApiError, Cli

ROWS = [{"id": 7, "name": "长城建材有限公司", "region": "北京", "entered_at": "2026-11-30T02:00:00+00:00",
         "reason": "recycled", "may_claim": True, "why_not": None},
        {"id": 5, "name": "[red]黄河[/red]机械有限公司", "region": "北京", "entered_at": None, "reason": None,
         "may_claim": False, "why_not": "bob has claimed 5 customers today; the daily limit is 5"}]


class PoolApi:
    def __init__(self, answer: Any, link: str = "") -> None:
        self.answer, self.sent = answer, list[tuple[str, dict[str, Any]]]()
        self.last_headers = {"link": link} if link else {}

    def get(self, url: str, **params: Any) -> Any:
        self.sent.append((url, params))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_pool_searches_and_shows_each_customer_and_whether_it_may_be_claimed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    api = PoolApi(ROWS, link='</customers/pool?q=%E9%95%BF&limit=2&offset=2>; rel="next"')
    monkeypatch.setattr(Cli, "api", lambda self: api)
    done = CliRunner().invoke(app, ["customer", "pool", "--search", "长", "--limit", "2"], env={"COLUMNS": "200"})
    assert done.exit_code == 0, done.output
    assert api.sent == [("/customers/pool", {"q": "长", "limit": 2, "offset": 0})]
    lines = done.stdout.splitlines()
    assert "public pool (公海): 长" in done.stdout
    row = next(line for line in lines if "长城建材有限公司" in line)
    assert "北京" in row and "2026-11-30 02:00" in row and "recycled" in row and "yes" in row
    assert "[red]黄河[/red]机械有限公司" in done.stdout  # typed text, not markup
    assert "no: bob has claimed 5 customers today; the daily limit is 5" in done.stdout
    assert lines[-1] == "more: --offset 2"


def test_pool_in_json_and_empty_and_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    api = PoolApi(ROWS)
    monkeypatch.setattr(Cli, "api", lambda self: api)
    done = runner.invoke(app, ["--json", "customer", "pool"])
    assert done.exit_code == 0 and json.loads(done.stdout) == ROWS
    assert api.sent == [("/customers/pool", {"q": None, "limit": 50, "offset": 0})]
    monkeypatch.setattr(Cli, "api", lambda self: PoolApi([]))
    empty = runner.invoke(app, ["customer", "pool", "--search", "不存在"])
    assert empty.stdout == "no customer in the public pool of your regions matches '不存在'\n"
    monkeypatch.setattr(Cli, "api", lambda self: PoolApi(ApiError(
        403, "forbidden", "sam (sales supervisor) may not see the public pool: lacks the 'claim' permission")))
    refused = runner.invoke(app, ["customer", "pool"])
    assert refused.exit_code == 4 and "lacks the 'claim' permission" in refused.stderr
    assert runner.invoke(app, ["customer", "pool", "--limit", "201"]).exit_code == 2
