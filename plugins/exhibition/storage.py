"""Where exhibit images live: a folder of this machine, the database (shared by every node), or a factory's store.

Files are read and written in pieces of at most ``CHUNK`` bytes, so serving or moving one never holds it whole.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import os
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from core.plugin_api import after_commit, is_postgres, transaction
from plugins.exhibition.media import NAME
from plugins.exhibition.tables import ExhibitImage, MediaChunk, MediaFile

CHUNK = 256 * 1024
BUILT_IN = ("database", "folder")
LABELS = {"database": "the database", "folder": "the folder"}
GRACE = timedelta(hours=1)  # the sweep leaves younger files alone: their upload may still be writing its row


@dataclass(frozen=True)
class StoredFile:
    size: int
    etag: str  # quoted; changes when the stored bytes do
    modified: datetime  # UTC


class MediaStorage(Protocol):
    """Where image files live. Names look like ``<key>/original.jpeg`` or ``<key>/960.webp``; a name's bytes never change.

    ``transactional``: ``delete`` joins the caller's database transaction (else files go after the commit).
    """

    transactional: bool

    async def save(self, name: str, data: bytes | AsyncIterable[bytes]) -> None: ...

    async def stat(self, name: str) -> StoredFile | None: ...

    def stream(self, name: str) -> AsyncIterator[bytes]: ...  # nothing when the file is missing

    async def delete(self, name: str) -> None: ...

    def files(self) -> AsyncIterator[tuple[str, StoredFile]]: ...


def _check(name: str) -> str:
    if not NAME.match(name):
        raise ValueError(f"not a media file name: {name!r}")
    return name


async def _pieces(data: bytes | AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """``data`` in pieces of ``CHUNK`` bytes (the last one shorter), however it arrives."""
    if isinstance(data, bytes):
        for start in range(0, len(data), CHUNK):
            yield data[start:start + CHUNK]
        return
    buffer = bytearray()
    async for piece in data:
        buffer += piece
        while len(buffer) >= CHUNK:
            yield bytes(buffer[:CHUNK])
            del buffer[:CHUNK]
    if buffer:
        yield bytes(buffer)


def _utc(value: Any) -> datetime:
    when = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return when.replace(tzinfo=timezone.utc) if when.tzinfo is None else when.astimezone(timezone.utc)


class FolderStorage:
    """Files in a folder of this machine (the SQLite default: ``<data_dir>/media/exhibition``)."""

    transactional = False

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def __str__(self) -> str:
        return f"the folder {self.root}"

    def _path(self, name: str) -> Path:
        return self.root / _check(name)

    async def save(self, name: str, data: bytes | AsyncIterable[bytes]) -> None:
        path = self._path(name)
        partial = path.with_suffix(path.suffix + ".part")
        await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
        handle = await asyncio.to_thread(open, partial, "wb")
        try:
            async for piece in _pieces(data):
                await asyncio.to_thread(handle.write, piece)
            await asyncio.to_thread(handle.flush)
            await asyncio.to_thread(os.fsync, handle.fileno())  # a move removes the source once this is verified
            handle.close()
            await asyncio.to_thread(partial.replace, path)
        except BaseException:
            handle.close()
            partial.unlink(missing_ok=True)
            raise

    @staticmethod
    def _info(st: os.stat_result) -> StoredFile:
        return StoredFile(st.st_size, f'"{st.st_size:x}-{st.st_mtime_ns:x}"', datetime.fromtimestamp(st.st_mtime, timezone.utc))

    async def stat(self, name: str) -> StoredFile | None:
        try:
            return self._info(await asyncio.to_thread(self._path(name).stat))
        except FileNotFoundError:
            return None

    async def stream(self, name: str) -> AsyncIterator[bytes]:
        try:
            handle = await asyncio.to_thread(open, self._path(name), "rb")
        except FileNotFoundError:
            return
        try:
            while piece := await asyncio.to_thread(handle.read, CHUNK):
                yield piece
        finally:
            handle.close()

    async def delete(self, name: str) -> None:
        path = self._path(name)
        await asyncio.to_thread(path.unlink, True)
        try:
            path.parent.rmdir()
        except OSError:
            pass

    async def files(self) -> AsyncIterator[tuple[str, StoredFile]]:
        def walk() -> list[tuple[str, os.stat_result]]:
            if not self.root.is_dir():
                return []
            found = []
            for path in sorted(self.root.glob("*/*")):
                name = path.relative_to(self.root).as_posix()
                if NAME.match(name):
                    try:
                        found.append((name, path.stat()))
                    except FileNotFoundError:  # deleted meanwhile
                        pass
            return found

        for name, st in await asyncio.to_thread(walk):
            yield name, self._info(st)


class DatabaseStorage:
    """Files in the database (``MediaFile`` and its ``MediaChunk`` pieces): every app process on every machine sees
    them, and one database dump backs them up. The PostgreSQL default.

    ``legacy`` is the folder images lived in before: a file not yet moved (``quartier media migrate``) is still
    served from there, and deleted there too, so an upgrade loses no image."""

    transactional = True

    def __init__(self, legacy: FolderStorage | None = None) -> None:
        self.legacy = legacy

    def __str__(self) -> str:
        return "the database"

    async def save(self, name: str, data: bytes | AsyncIterable[bytes]) -> None:
        _check(name)
        digest, size = hashlib.sha256(), 0
        async with transaction():  # no half-written file is ever seen
            await self._remove([name])
            file = MediaFile(name=name, key=name.partition("/")[0], size_bytes=0, sha256="")
            await file.save()
            part = 0
            async for piece in _pieces(data):
                await MediaChunk.insert(MediaChunk(file=file.id, part=part, data=piece))
                digest.update(piece)
                size, part = size + len(piece), part + 1
            await MediaFile.update({MediaFile.size_bytes: size, MediaFile.sha256: digest.hexdigest()}).where(
                MediaFile.id == file.id)

    @staticmethod
    def _info(row: dict[str, Any]) -> StoredFile:
        return StoredFile(row["size_bytes"], f'"{row["sha256"][:32]}"', _utc(row["created_at"]))

    async def stat(self, name: str) -> StoredFile | None:
        row = await MediaFile.select(MediaFile.size_bytes, MediaFile.sha256, MediaFile.created_at).where(
            MediaFile.name == _check(name)).first()
        if row is None and self.legacy is not None:
            return await self.legacy.stat(name)
        return self._info(row) if row else None

    async def stream(self, name: str) -> AsyncIterator[bytes]:
        file = await MediaFile.select(MediaFile.id).where(MediaFile.name == _check(name)).first()
        if file is None and self.legacy is not None:
            async for piece in self.legacy.stream(name):
                yield piece
            return
        part = 0
        while file is not None:  # one piece per query: never more than CHUNK bytes at a time
            piece = await MediaChunk.select(MediaChunk.data).where(
                (MediaChunk.file == file["id"]) & (MediaChunk.part == part)).first()
            if piece is None:
                return
            yield piece["data"]
            part += 1

    async def delete(self, name: str) -> None:
        """In the caller's transaction when one is open: the files go with the rows that name them."""
        async with transaction():
            await self._remove([_check(name)])
            if self.legacy is not None:
                legacy = self.legacy
                after_commit(lambda: legacy.delete(name))

    @staticmethod
    async def _remove(names: list[str]) -> None:
        ids = [r["id"] for r in await MediaFile.select(MediaFile.id).where(MediaFile.name.is_in(names))]
        if ids:  # the pieces first: SQLite enforces no foreign keys unless told to
            await MediaChunk.delete().where(MediaChunk.file.is_in(ids))
            await MediaFile.delete().where(MediaFile.id.is_in(ids))

    async def files(self) -> AsyncIterator[tuple[str, StoredFile]]:
        last = 0
        while True:
            rows = await MediaFile.select(MediaFile.id, MediaFile.name, MediaFile.size_bytes, MediaFile.sha256,
                                          MediaFile.created_at).where(MediaFile.id > last).order_by(MediaFile.id).limit(500)
            if not rows:
                return
            for row in rows:
                yield row["name"], self._info(row)
            last = rows[-1]["id"]


