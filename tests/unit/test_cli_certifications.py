"""`orderflow cert ...`: what each command sends to the API, and what it prints."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from cli.runtime import Api, ApiError, Cli

VIEW = {"order_number": "BJ100001", "status": "AWAITING_DOCUMENTS", "rounds": 1, "allowed_rounds": 3,
        "reasons": ["illegible"], "service_starts_on": None, "documents": []}


class RecordingApi(Api):
    def __init__(self, answer: Any) -> None:  # no connection: every call ends in `request`
        self.answer, self.sent = answer, list[tuple[str, str, Any]]()

    def request(self, method: str, url: str, *, json_body: Any = None, **_: Any) -> Any:
        self.sent.append((method, url, json_body))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.mark.parametrize("args, sent", [
    (["cert", "answer", "BJ100001", "--fail", "--reason", "illegible", "--note", "blurred"],
     ("POST", "/certifications/BJ100001/answer", {"passed": False, "reasons": ["illegible"], "note": "blurred"})),
    (["cert", "answer", "BJ100001", "--pass"],
     ("POST", "/certifications/BJ100001/answer", {"passed": True, "reasons": [], "note": None})),
    (["cert", "hand-in", "BJ100001", "--position", "总经理"],
     ("POST", "/certifications/BJ100001/hand-in", {"position": "总经理"})),
    (["cert", "return", "BJ100001", "--reason", "name_mismatch", "--reason", "other", "--note", "股份"],
     ("POST", "/certifications/BJ100001/return", {"reasons": ["name_mismatch", "other"], "note": "股份"})),
    (["cert", "escalation", "BJ100001", "--decision", "close", "--note", "give up"],
     ("POST", "/certifications/BJ100001/escalation", {"decision": "close", "note": "give up"})),
    (["cert", "start", "BJ100001"], ("POST", "/certifications/BJ100001/start", {})),
])
def test_each_step_sends_its_body_and_says_where_it_stands(monkeypatch: pytest.MonkeyPatch, args: list[str],
                                                          sent: tuple[str, str, Any]) -> None:
    api = RecordingApi(VIEW)
    monkeypatch.setattr(Cli, "api", lambda self: api)
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert api.sent == [sent]
    assert done.stdout == "certification of BJ100001: AWAITING_DOCUMENTS (round 1 of 3); reasons: illegible\n"


def test_a_refused_answer_exits_4_with_the_apis_message(monkeypatch: pytest.MonkeyPatch) -> None:
    api = RecordingApi(ApiError(403, "forbidden", "alice (channel sales) may not answer for the certification agency"))
    monkeypatch.setattr(Cli, "api", lambda self: api)
    done = CliRunner().invoke(app, ["cert", "answer", "BJ100001", "--pass"])
    assert done.exit_code == 4 and "may not answer" in done.stderr
