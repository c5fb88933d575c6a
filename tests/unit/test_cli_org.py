"""`orderflow org load`: what a reload did, with each deactivated user's open orders to reassign."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from cli.runtime import Cli


class UploadingApi:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer, self.sent = answer, []

    def upload(self, url: str, file: Path, content_type: str) -> dict[str, Any]:
        self.sent.append((url, file.name, content_type))
        return self.answer


def test_org_load_lists_each_deactivated_reps_open_orders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    api = UploadingApi({"partners": 2, "users": 14, "deactivated": ["alice", "carol"],
                        "open_orders": {"alice": ["BJ100001", "BJ100002"], "carol": []}})
    monkeypatch.setattr(Cli, "api", lambda self: api)
    org_file = tmp_path / "org.yaml"
    org_file.write_text("partners: []\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["org", "load", str(org_file)])
    assert done.exit_code == 0, done.output
    assert done.stdout == ("loaded 2 partners and 14 users; deactivated alice, carol\n"
                           "alice's open orders to reassign (order reassign N --to REP --reason ...): "
                           "BJ100001, BJ100002\n")
    assert api.sent == [("/org", "org.yaml", "application/yaml")]
