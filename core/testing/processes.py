"""Real processes for tests and scripts: free loopback ports, a started command that is stopped for sure."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, Mapping


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """A command run in its own session (so it and its children are signalled together), output into ``log``."""

    def __init__(self, name: str, cmd: list[str], env: Mapping[str, str], cwd: Path, log: Path) -> None:
        self.name, self.cmd, self.env, self.cwd, self.log = name, cmd, dict(env), cwd, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> "Service":
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return "<no log>"

    def wait_until(self, ready: Callable[[], bool], timeout: float = 60, what: str = "ready") -> float:
        """Poll ``ready()`` until it is true; seconds it took. Fails with the log when the process ends or time runs out."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.log_tail()}")
            if ready():
                return time.monotonic() - t0
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} not {what} after {timeout:.0f} s:\n{self.log_tail()}")

    def wait_http(self, url: str, timeout: float = 60, status: int = 200, **kwargs: object) -> float:
        """Wait until GET ``url`` answers ``status``; seconds it took."""
        import httpx

        def answers() -> bool:
            try:
                return httpx.get(url, timeout=2, **kwargs).status_code == status  # type: ignore[arg-type]
            except httpx.HTTPError:
                return False

        return self.wait_until(answers, timeout, f"answering {url}")

    def _signal(self, sig: int) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def kill(self) -> None:
        """SIGKILL, as a crash or a power cut would end it."""
        self._signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM, then SIGKILL after ``timeout`` seconds. Idempotent."""
        if not self.running:
            return
        self._signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)  # type: ignore[union-attr]
        except subprocess.TimeoutExpired:
            self.kill()
