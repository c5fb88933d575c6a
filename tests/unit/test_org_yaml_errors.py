"""A broken org file is reported by what is wrong and where, never with the text around it: the file holds
robot tokens and secrets, and the message reaches the API's answer and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import InvalidInput
from orderflow.orgfile import read_org_file


@pytest.mark.parametrize("text", [
    "users:\n  - {username: a, chat: {kind: dingtalk, url: 'https://oapi.dingtalk.com/robot/send?access_token=TOKEN1\n",
    "users:\n  - username: a\n    chat: {kind: dingtalk, secret: SECRET1, url: [\n  bad: : :\n",
    "users:\n\t- secret: SECRET1\n",
])
def test_a_yaml_syntax_error_names_the_place_but_not_the_text(tmp_path: Path, text: str):
    path = tmp_path / "org.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as bad:
        read_org_file(path)
    message = bad.value.message
    assert "not valid YAML" in message and " at line " in message
    assert "TOKEN1" not in message and "SECRET1" not in message and "access_token" not in message
