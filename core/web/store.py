"""A Litestar ``Store`` in the database, and rate counters there too."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from litestar.stores.base import Store

from core.db import Statement
from core.web.tables import RateCounter, StoredValue


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _expiry(expires_in: int | timedelta | None) -> datetime | None:
    if expires_in is None:
        return None
    seconds = expires_in.total_seconds() if isinstance(expires_in, timedelta) else expires_in
    return _now() + timedelta(seconds=seconds)


class DatabaseStore(Store):
    """Sessions etc. in the ``kv_store`` table, shared by every app process."""

    def __init__(self, namespace: str = "") -> None:
        self.namespace = namespace

    def _key(self, key: str) -> str:
        return f"{self.namespace}:{key}" if self.namespace else key

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        expires_at = _expiry(expires_in)
        full = self._key(key)
        updated = await StoredValue.update(
            {StoredValue.value: data, StoredValue.expires_at: expires_at}
        ).where(StoredValue.key == full).returning(StoredValue.id)
        if not updated:
            await StoredValue.insert(StoredValue(key=full, value=data, expires_at=expires_at)).on_conflict(
                target=StoredValue.key, action="DO UPDATE", values=[StoredValue.value, StoredValue.expires_at]
            )

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        row = await StoredValue.select(StoredValue.value, StoredValue.expires_at).where(
            StoredValue.key == self._key(key)
        ).first()
        if row is None:
            return None
        if row["expires_at"] is not None and row["expires_at"] <= _now():
            await self.delete(key)
            return None
        if renew_for and row["expires_at"] is not None:
            await StoredValue.update({StoredValue.expires_at: _expiry(renew_for)}).where(
                StoredValue.key == self._key(key)
            )
        return bytes(row["value"])

    async def delete(self, key: str) -> None:
        await StoredValue.delete().where(StoredValue.key == self._key(key))

    async def delete_all(self) -> None:
        prefix = self._key("")
        await StoredValue.delete().where(StoredValue.key.like(f"{prefix}%"))

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = await StoredValue.select(StoredValue.expires_at).where(StoredValue.key == self._key(key)).first()
        if row is None or row["expires_at"] is None:
            return None
        return int((row["expires_at"] - _now()).total_seconds())


# One statement for one or more keys: a new key or an ended window starts at 1, a current window counts on (both
# databases' upsert sees the old row in SET).
_HIT = ('INSERT INTO rate_counters (key, "count", window_ends_at) VALUES %s ON CONFLICT (key) DO UPDATE SET '
        '"count" = CASE WHEN rate_counters.window_ends_at > {} THEN rate_counters."count" + 1 ELSE 1 END, '
        'window_ends_at = CASE WHEN rate_counters.window_ends_at > {} THEN rate_counters.window_ends_at '
        'ELSE excluded.window_ends_at END RETURNING key, "count"')
_HITS = [Statement(_HIT % ", ".join(["({}, 1, {})"] * n)) for n in range(1, 4)]  # by number of keys


async def hit(key: str, window_seconds: int) -> int:
    """Count one event for ``key`` in the current window; return the count so far."""
    return (await hits([key], window_seconds))[0]


async def hits(keys: list[str], window_seconds: int) -> list[int]:
    """``hit`` for one to three different keys in one statement; their counts in the same order."""
    if not 1 <= len(keys) <= len(_HITS) or len(set(keys)) != len(keys):
        raise ValueError(f"hits() counts 1 to {len(_HITS)} different keys, not {keys!r}")
    now = _now()
    ends = now + timedelta(seconds=window_seconds)
    rows = await _HITS[len(keys) - 1].fetch(*[value for key in keys for value in (key, ends)], now, now)
    counts = {row["key"]: row["count"] for row in rows}
    return [counts[key] for key in keys]


async def unhit(key: str) -> None:
    """Take back one event counted by ``hit`` in the current window."""
    await RateCounter.update({RateCounter.count: RateCounter.count - 1}).where(
        (RateCounter.key == key) & (RateCounter.window_ends_at > _now()) & (RateCounter.count > 0)
    )


async def seconds_left(key: str) -> int:
    """Seconds until the current window of ``key`` ends (0 without one)."""
    row = await RateCounter.select(RateCounter.window_ends_at).where(
        (RateCounter.key == key) & (RateCounter.window_ends_at > _now())
    ).first()
    return max(0, math.ceil((row["window_ends_at"] - _now()).total_seconds())) if row else 0


async def reset(key: str) -> None:
    await RateCounter.delete().where(RateCounter.key == key)


async def delete_expired(deployment: object = None) -> None:
    """Drop expired sessions and finished rate windows (run hourly by the app)."""
    await StoredValue.delete().where(StoredValue.expires_at < _now())
    await RateCounter.delete().where(RateCounter.window_ends_at < _now())
