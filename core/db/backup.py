"""Backups of a deployment: its database and the files under ``<data_dir>/media``, with a manifest.

A backup is a folder:

- ``manifest.json``: format, Quartier version, database kind, time, the applied migrations and every
  file of the backup with its size and SHA-256;
- ``database.sqlite`` (SQLite's online backup API: one consistent copy while the app writes) or
  ``database.dump`` (PostgreSQL: ``pg_dump --format=custom``, one snapshot);
- ``media/``: a copy of ``<data_dir>/media``, where plugins keep their files.

The database is copied first, then the files: a file uploaded meanwhile is in the backup without
its row (harmless), never a row without its file, unless the file was deleted meanwhile.
``restore`` checks every hash, refuses a database or media folder that is not empty, restores, then
applies the migrations this version has beyond the backup's.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse, urlunparse

from core import __version__
from core.config import ConfigError
from core.db.engine import sqlite_path
from core.db.migrations import known_migrations

if TYPE_CHECKING:
    from core.deployment import Deployment

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
POSTGRES_FILE = "database.dump"
MEDIA = "media"


class BackupError(ConfigError):
    """A backup or restore that cannot be done; one sentence for the operator."""


def media_folder(deployment: Deployment) -> Path:
    return Path(deployment.settings.data_dir) / MEDIA


def pg_bindirs() -> list[Path]:
    """``/usr/lib/postgresql/<version>/bin`` folders, newest version first."""

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", Path(path).parent.name)) or (0,)

    return [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)]


def find_pg_tool(name: str) -> Path:
    """A PostgreSQL client program (``pg_dump``, ``pg_restore``) on PATH or in ``/usr/lib/postgresql/*/bin``."""
    found = shutil.which(name)
    if found:
        return Path(found)
    for folder in pg_bindirs():
        if (folder / name).is_file():
            return folder / name
    raise BackupError(f"The PostgreSQL client program {name} was not found on PATH or in /usr/lib/postgresql/*/bin: "
                      "install the PostgreSQL client tools (Debian: apt install postgresql-client).")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _entry(root: Path, path: Path) -> dict[str, Any]:
    return {"path": path.relative_to(root).as_posix(), "size": path.stat().st_size, "sha256": _sha256(path)}


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password (which would show in the process list) and the environment carrying it."""
    parts = urlparse(url)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = unquote(parts.password)  # the URL may percent-encode it
        netloc = parts.netloc.rsplit("@", 1)
        parts = parts._replace(netloc=f"{netloc[0].split(':', 1)[0]}@{netloc[1]}")
    return urlunparse(parts._replace(scheme="postgresql")), env


def _run_pg(tool: str, args: list[str], url: str) -> None:
    program = find_pg_tool(tool)
    dsn, env = _libpq(url)
    done = subprocess.run([str(program), *args, f"--dbname={dsn}"], env=env, capture_output=True, text=True)
    if done.returncode:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise BackupError(f"{tool} failed: {reason}.")


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a SQLite database with the online backup API (a consistent snapshot while others write)."""
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # the backup is one file


async def _applied(deployment: Deployment) -> dict[str, list[str]]:
    from piccolo.apps.migrations.tables import Migration

    rows = await Migration.select(Migration.app_name, Migration.name)
    applied: dict[str, list[str]] = {}
    for row in rows:
        applied.setdefault(row["app_name"], []).append(row["name"])
    return {app: sorted(ids) for app, ids in sorted(applied.items())}


async def backup(deployment: Deployment, target: Path) -> dict[str, Any]:
    """Write a backup of the running deployment to the new folder ``target``; return its manifest."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} already exists and is not an empty folder: name a new one.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    deployment.bind()
    sqlite = deployment.settings.is_sqlite
    partial = target.parent / f".{target.name}.partial-{os.getpid()}"  # renamed to target when complete
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(mode=0o700)  # it holds every person's data: the operator's account only
    try:
        started = datetime.now(timezone.utc)
        applied = await _applied(deployment)
        database = partial / (SQLITE_FILE if sqlite else POSTGRES_FILE)
        if sqlite:
            await asyncio.to_thread(_sqlite_copy, sqlite_path(deployment.settings.database_url), database)
        else:
            await asyncio.to_thread(_run_pg, "pg_dump", ["--format=custom", "--no-owner", "--no-privileges",
                                                         f"--file={database}"], deployment.settings.database_url)
        media = media_folder(deployment)
        for source in _files_under(media):
            copy = partial / MEDIA / source.relative_to(media)
            copy.parent.mkdir(parents=True, exist_ok=True)
            await asyncio.to_thread(shutil.copyfile, source, copy)
        manifest = {
            "format": FORMAT, "quartier_version": __version__, "database": "sqlite" if sqlite else "postgresql",
            "created_at": started.isoformat(timespec="seconds"), "plugins": list(deployment.plugins),
            "migrations": applied, "database_file": _entry(partial, database),
            "files": [_entry(partial, copy) for copy in _files_under(partial / MEDIA)],
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        if target.exists():
            target.rmdir()
        partial.rename(target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of a backup folder, after checking every file's size and hash against it."""
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source} holds no {MANIFEST}: it is not a Quartier backup.") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source / MANIFEST} cannot be read ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source / MANIFEST} is not a backup of format {FORMAT}, which this version restores.")
    for entry in [manifest["database_file"], *manifest["files"]]:
        path = source / entry["path"]
        if not path.is_file() or path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            raise BackupError(f"The backup is damaged: {entry['path']} is missing or differs from the manifest.")
    return manifest


async def _has_tables(deployment: Deployment) -> bool:
    if deployment.settings.is_sqlite:
        path = sqlite_path(deployment.settings.database_url)
        if not path.exists():
            return False
        with contextlib.closing(sqlite3.connect(path)) as conn:
            return conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0] > 0
    rows = await deployment.engine.run_ddl(
        "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')", in_pool=False)
    return rows[0]["n"] > 0


async def restore(deployment: Deployment, source: Path) -> dict[str, Any]:
    """Restore the backup folder ``source`` into the deployment's empty database and media folder; return the manifest."""
    manifest = read_manifest(source)
    kind = "sqlite" if deployment.settings.is_sqlite else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(f"The backup holds a {manifest['database']} database; this deployment uses {kind}.")
    known = {app.app_name: known_migrations(app) for app in deployment.apps}
    newer = sorted(f"{app}:{i}" for app, ids in manifest["migrations"].items() if app in known for i in ids
                   if i not in known[app])
    if newer:
        raise BackupError(f"The backup was made by a newer Quartier (it has migrations this version lacks: {newer[0]}).")
    if await _has_tables(deployment):
        raise BackupError("The database already holds tables: restore only into an empty database.")
    media = media_folder(deployment)
    if _files_under(media):
        raise BackupError(f"The folder {media} already holds files: restore only into an empty data directory.")
    database = source / manifest["database_file"]["path"]
    if deployment.settings.is_sqlite:
        await asyncio.to_thread(_sqlite_copy, database, sqlite_path(deployment.settings.database_url))
        with contextlib.closing(sqlite3.connect(sqlite_path(deployment.settings.database_url))) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
    else:
        await asyncio.to_thread(_run_pg, "pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error",
                                                        "--single-transaction", str(database)],
                                deployment.settings.database_url)
    await deployment.migrate()
    for entry in manifest["files"]:
        copy = media / Path(entry["path"]).relative_to(MEDIA)
        copy.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(shutil.copyfile, source / entry["path"], copy)
        if _sha256(copy) != entry["sha256"]:
            raise BackupError(f"Restoring {entry['path']} to {copy} did not give the same file.")
    return manifest
