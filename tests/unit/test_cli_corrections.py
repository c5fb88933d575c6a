"""`orderflow customer correct`: what it sends to the API, and what it prints."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from cli.runtime import ApiError, Cli


class RecordingApi:
    def __init__(self, answer: Any) -> None:
        self.answer, self.sent = answer, []

    def request(self, method: str, url: str, *, json_body: Any = None, **_: Any) -> Any:
        self.sent.append((method, url, json_body))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_correct_sends_the_new_facts_and_says_what_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    api = RecordingApi({"id": 5, "name": "x", "phone": "+861065550003", "fax": "+861065550004", "address": "a",
                        "risk_flags": [], "corrected": ["phone", "fax"]})
    monkeypatch.setattr(Cli, "api", lambda self: api)
    done = CliRunner().invoke(app, ["customer", "correct", "5", "--phone", "010-65550003", "--fax", "010-65550004",
                                    "--reason", "from the licence"])
    assert done.exit_code == 0, done.output
    assert done.stdout == "customer 5 corrected: phone, fax\n"
    assert api.sent == [("PATCH", "/customers/5", {"phone": "010-65550003", "fax": "010-65550004", "address": None,
                                                   "same_phone_fax": False, "reason": "from the licence"})]


def test_a_refused_correction_exits_3_with_the_apis_message(monkeypatch: pytest.MonkeyPatch) -> None:
    api = RecordingApi(ApiError(409, "refused", "customer 5 was not corrected: a customer with the same phone"))
    monkeypatch.setattr(Cli, "api", lambda self: api)
    done = CliRunner().invoke(app, ["customer", "correct", "5", "--phone", "010-62345678", "--reason", "x"])
    assert done.exit_code == 3 and "was not corrected" in done.stderr


class PostingApi:
    def __init__(self, answer: Any) -> None:
        self.answer, self.sent = answer, []

    def post(self, url: str, body: Any = None, **_: Any) -> Any:
        self.sent.append((url, body))
        return self.answer

    def get_all(self, url: str, **_: Any) -> Any:
        return [self.answer]


VIEW = {"correction": 4, "customer": 5, "before": "a", "after": "b", "reason": "r", "status": "pending",
        "requested_by": "bob", "decided_by": None, "decision": None}


def test_rename_asks_and_decide_name_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    api = PostingApi(VIEW)
    monkeypatch.setattr(Cli, "api", lambda self: api)
    runner = CliRunner()
    asked = runner.invoke(app, ["customer", "rename", "5", "--name", "小李国际贸易有限公司", "--reason", "licence"])
    assert asked.exit_code == 0 and asked.stdout == "name correction 4 of customer 5 waits for the order group\n"
    decided = runner.invoke(app, ["customer", "decide-name", "5", "--reject", "--reason", "no"])
    assert decided.exit_code == 0 and decided.stdout == "name correction 4 of customer 5: pending\n"
    assert api.sent == [("/customers/5/name-correction", {"name": "小李国际贸易有限公司", "reason": "licence",
                                                          "confirm_distinct": False}),
                        ("/customers/5/name-correction/decision", {"approve": False, "reason": "no"})]
    assert runner.invoke(app, ["customer", "decide-name", "5", "--reason", "no"]).exit_code == 2
    listed = runner.invoke(app, ["customer", "name-corrections"])
    assert listed.exit_code == 0 and "bob" in listed.stdout
