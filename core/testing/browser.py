"""Live ASGI server in a thread plus headless Chromium helpers for browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from typing import Any

import uvicorn

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def find_chromium() -> str | None:
    """Path of a system Chromium binary, or None."""
    env = os.environ.get("QUARTIER_CHROMIUM")
    if env:
        return env
    if os.path.isfile("/usr/bin/chromium") and os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium") or shutil.which("chromium-browser")


def launch_chromium(playwright: Any) -> Any:
    """Launch the system Chromium through a (sync or async) Playwright instance."""
    return playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS, headless=True)


class LiveServer:
    """Serve an ASGI app with uvicorn on 127.0.0.1:<free port> in a background thread."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.port: int | None = None
        self.server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("server not started")
        return f"http://127.0.0.1:{self.port}"

    def _run(self) -> None:
        # uvicorn skips signal handlers outside the main thread (capture_signals);
        # server.run() makes its own event loop. Keep exceptions (incl. SystemExit
        # from a failed lifespan startup) instead of letting them hit threading.excepthook.
        try:
            assert self.server is not None and self._sock is not None
            self.server.run(sockets=[self._sock])
        except BaseException as exc:  # noqa: BLE001
            self._error = exc

    def start(self, timeout: float = 15.0) -> "LiveServer":
        if self._thread is not None:
            return self
        # Bind the socket ourselves so the port cannot be taken between lookup and use.
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        if hasattr(self.server, "install_signal_handlers"):
            self.server.install_signal_handlers = lambda: None  # old uvicorn (<0.29)
        self._error = None
        self._thread = threading.Thread(target=self._run, name=f"live-server-{self.port}", daemon=True)
        self._thread.start()

        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                error = self._error
                self.stop()
                reason = f"server thread exited: {error!r}" if error else f"timeout after {timeout}s"
                raise RuntimeError(f"uvicorn did not start ({reason})") from error
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and join the thread. Idempotent."""
        if self.server is not None:
            self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)
            if self._thread.is_alive() and self.server is not None:
                self.server.force_exit = True  # stop waiting for open connections
                self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
        self._thread = None
        self._sock = None

    def __enter__(self) -> "LiveServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
