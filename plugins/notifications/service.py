"""The durable outbox: enqueue in the cause's transaction, claim, send, retry with backoff, never lose.

Workers claim batches with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (several
workers on several machines share the queue); on SQLite the claim runs in an
IMMEDIATE transaction. A message left in ``sending`` by a dead worker is claimed
again after its lease. Every message has an idempotency key (its cause and its
recipient), so the same cause never enqueues it twice.
"""

from __future__ import annotations

import functools
import json
import logging
import random
from time import monotonic as clock
from datetime import datetime, timedelta, timezone
from typing import Any

from piccolo.query.functions.aggregate import Count

from core.plugin_api import Statement, as_objects, current, transaction
from plugins.notifications.channels import Channel, PermanentFailure, TemporaryFailure
from plugins.notifications.tables import STATUSES, OutboxMessage

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(timezone.utc)


def settings():
    return current().settings_for("notifications")


async def enqueue(*, recipient: str, kind: str, subject: str, body_text: str, idempotency_key: str, channel: str = "email",
                  body_html: str = "", headers: dict[str, str] | None = None, calendar: str = "", language: str = "de",
                  quartier_id: int | None = None, event_id: int | None = None, person: str = "",
                  send_at: datetime | None = None) -> bool:
    """Add a message to the outbox (in the caller's transaction, if any); False if its key was queued already."""
    return await enqueue_many([dict(
        recipient=recipient, kind=kind, subject=subject, body_text=body_text, idempotency_key=idempotency_key, channel=channel,
        body_html=body_html, headers=headers, calendar=calendar, language=language, quartier_id=quartier_id,
        event_id=event_id, person=person, send_at=send_at,
    )]) == 1


# Outbox rows are written as plain SQL, one statement per chunk: no Table objects, no query building per message.
_COLUMNS = [c._meta.db_column_name for c in OutboxMessage._meta.columns if c._meta.name != "id"]


@functools.lru_cache(maxsize=32)
def _insert_sql(rows: int) -> str:
    one = "(" + ", ".join("{}" for _ in _COLUMNS) + ")"
    return (f"INSERT INTO notification_outbox ({', '.join(_COLUMNS)}) VALUES {', '.join([one] * rows)} "
            "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id")


def _row(m: dict[str, Any], moment: datetime) -> list[Any]:
    values = {
        "channel": m.get("channel", "email"), "recipient": m["recipient"], "kind": m["kind"],
        "language": m.get("language", "de"), "subject": m["subject"], "body_text": m["body_text"],
        "body_html": m.get("body_html", ""), "headers": json.dumps(m.get("headers") or {}, ensure_ascii=False),
        "calendar": m.get("calendar", ""), "idempotency_key": m["idempotency_key"], "status": "pending", "attempts": 0,
        "next_attempt_at": m.get("send_at") or moment, "claimed_until": None, "last_error": "",
        "quartier_id": m.get("quartier_id"), "event_id": m.get("event_id"), "person": m.get("person", ""),
        "created_at": moment, "sent_at": None,
    }
    return [values[name] for name in _COLUMNS]


async def enqueue_many(messages: list[dict[str, Any]], chunk: int = 500) -> int:
    """``enqueue`` for many messages at once (same keyword arguments per dict); returns how many were new."""
    added, moment = 0, now()
    for start in range(0, len(messages), chunk):
        part = messages[start:start + chunk]
        values = [value for m in part for value in _row(m, moment)]
        added += len(await OutboxMessage.raw(_insert_sql(len(part)), *values))
    return added


# Channel "call": people registered by phone only; staff work through that list by hand. One statement claims the
# messages and returns them whole.
CLAIM = """
UPDATE notification_outbox SET status = 'sending', claimed_until = {{}}, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM notification_outbox
    WHERE channel <> 'call' AND ((status = 'pending' AND next_attempt_at <= {{}}) OR (status = 'sending' AND claimed_until < {{}}))
    ORDER BY next_attempt_at, id LIMIT {{}}
    {lock}
)
RETURNING *
"""
# PostgreSQL: several workers never take the same row; SQLite: the IMMEDIATE transaction serialises claims.
_CLAIM = Statement(CLAIM.format(lock=""), postgres=CLAIM.format(lock="FOR UPDATE SKIP LOCKED"))


async def claim(limit: int, moment: datetime | None = None) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages for this worker (also those a dead worker left behind)."""
    moment = moment or now()
    lease = moment + timedelta(seconds=settings().lease_seconds)
    async with transaction():
        rows = await _CLAIM.fetch(lease, moment, moment, limit)
    return as_objects(OutboxMessage, sorted(rows, key=lambda row: row["id"]))


def _due(moment: datetime) -> Any:
    """Messages a sender should take now: pending and due, or left "sending" by a dead worker (not the call list)."""
    return (OutboxMessage.channel != "call") & (
        ((OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= moment))
        | ((OutboxMessage.status == "sending") & (OutboxMessage.claimed_until < moment))
    )


async def due_count(moment: datetime | None = None) -> int:
    return await OutboxMessage.count().where(_due(moment or now()))


async def oldest_due_seconds(moment: datetime | None = None) -> float:
    """How long the oldest due message has waited for a sender (0 when none is due): the outbox's age."""
    moment = moment or now()
    row = await OutboxMessage.select(OutboxMessage.next_attempt_at).where(_due(moment)).order_by(
        OutboxMessage.next_attempt_at).first()
    return max(0.0, (moment - row["next_attempt_at"]).total_seconds()) if row else 0.0


