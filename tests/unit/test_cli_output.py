"""The CLI's human output shows typed text as text: no rich markup or emoji taken from it, no terminal escape.

Rendered on a (forced) colour terminal, where rich would draw a `[link=...]` as an OSC 8 hyperlink and an ESC in
the data would reach the terminal, through the real render functions and commands."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from cli.render import notification_rows, order_rows, order_view
from cli.render_payments import import_report, line_detail, queue_view, slip_links
from cli.runtime import ApiError, Cli
from domain.printable import printable
from tests.hostile import HOSTILE

CLI_HOSTILE = ["[link=https://evil.example]x[/link]", "[/]", "[bold red]x", ":warning:",
               "\x1b]8;;http://evil\x1b\\x\x1b]8;;\x1b\\", "\x1b[2J", "\u202e", "a\nb", "x\\", *HOSTILE]
SGR = re.compile(r"\x1b\[[0-9;]*m")  # rich's own colours; whatever else is an escape came from the data
AT = "2026-11-27T04:00:00+00:00"


@pytest.fixture(autouse=True)
def colour_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "30000")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))  # no stored token: titles ask the (fake) API who is in


def assert_inert(out: str, texts: list[str]) -> None:
    assert "\x1b]" not in out, "an OSC sequence (a hyperlink, a title) from the data"
    shown = SGR.sub("", out)
    assert "\x1b" not in shown and "\u202e" not in shown and "\u200b" not in shown
    assert "⚠" not in out and "😄" not in out, "an emoji code was substituted"
    for text in texts:
        if len(text) <= 500:  # longer ones are wrapped by the table; they must only not crash
            assert printable(text) in shown, (text, shown[:2000])


def _view(t: str) -> dict[str, Any]:
    return {
        "number": t, "partner": t, "rep": t, "status": "SECOND_REVIEW", "pending_role": "order_group",
        "pending_user": t, "since": AT, "supervisor": t,
        "fields": {"customer_id": 7, "customer_name": t, "product": t, "kind": t, "amount": "12000.00",
                   "signed_on": "2026-11-20", "location": t, "paid_total": "100.00", "credit_balance": "5.00",
                   "effective_on": None, "rounds": 1, "predecessor": t, "successor": t, "due_at": AT,
                   "payments": [{"ref": t, "amount": "60.00", "paid_on": "2026-11-21"},
                                {"ref": None, "amount": "40.00", "paid_on": t}],
                   "rejection": {"reasons": ["missing_stamp"], "note": t, "remedy": "correct",
                                 "stage": "FIRST_REVIEW", "by": t, "at": AT}},
        "timeline": [{"seq": 1, "at": AT, "action": t, "actor": t, "source": None, "target": t, "note": t}],
        "scans": [{"version": 1, "key": t, "size": 1024, "sha256": "0" * 64, "content_type": t, "uploaded_by": t}],
        "slips": [{"version": 1, "key": t, "size": 10, "sha256": "0" * 64, "content_type": "image/png",
                   "uploaded_by": t, "claimed_amount": "100.00", "claimed_on": "2026-11-21", "url": t}],
    }


def _line(t: str) -> dict[str, Any]:
    return {"bank_ref": t, "value_date": "2026-11-21", "amount": "100.00", "payer_name": t, "status": t, "note": t,
            "candidates": [{"number": t, "outstanding": "100.00",
                            "slips": [{"version": 1, "claimed_amount": "100.00", "claimed_on": "2026-11-21",
                                       "uploaded_by": t, "url": t}]}]}


@pytest.mark.parametrize("text", CLI_HOSTILE, ids=range(len(CLI_HOSTILE)))
def test_the_render_functions_show_typed_text_as_text(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    row = {"number": text, "partner": text, "rep": text, "status": text, "pending": text, "customer": text,
           "amount": text, "updated_at": AT}
    renders: list[Callable[[], None]] = [
        lambda: order_view(_view(text)),
        lambda: order_rows([row], text),
        lambda: notification_rows([{"at": AT, "order": text, "kind": text, "text": text}], text),
        lambda: queue_view({"lines": [_line(text)], "credit_balances": [
            {"number": text, "customer": text, "amount": "1.00", "paid": "2.00", "credit_balance": "1.00"}]}),
        lambda: line_detail({"line": _line(text), "matched_to": text,
                             "history": [{"at": AT, "action": text, "order": text, "actor": text, "note": text}]}),
        lambda: import_report({"file": text, "encoding": "gbk", "delimiter": ",", "imported": 1,
                               "already_imported": 0, "repeated_in_file": 0, "errors": [{"line": 2, "reason": text}],
                               "outcomes": [{"bank_ref": text, "status": text, "order": None, "candidates": [text],
                                             "note": text}], "stopped": text}),
        lambda: slip_links([{"version": 1, "claimed_amount": "1.00", "claimed_on": "2026-11-21",
                             "uploaded_by": text, "url": text}]),  # plain print: only invisible characters matter
    ]
    for render in renders:  # each on its own: every one of them shows the text, as typed
        render()
        assert_inert(capsys.readouterr().out, [text])


class FakeApi:
    """The API's answers by path, each carrying the typed text."""

    def __init__(self, t: str) -> None:
        who = {"username": "olga", "name": t, "role": "manager", "partners": [t], "regions": [t],
               "token": {"id": 1, "expires_at": AT}}
        self.answers: dict[str, Any] = {
            "/customers": [{"id": 1, "name": t, "region": t, "owner": t}],
            "/customers/check": [{"customer": 1, "name": t, "match": t, "score": 90, "holder": t, "region": t}],
            "/customers/1/claim": {"id": 1, "name": t, "owner": t},
            "/customers/1/history": [{"at": AT, "from": t, "to": t, "reason": t, "by": t}],
            "/transfer-applications": [{"application": t, "customer": 1, "rep": t, "reason": t, "status": t,
                                        "decision": t}],
            "/team": {"since": AT, "reps": [{"rep": t, "name": t, "active": True, "contacts": 3}],
                      "notes": [{"at": AT, "rep": t, "customer": t, "text": t}]},
            "/credits": [{"order": t, "rep": t, "partner": t, "kind": t, "amount": t, "effective_on": t}],
            "/auth/tokens": [{"id": 1, "label": t, "hint": t, "created_at": AT, "expires_at": AT,
                              "last_used_at": None, "current": True}],
            "/auth/whoami": who,
            "/ops/report": {"counts": [{"status": t, "partner": t, "count": 1}], "ageing": {t: {"<1d": 1}},
                            "breaches": [{"number": t, "partner": t, "rep": t, "status": t, "due_at": AT}]},
            "/ops/queries": [{"name": t, "query": t, "url": t}],
            "/orders/BJ100001": _view(t),
            "/inbox": {"orders": [], "notifications": [{"at": AT, "order": t, "kind": t, "text": t}]},
        }

    def get(self, url: str, **_: Any) -> Any:
        if url == "/orders/BJ100002":
            raise ApiError(422, "invalid", self.answers["/customers"][0]["name"])
        return self.answers[url]

    get_all = get

    def post(self, url: str, body: Any = None, **_: Any) -> Any:
        return self.answers[url]


