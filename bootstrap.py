#!/usr/bin/env python3
"""The README's two commands, needing nothing but Python 3.11+:

    python3 bootstrap.py start   # install, create the SQLite database, load the demo, serve on :8000
    python3 bootstrap.py test    # install with test extras and run the whole test suite

Everything is installed into ./.venv; the machine's Python stays untouched.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*/pyproject.toml")) if (ROOT / "examples").is_dir() else []


def run(*cmd: str | Path, **kwargs) -> None:
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, **kwargs)
    if result.returncode != 0:
        sys.exit(result.returncode)


def install(extras: str = "", examples: bool = False) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Quartier needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    targets = [f".[{extras}]" if extras else "."]
    if examples:
        targets += [str(p.parent) for p in EXAMPLES]
    # Reinstall only when the package definitions change.
    digest = hashlib.sha256()
    for path in [ROOT / "pyproject.toml", *EXAMPLES]:
        digest.update(path.read_bytes())
    digest.update(" ".join(targets).encode())
    stamp = VENV / ".quartier-install"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    print("Installing Quartier into .venv ...", flush=True)
    editable = [arg for target in targets for arg in ("-e", target)]
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *editable)
    stamp.write_text(digest.hexdigest())


def start(args: list[str]) -> None:
    install()
    quartier = BIN / "quartier"
    run(quartier, "demo")
    os.execv(str(quartier), [str(quartier), "run", *args])


def test(args: list[str]) -> None:
    install("test", examples=True)
    os.chdir(ROOT)
    # One pytest worker per core (at most 4), each with its own PostgreSQL cluster; `-n 0` runs in one process.
    os.execv(str(BIN / "python"), [str(BIN / "python"), "-m", "pytest", "-n", "auto", "--maxprocesses", "4", *args])


def main() -> None:
    command, *args = sys.argv[1:] or ["start"]
    if command == "start":
        start(args)
    elif command == "test":
        test(args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