def storage_kind(settings: Any) -> str:
    """``database``, ``folder`` or a factory's ``module:attr``; unset means the database on PostgreSQL, else the folder."""
    return getattr(settings, "storage", "") or ("database" if is_postgres() else "folder")


def storage_for(settings: Any, data_dir: str, kind: str | None = None, legacy: bool = True) -> MediaStorage:
    """The storage ``kind`` names (default: the one the settings choose); a factory is called with the settings.
    The database storage reads what is still in the folder unless ``legacy`` is False (moving files needs each
    storage on its own)."""
    kind = kind or storage_kind(settings)
    folder = Path(getattr(settings, "media_dir", "") or Path(data_dir) / "media" / "exhibition")
    if kind == "database":
        return DatabaseStorage(legacy=FolderStorage(folder) if legacy and folder.is_dir() else None)
    if kind == "folder":
        return FolderStorage(folder)
    module, _sep, attr = kind.partition(":")
    return getattr(importlib.import_module(module), attr)(settings)


async def digest(store: MediaStorage, name: str) -> tuple[str, int]:
    """SHA-256 (hex) and size of a stored file, read piece by piece."""
    hashed, size = hashlib.sha256(), 0
    async for piece in store.stream(name):
        hashed.update(piece)
        size += len(piece)
    return hashed.hexdigest(), size


class MoveFailed(Exception):
    """A copy did not match its source; nothing was removed."""


@dataclass
class MoveSummary:
    files: int = 0
    copied: int = 0
    present: int = 0  # already in the target with the same content (an earlier, interrupted run)
    bytes: int = 0


async def move_all(source: MediaStorage, target: MediaStorage, echo: Callable[[str], None]) -> MoveSummary:
    """Copy every file of ``source`` to ``target`` and check each by SHA-256; only when all match, remove the
    source copies. Safe to repeat: files already in the target with the same content are not copied again."""
    names = [name async for name, _info in source.files()]
    summary = MoveSummary(files=len(names))
    for number, name in enumerate(names, 1):
        want = await digest(source, name)
        if await target.stat(name) is not None and await digest(target, name) == want:
            summary.present += 1
            echo(f"{number}/{len(names)} {name}: already there ({want[1]} bytes)")
            continue
        await target.save(name, source.stream(name))
        if await digest(target, name) != want:
            raise MoveFailed(f"The copy of {name} in {target} differs from the original (SHA-256): nothing was removed.")
        summary.copied += 1
        summary.bytes += want[1]
        echo(f"{number}/{len(names)} {name}: copied and checked ({want[1]} bytes)")
    for name in names:
        await source.delete(name)
    return summary


async def sweep(store: MediaStorage, grace: timedelta = GRACE) -> int:
    """Remove files whose image row is gone (an exhibit deleted on another node, a Quartier deleted with its
    exhibitions, an upload whose process died between its files and its row); returns how many.

    Safe with several nodes: the rows are the truth, and a file younger than ``grace`` is left alone, as its
    upload may not have committed its row yet (files are written before it).
    """
    cutoff = datetime.now(timezone.utc) - grace
    by_key: dict[str, list[str]] = {}
    async for name, info in store.files():
        if info.modified < cutoff:
            by_key.setdefault(name.partition("/")[0], []).append(name)
    keys, known = list(by_key), set()
    for start in range(0, len(keys), 500):
        rows = await ExhibitImage.select(ExhibitImage.key).where(ExhibitImage.key.is_in(keys[start:start + 500]))
        known.update(row["key"] for row in rows)
    removed = 0
    for key, names in by_key.items():
        if key not in known:
            for name in names:
                await store.delete(name)
                removed += 1
    return removed