COMMANDS = [["customer", "list"], ["customer", "check", "--name", "x"], ["customer", "claim", "1"],
            ["customer", "history", "1"], ["customer", "applications"], ["team"], ["credits"], ["tokens", "list"],
            ["whoami"], ["ops", "report"], ["ops", "queries"], ["order", "show", "BJ100001"], ["inbox"]]


@pytest.mark.parametrize("text", CLI_HOSTILE[:10], ids=range(10))
def test_the_commands_show_typed_text_as_text(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Cli, "api", lambda self: FakeApi(text))
    runner = CliRunner()
    for command in COMMANDS:
        done = runner.invoke(app, command)
        assert done.exit_code == 0, (command, done.output, done.exception)
        assert_inert(done.stdout, [text])
    refused = runner.invoke(app, ["order", "show", "BJ100002"])  # the API's message quotes what was typed
    assert refused.exit_code == 2 and refused.stderr == f"error: {printable(text)}\n"


def test_json_output_is_the_apis_json_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Cli, "api", lambda self: FakeApi("[bold]x\x1b[2J"))
    done = CliRunner().invoke(app, ["--json", "customer", "list"])
    assert '"name": "[bold]x\\u001b[2J"' in done.stdout


def test_every_command_builds_its_console_in_cli_console():
    root = Path(__file__).resolve().parents[2] / "cli"
    built = [p.name for p in root.glob("*.py") if "Console(" in p.read_text(encoding="utf-8")]
    assert built == ["console.py"], "use cli.console.console(): emoji codes off, and typed() for the data"
