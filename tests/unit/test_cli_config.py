"""The CLI's own safety rules, without a server: where it may send a password, and which token it sends."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import config


@pytest.mark.parametrize(("url", "refused"), [
    ("http://127.0.0.1:8000", False), ("http://localhost:8000", False), ("http://[::1]:8000", False),
    ("https://orderflow.example.com", False), ("http://10.0.0.5:8000", True), ("http://orderflow.example.com", True),
    ("ftp://orderflow.example.com", True), ("orderflow.example.com", True), ("http://", True),
])
def test_plain_http_goes_to_this_machine_only(url: str, refused: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORDERFLOW_API_INSECURE", raising=False)
    assert (config.unsafe_url(url) is not None) is refused
    if url.startswith("http://") and "." in url and refused:
        monkeypatch.setenv("ORDERFLOW_API_INSECURE", "1")
        assert config.unsafe_url(url) is None


def test_a_stored_token_goes_only_to_the_api_that_issued_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("ORDERFLOW_TOKEN", raising=False)
    saved = config.save("http://127.0.0.1:8000/", "amy", "oft_secret", 1, "2027-01-01T00:00:00+00:00")
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    assert config.token_for("http://127.0.0.1:8000") == "oft_secret"
    assert config.token_for("http://127.0.0.1:9999") is None
    monkeypatch.setenv("ORDERFLOW_TOKEN", "oft_from_env")
    assert config.token_for("http://127.0.0.1:9999") == "oft_from_env"
    assert config.stored_token_for("http://127.0.0.1:8000") == "oft_secret"  # logout forgets the file's only
    assert config.forget() and not config.forget()