async def depth() -> dict[str, int]:
    """Messages in the outbox by status (every status, 0 where none)."""
    rows = await OutboxMessage.select(OutboxMessage.status, Count()).group_by(OutboxMessage.status)
    return {status: 0 for status in STATUSES} | {row["status"]: row["count"] for row in rows}


def backoff(attempts: int) -> timedelta:
    base = settings().backoff_seconds * (2 ** max(0, attempts - 1))
    return timedelta(seconds=min(base, 6 * 3600) * random.uniform(0.8, 1.2))


async def deliver(message: OutboxMessage, channels: dict[str, Channel], sent: list[int] | None = None) -> str:
    """Send one claimed message and record the outcome; returns the new status. With ``sent`` a message that went
    out is only added to it, for ``mark_sent`` (one statement for a batch)."""
    channel = channels.get(message.channel)
    try:
        if channel is None:
            raise PermanentFailure(f"no channel '{message.channel}' in this deployment")
        await channel.send(message)
    except TemporaryFailure as exc:
        if message.attempts >= settings().max_attempts:
            return await _finish(message, "failed", f"{exc} (gave up after {message.attempts} attempts)")
        await OutboxMessage.update({
            OutboxMessage.status: "pending", OutboxMessage.claimed_until: None, OutboxMessage.last_error: str(exc),
            OutboxMessage.next_attempt_at: now() + backoff(message.attempts),
        }).where((OutboxMessage.id == message.id) & (OutboxMessage.status == "sending"))
        return "pending"
    except PermanentFailure as exc:
        return await _finish(message, "failed", str(exc))
    except Exception as exc:  # a bug in a channel must not stop the queue
        log.exception("channel %s failed on message %s", message.channel, message.id)
        return await _finish(message, "failed", f"{type(exc).__name__}: {exc}")
    if sent is not None:
        sent.append(message.id)
        return "sent"
    return await _finish(message, "sent", "")


MARK_SENT_EVERY = 10  # at most this many mails go out twice after a crash


async def mark_sent(ids: list[int]) -> None:
    """Record messages as sent, in one statement."""
    await OutboxMessage.update({
        OutboxMessage.status: "sent", OutboxMessage.claimed_until: None, OutboxMessage.last_error: "",
        OutboxMessage.sent_at: now(),
    }).where(OutboxMessage.id.is_in(ids))


async def release(ids: list[int]) -> None:
    """Give claimed messages back unsent, for the next claim."""
    await OutboxMessage.update({OutboxMessage.status: "pending", OutboxMessage.claimed_until: None}).where(
        OutboxMessage.id.is_in(ids) & (OutboxMessage.status == "sending"))


async def _finish(message: OutboxMessage, status: str, error: str) -> str:
    await OutboxMessage.update({
        OutboxMessage.status: status, OutboxMessage.claimed_until: None, OutboxMessage.last_error: error,
        OutboxMessage.sent_at: now() if status == "sent" else None,
    }).where(OutboxMessage.id == message.id)
    return status


async def run_batch(channels: dict[str, Channel], limit: int | None = None) -> dict[str, int]:
    """Claim and send one batch; returns how many ended in which status."""
    result: dict[str, int] = {}
    sent: list[int] = []  # recorded MARK_SENT_EVERY at a time (a process killed in between sends those again)
    # Another process may claim a message whose lease ran out: stop at half the lease and give the rest back.
    stop_at = clock() + settings().lease_seconds / 2
    claimed = await claim(limit or settings().batch_size)
    try:
        for done, message in enumerate(claimed):
            if clock() > stop_at:
                await release([m.id for m in claimed[done:]])
                break
            status = await deliver(message, channels, sent)
            result[status] = result.get(status, 0) + 1
            if len(sent) >= MARK_SENT_EVERY:
                await mark_sent(sent)
                sent.clear()
    finally:
        if sent:
            await mark_sent(sent)
        for channel in channels.values():  # e.g. the SMTP session kept open for this batch
            close = getattr(channel, "close", None)
            if close is not None:
                try:
                    await close()
                except Exception:
                    log.exception("closing channel %s failed", getattr(channel, "name", channel))
    return result


async def resend(message_id: int) -> None:
    """Staff: try a failed message again."""
    await OutboxMessage.update({
        OutboxMessage.status: "pending", OutboxMessage.next_attempt_at: now(), OutboxMessage.attempts: 0,
        OutboxMessage.last_error: "",
    }).where((OutboxMessage.id == message_id) & (OutboxMessage.status == "failed"))


def status_counts(rows: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts
