"""Live ASGI server in a thread, headless Chromium and axe-core helpers for browser tests."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import tarfile
import threading
import time
from pathlib import Path
from typing import Any, Coroutine, TypeVar

import uvicorn

T = TypeVar("T")

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
    """Serve an ASGI app with uvicorn on 127.0.0.1:<free port> in a background thread.

    ``options`` go to ``uvicorn.Config`` (e.g. ``proxy_headers=False`` as ``quartier run`` / ``serve`` pass it).
    """

    def __init__(self, app: Any, **options: Any) -> None:
        self.app = app
        self.options = options
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
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, **{"log_level": "warning", "lifespan": "on", **self.options})
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


# -- running coroutines from sync browser tests ---------------------------------------
def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion with ``asyncio.run`` (a fresh event loop) on a worker thread.

    Browser tests are sync functions. Playwright's sync API marks its own event loop
    as running in the main thread between calls, so a plain ``asyncio.run`` there
    fails ("cannot be called from a running event loop") once a browser exists. A
    worker thread has no running loop. Piccolo tables are bound globally (see
    ``Deployment.bind``), so the coroutine uses the same database as the app.
    """
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=target, name="run-async")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# -- Content-Security-Policy violations ------------------------------------------------
CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) => window.quartierCspViolation(
    `${e.effectiveDirective} blocked ${e.blockedURI || "an inline resource"} on ${e.documentURI}` +
    (e.sourceFile ? ` (${e.sourceFile}:${e.lineNumber})` : "") + (e.sample ? `: ${e.sample}` : "")));"""


def watch_csp_violations(context: Any) -> list[str]:
    """Collect every Content-Security-Policy violation in the pages of ``context`` (sync Playwright).

    The listener is an init script and the report a binding: DevTools adds both, so the CSP
    under test does not block them. Returns the list that the reports are appended to.
    """
    violations: list[str] = []
    context.expose_binding("quartierCspViolation", lambda _source, text: violations.append(text))
    context.add_init_script(CSP_LISTENER)
    return violations


# -- axe-core (accessibility checks) --------------------------------------------------
AXE_WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")


class AxeUnavailable(RuntimeError):
    """axe-core could not be fetched (no npm, no registry)."""


def ensure_axe_core(cache_dir: Path, spec: str = "axe-core@4", timeout: float = 180.0) -> Path:
    """Path of ``axe.min.js`` in ``cache_dir``; fetch it with ``npm pack`` unless it is there already.

    Nothing is installed: the package tarball is downloaded into ``cache_dir`` and
    only ``package/axe.min.js`` (and its package.json, for the version) is extracted.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    script = cache_dir / "axe.min.js"
    if script.is_file() and script.stat().st_size > 0:
        return script
    tarballs = sorted(cache_dir.glob("axe-core-*.tgz"))
    if not tarballs:
        npm = shutil.which("npm")
        if npm is None:
            raise AxeUnavailable("npm not found; it is needed once to fetch axe-core")
        env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false", "npm_config_audit": "false"}
        try:
            result = subprocess.run(
                [npm, "pack", spec, "--pack-destination", str(cache_dir), "--loglevel=error"],
                capture_output=True, text=True, timeout=timeout, env=env, cwd=cache_dir, check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AxeUnavailable(f"npm pack {spec} failed: {exc}") from exc
        if result.returncode != 0:
            raise AxeUnavailable(f"npm pack {spec} failed (exit {result.returncode}): {(result.stderr or result.stdout).strip()[-800:]}")
        tarballs = sorted(cache_dir.glob("axe-core-*.tgz"))
        if not tarballs:
            raise AxeUnavailable(f"npm pack {spec} wrote no axe-core-*.tgz to {cache_dir}")
    with tarfile.open(tarballs[-1], "r:gz") as archive:
        for name, target in (("package/package.json", cache_dir / "package.json"), ("package/axe.min.js", script)):
            member = archive.extractfile(name)
            if member is None:
                raise AxeUnavailable(f"{tarballs[-1].name} has no {name}")
            partial = target.with_suffix(target.suffix + ".part")
            partial.write_bytes(member.read())
            partial.replace(target)  # atomic: a half-written file is never picked up
    return script


def axe_version(script: Path) -> str:
    try:
        return json.loads((script.parent / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return "4.x"


def axe_violations(page: Any, script: Path, tags: tuple[str, ...] = AXE_WCAG_TAGS) -> list[dict[str, Any]]:
    """Inject axe-core into ``page`` (sync Playwright) and return its violations for ``tags``."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through DevTools, which the page's Content-Security-Policy does not govern (a <script> tag would be blocked).
        page.evaluate(script.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target.map(String), html: n.html, summary: n.failureSummary || ''})),
            }));
        }""",
        list(tags),
    )


def format_axe_violations(violations: list[dict[str, Any]], where: str, version: str = "") -> str:
    """A readable list: one block per rule with its help text and the offending nodes."""
    tool = f"axe-core {version}" if version else "axe-core"
    lines = [f"{tool} found {len(violations)} WCAG 2.1 A/AA violation(s) on {where}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact') or 'n/a'}): {v['help']}")
        lines.append(f"  {v.get('helpUrl', '')}")
        for node in v["nodes"][:10]:
            detail = " ".join(line.strip() for line in node.get("summary", "").splitlines()[1:2])
            lines.append(f"    {' '.join(node['target'])}  {node['html'][:160]}")
            if detail:
                lines.append(f"      -> {detail[:240]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)
