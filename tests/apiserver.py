"""A real `orderflow serve` process on loopback for the end-to-end and fault tests, and a token per user:
the password is set as `orderflow admin set-password` sets it, and the token comes from a real HTTP login."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import free_port, settings_from_env

CLI = str(Path(sys.executable).parent / "orderflow")
PASSWORD = "an end-to-end passphrase"


class ApiServer:
    def __init__(self, env: dict[str, str], tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp / f"api-{self.port}.log"
        self._env = env
        self._tokens: dict[str, str] = {}
        with self.log_path.open("w") as log:
            self.proc = subprocess.Popen([CLI, "serve", "--port", str(self.port)], env=env, cwd=tmp, stdout=log,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, f"the API server stopped:\n{self.log_path.read_text()}"
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"the API server did not start:\n{self.log_path.read_text()}"
            time.sleep(0.1)

    def token(self, user: str) -> str:
        if user not in self._tokens:
            from services.auth import set_password
            from services.context import build_services

            services = build_services(settings_from_env(self._env))
            set_password(services, user, PASSWORD, by="test")
            services.sessions.kw["bind"].dispose()
            answer = httpx.post(f"{self.url}/auth/login", json={"username": user, "password": PASSWORD,
                                                                 "label": "end-to-end test"}, timeout=30)
            assert answer.status_code == 200, answer.text
            self._tokens[user] = answer.json()["token"]
        return self._tokens[user]

    def env_for(self, user: str | None) -> dict[str, str]:
        env = {**self._env, "ORDERFLOW_API_URL": self.url}
        if user:
            env["ORDERFLOW_TOKEN"] = self.token(user)
        return env

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
