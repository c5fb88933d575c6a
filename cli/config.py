"""Where the CLI keeps its token: `$XDG_CONFIG_HOME/orderflow/token.json` (default ~/.config), mode 0600.

A stored token is sent only to the API address it was issued by, so pointing ORDERFLOW_API_URL elsewhere
never hands it to another server. ORDERFLOW_TOKEN (for scripts) wins over the file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "orderflow"


def token_file() -> Path:
    return config_dir() / "token.json"


def stored() -> dict[str, Any] | None:
    try:
        data = json.loads(token_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("token"), str) else None


def unsafe_url(api_url: str) -> str | None:
    """Passwords and tokens cross the network in the clear over plain http: allowed to this machine only, or
    when ORDERFLOW_API_INSECURE=1 says so (a private network, a test)."""
    from urllib.parse import urlsplit

    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"ORDERFLOW_API_URL {api_url!r} is not an http(s) address such as https://orderflow.example.com"
    loopback = parts.hostname in ("localhost", "::1") or parts.hostname.startswith("127.")
    if parts.scheme == "http" and not loopback and os.environ.get("ORDERFLOW_API_INSECURE") != "1":
        return (f"ORDERFLOW_API_URL {api_url} is plain http to another machine: your password and token would "
                "cross the network readable; use https, or set ORDERFLOW_API_INSECURE=1 on a network you trust")
    return None


def token_for(api_url: str) -> str | None:
    env = os.environ.get("ORDERFLOW_TOKEN")
    if env:
        return env.strip()
    return stored_token_for(api_url)


def stored_token_for(api_url: str) -> str | None:
    """The token in the file, if it was issued by this API address."""
    data = stored()
    saved_for = data.get("api_url") if data else None
    if data and isinstance(saved_for, str) and saved_for.rstrip("/") == api_url.rstrip("/"):
        return str(data["token"])
    return None


def save(api_url: str, username: str, token: str, token_id: int, expires_at: str) -> Path:
    """Write the token readable by its owner only, created with that mode so it is never briefly open."""
    path = token_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    os.fchmod(fd, 0o600)  # a leftover file keeps its old mode under O_CREAT: narrow it before the token is written
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"api_url": api_url.rstrip("/"), "username": username, "token": token, "token_id": token_id,
                   "expires_at": expires_at}, fh)
    os.replace(tmp, path)
    return path


def forget() -> bool:
    try:
        token_file().unlink()
        return True
    except FileNotFoundError:
        return False
