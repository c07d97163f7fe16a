"""Publishing domain events and delivering them to plugins.

An event is written to the ``domain_events`` table inside the publisher's
transaction and delivered after that transaction commits, to each plugin that
implements ``on_domain_event`` and is switched on for the event's Quartier.
Deliveries that failed, or that a dead process never made, are retried by
``redeliver_pending``; handlers must therefore be idempotent.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import msgspec

from core.db import after_commit, in_transaction, transaction
from core.domain_events.contract import personal_fields
from core.domain_events.tables import DomainEventRecord
from core.domain_events.types import DomainEvent

if TYPE_CHECKING:
    from core.deployment import Deployment

log = logging.getLogger(__name__)

CLAIM_SECONDS = 60
MAX_ATTEMPTS = 10


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def publish(deployment: Deployment, event: DomainEvent) -> None:
    """Record the event in the current transaction (or a new one) and deliver it after commit."""
    if not in_transaction():
        async with transaction():
            await publish(deployment, event)
        return
    if type(event).name not in deployment.domain_event_types:
        raise ValueError(f"Domain event type {type(event).__name__} is not registered (register_domain_events).")
    pending = await deployment.hooks.on_domain_event.enabled_implementers(event.quartier_id)
    rows = await DomainEventRecord.insert(
        DomainEventRecord(
            event_id=event.event_id,
            name=type(event).name,
            quartier_id=event.quartier_id,
            payload=msgspec.json.encode(event).decode(),
            pending_plugins=json.dumps(pending),
            claimed_until=_now() + timedelta(seconds=CLAIM_SECONDS),
        )
    ).returning(DomainEventRecord.id)
    record_id = rows[0]["id"]

    async def deliver_now() -> None:
        # Straight from memory: the row is claimed (claimed_until) for this process until then.
        await _dispatch(deployment, record_id, event, pending)

    after_commit(deliver_now)


async def deliver(deployment: Deployment, record_id: int) -> None:
    record = await DomainEventRecord.objects().where(DomainEventRecord.id == record_id).first()
    if record is None or record.dispatched_at is not None:
        return
    event_type = deployment.domain_event_types.get(record.name)
    if event_type is None:
        log.warning("domain event %s has no registered type; kept for later", record.name)
        return
    try:
        event = msgspec.json.decode(record.payload, type=event_type)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        # Kept and counted, never dropped silently; the payload is not logged (it may hold personal data).
        error = f"Plugin '{owner(deployment, record.name)}': domain event '{record.name}' does not decode: {exc}"
        log.error("%s (record %s)", error, record_id)
        await DomainEventRecord.update(
            {DomainEventRecord.attempts: DomainEventRecord.attempts + 1, DomainEventRecord.last_error: error,
             DomainEventRecord.claimed_until: None}
        ).where(DomainEventRecord.id == record_id)
        return
    await _dispatch(deployment, record_id, event, json.loads(record.pending_plugins))


def event_types_by_plugin(deployment: Deployment) -> dict[str, list[type[DomainEvent]]]:
    """The domain event types each loaded plugin registers (``core`` for the core's own)."""
    from core.domain_events.types import CORE_EVENT_TYPES

    found: dict[str, list[type[DomainEvent]]] = {"core": list(CORE_EVENT_TYPES)}
    for name, types in deployment.hooks.register_domain_events().items():
        if types:
            found[name] = list(types)
    return found


def owner(deployment: Deployment, name: str) -> str:
    """The plugin that registers the event type ``name`` (``unknown`` if none does)."""
    for plugin, types in event_types_by_plugin(deployment).items():
        if any(t.name == name for t in types):
            return plugin
    return "unknown"


async def _dispatch(deployment: Deployment, record_id: int, event: DomainEvent, pending: list[str]) -> None:
    results = await deployment.hooks.on_domain_event(
        event=event, deployment=deployment, quartier=event.quartier_id, plugins=pending
    )
    still_pending = list(results.failed)
    errors = [f"{name}: {type(exc).__name__}: {exc}" for name, exc in results.failed.items()]
    await DomainEventRecord.update(
        {
            DomainEventRecord.pending_plugins: json.dumps(still_pending),
            DomainEventRecord.attempts: DomainEventRecord.attempts + 1,
            DomainEventRecord.last_error: "; ".join(errors),
            DomainEventRecord.claimed_until: None,
            DomainEventRecord.dispatched_at: None if still_pending else _now(),
        }
    ).where(DomainEventRecord.id == record_id)


async def redeliver_pending(deployment: Deployment, limit: int = 100) -> int:
    """Deliver events whose delivery failed or was never made; return how many were tried."""
    now = _now()
    candidates = await DomainEventRecord.select(DomainEventRecord.id).where(
        DomainEventRecord.dispatched_at.is_null()
        & (DomainEventRecord.attempts < MAX_ATTEMPTS)
        & (DomainEventRecord.claimed_until.is_null() | (DomainEventRecord.claimed_until < now))
    ).order_by(DomainEventRecord.id).limit(limit)
    tried = 0
    for row in candidates:
        # Claim it, so that two processes sweeping at once do not both deliver it.
        claimed = await DomainEventRecord.update(
            {DomainEventRecord.claimed_until: now + timedelta(seconds=CLAIM_SECONDS)}
        ).where(
            (DomainEventRecord.id == row["id"])
            & (DomainEventRecord.claimed_until.is_null() | (DomainEventRecord.claimed_until < now))
        ).returning(DomainEventRecord.id)
        if claimed:
            await deliver(deployment, row["id"])
            tried += 1
    return tried


async def erase_events(name_prefix: str, key: str, value: int) -> int:
    """Delete stored events whose name starts with ``name_prefix`` and whose payload has ``key`` = ``value``.

    For erasure requests: an event's payload may carry a person's name and address.
    """
    rows = await DomainEventRecord.select(DomainEventRecord.id, DomainEventRecord.payload).where(
        DomainEventRecord.name.like(f"{name_prefix}%")
    )
    ids = []
    for row in rows:
        payload = row["payload"]
        data = json.loads(payload) if isinstance(payload, str) else payload
        if data.get(key) == value:
            ids.append(row["id"])
    if ids:
        await DomainEventRecord.delete().where(DomainEventRecord.id.is_in(ids))
    return len(ids)


async def delete_old_events(deployment: Deployment) -> int:
    """Delete delivered events: those whose type declares personal-data fields after
    ``domain_event_retention_days``, the others after ``domain_event_log_days``.
    A type no longer registered counts as personal."""
    settings = deployment.settings
    plain = [name for name, t in deployment.domain_event_types.items() if not personal_fields(t)]
    delivered = DomainEventRecord.dispatched_at.is_not_null()
    personal_cutoff = _now() - timedelta(days=settings.domain_event_retention_days)
    plain_cutoff = _now() - timedelta(days=settings.domain_event_log_days)
    query = DomainEventRecord.delete().where(delivered & (DomainEventRecord.dispatched_at < personal_cutoff))
    if plain:
        query = query.where(DomainEventRecord.name.not_in(plain))
    rows = await query.returning(DomainEventRecord.id)
    if plain:
        rows += await DomainEventRecord.delete().where(
            delivered & (DomainEventRecord.dispatched_at < plain_cutoff) & DomainEventRecord.name.is_in(plain)
        ).returning(DomainEventRecord.id)
    return len(rows)
