"""A loopback TCP proxy that injects real network faults between a process and a server it uses:
pass traffic, stall it (connections hang mid-request), or refuse it (the server is down)."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from enum import Enum


class Mode(Enum):
    PASS = "pass"
    STALL = "stall"  # bytes are held: a request in flight hangs, as on a frozen server
    STALL_ON = "stall_on"  # traffic passes until the client sends `trigger`; from then on, as STALL
    REFUSE = "refuse"  # new connections are reset and open ones cut: the server is down


class Proxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.mode = Mode.PASS
        self.trigger = b""
        self.held_bytes = 0  # bytes a client sent while stalled: a request is in flight
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def stall_on(self, trigger: bytes) -> None:
        """Hold everything from the request that contains `trigger`: the process is then mid-operation."""
        with self._lock:
            self.trigger, self.mode, self.held_bytes = trigger, Mode.STALL_ON, 0

    def set(self, mode: Mode) -> None:
        with self._lock:
            self.mode = mode
            self.held_bytes = 0
            if mode is Mode.REFUSE:
                for pair in self._pairs:
                    for sock in pair:
                        _close(sock)
                self._pairs.clear()

    def wait_for_held_request(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.held_bytes == 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"no request reached the stalled proxy for {self.target} in {timeout}s")
            time.sleep(0.05)

    def close(self) -> None:
        self._stopped = True
        _close(self._listener)
        self.set(Mode.REFUSE)

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode is Mode.REFUSE:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            with self._lock:
                self._pairs.append((client, upstream))
                self.connections += 1
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        pending: dict[socket.socket, bytes] = {client: b"", upstream: b""}
        other = {client: upstream, upstream: client}
        try:
            while not self._stopped:
                readable, _, _ = select.select([client, upstream], [], [], 0.1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pending[sock] += data
                if self.mode is Mode.STALL_ON and self.trigger in pending[client]:
                    self.mode = Mode.STALL
                if self.mode is Mode.STALL:
                    self.held_bytes = max(self.held_bytes, len(pending[client]))
                    continue
                if self.mode is Mode.REFUSE:
                    return
                for sock, data in pending.items():
                    if data:
                        other[sock].sendall(data)
                        pending[sock] = b""
        except OSError:
            return
        finally:
            _close(client)
            _close(upstream)
            with self._lock:
                if (client, upstream) in self._pairs:
                    self._pairs.remove((client, upstream))


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()
