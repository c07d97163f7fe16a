"""Publishing domain events and delivering them to plugins.

An event is written to the ``domain_events`` table inside the publisher's
transaction. After that transaction commits it is delivered to each plugin that
implements ``on_domain_event`` and is switched on for the event's Quartier: in the
web app by a background task (``EventDispatcher``, started by the app's lifespan)
so that the request does not wait, one event at a time in publish order; in a
process without a running dispatcher (CLI commands, scripts) right after the commit.
Deliveries that failed, or that a dead process never made, are retried by
``redeliver_pending``; handlers must therefore be idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import weakref
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, AsyncIterator

import msgspec

from core.db import Statement, after_commit, in_transaction, transaction
from core.domain_events.contract import personal_fields
from core.domain_events.tables import DomainEventRecord
from core.domain_events.types import DomainEvent
from core.quartiere.service import switches_per_request

if TYPE_CHECKING:
    from core.deployment import Deployment

log = logging.getLogger(__name__)

CLAIM_SECONDS = 60
MAX_ATTEMPTS = 10
RETRY_SECONDS = 30  # after a failed delivery: MAX_ATTEMPTS tries take about 5 minutes
WAIT_SECONDS = 1  # an event waiting for an earlier one about the same thing


def _now() -> datetime:
    return datetime.now(timezone.utc)


# Every registration publishes one: a statement built once (core/db/sql.py).
_INSERT = Statement("INSERT INTO domain_events (event_id, name, quartier_id, aggregate, payload, pending_plugins, "
                    "attempts, last_error, claimed_until, created_at) VALUES ({}, {}, {}, {}, {}, {}, 0, '', {}, {}) "
                    "RETURNING id")


async def publish(deployment: Deployment, event: DomainEvent) -> None:
    """Record the event in the current transaction (or a new one) and deliver it after commit."""
    if not in_transaction():
        async with transaction():
            await publish(deployment, event)
        return
    if type(event).name not in deployment.domain_event_types:
        raise ValueError(f"Domain event type {type(event).__name__} is not registered (register_domain_events).")
    pending = await deployment.hooks.on_domain_event.enabled_implementers(event.quartier_id)
    here = deployment not in _left_for_worker
    moment = _now()
    record_id = (await _INSERT.fetchrow(
        event.event_id, type(event).name, event.quartier_id, event.aggregate(), msgspec.json.encode(event).decode(),
        json.dumps(pending), moment + timedelta(seconds=CLAIM_SECONDS) if here else None, moment,
    ))["id"]
    if not here:  # the worker takes it from the log
        return

    async def deliver_after_commit() -> None:
        # Straight from memory: the row is claimed (claimed_until) for this process until then.
        dispatcher = _dispatchers.get(deployment)
        if dispatcher is not None and dispatcher.accepts():
            dispatcher.submit(record_id, event, pending)
        else:
            await _dispatch(deployment, record_id, event, pending)

    after_commit(deliver_after_commit)


class EventDispatcher:
    """Delivers the events this process publishes, after their commit, one at a time in publish order."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.queue: asyncio.Queue[tuple[int, DomainEvent, list[str]]] = asyncio.Queue()
        self.loop = asyncio.get_running_loop()
        # A fresh context: a request's context variables must not reach the handlers.
        self.task = self.loop.create_task(self._run(), context=contextvars.Context())

    def accepts(self) -> bool:
        """True in the dispatcher's own event loop while it runs (not in another thread's loop)."""
        try:
            return asyncio.get_running_loop() is self.loop and not self.task.done()
        except RuntimeError:
            return False

    def submit(self, record_id: int, event: DomainEvent, pending: list[str]) -> None:
        self.queue.put_nowait((record_id, event, pending))

    async def _run(self) -> None:
        while True:
            record_id, event, pending = await self.queue.get()
            try:
                await _dispatch(self.deployment, record_id, event, pending)
            except Exception:  # the row stays claimed; redeliver_pending offers it again when the claim runs out
                log.exception("delivering domain event %s (record %s) failed", type(event).name, record_id)
            finally:
                self.queue.task_done()

    async def drain(self) -> None:
        """Wait until every event submitted so far (and any its handlers published) is delivered."""
        if not self.task.done():
            await asyncio.shield(self.queue.join())

    async def stop(self, timeout: float) -> None:
        """Deliver what is queued (for at most ``timeout`` seconds), then end the task.
        What is left stays claimed in the event log and is offered again by ``redeliver_pending``."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.drain(), timeout)
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


_dispatchers: weakref.WeakKeyDictionary[Deployment, EventDispatcher] = weakref.WeakKeyDictionary()
_left_for_worker: weakref.WeakSet[Deployment] = weakref.WeakSet()
SHUTDOWN_SECONDS = 10
WORKER_POLL_SECONDS = 1.0


@contextlib.asynccontextmanager
async def event_delivery(deployment: Deployment) -> AsyncIterator[None]:
    """What a web app does with the events it publishes: delivers them in the background (``events_delivered_in =
    "web"``), or only records them for ``quartier worker``."""
    if deployment.settings.events_delivered_in == "web":
        async with background_delivery(deployment):
            yield
        return
    _left_for_worker.add(deployment)
    try:
        yield
    finally:
        _left_for_worker.discard(deployment)


async def deliver_from_log(deployment: Deployment, stop: asyncio.Event) -> None:
    """``quartier worker`` with ``events_delivered_in = "worker"``: deliver what the web processes recorded, oldest
    first, until ``stop`` is set."""
    while not stop.is_set():
        try:
            tried = await redeliver_pending(deployment)
        except Exception:
            log.exception("delivering domain events from the log failed")
            tried = 0
        if not tried:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), WORKER_POLL_SECONDS)


@contextlib.asynccontextmanager
async def background_delivery(deployment: Deployment) -> AsyncIterator[EventDispatcher]:
    """While open, events published in this event loop are delivered by a background task (the app's lifespan)."""
    dispatcher = _dispatchers[deployment] = EventDispatcher(deployment)
    try:
        yield dispatcher
    finally:
        await dispatcher.stop(SHUTDOWN_SECONDS)
        if _dispatchers.get(deployment) is dispatcher:
            del _dispatchers[deployment]


async def deliver_pending_events() -> None:
    """``await deliver_pending_events()``: every domain event published so far in this event loop has been
    delivered to the plugins' ``on_domain_event`` when this returns (the app delivers them in a background task,
    after the response). The test kit's clients call it after each response; a test calls it itself after
    publishing outside a request (a service function, ``plugin_api.publish``) before checking the listeners."""
    loop = asyncio.get_running_loop()
    for dispatcher in list(_dispatchers.values()):
        if dispatcher.loop is loop:
            await dispatcher.drain()


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
             DomainEventRecord.claimed_until: _now() + timedelta(seconds=RETRY_SECONDS)}
        ).where(DomainEventRecord.id == record_id)
        return
    await _dispatch(deployment, record_id, event, json.loads(record.pending_plugins))


def event_types_by_plugin(deployment: Deployment) -> dict[str, list[type[DomainEvent]]]:
    """The domain event types each loaded plugin registers (``core`` for the core's own)."""
    found: dict[str, list[type[DomainEvent]]] = {}
    for name, plugin in deployment.domain_event_owners.items():
        found.setdefault(plugin, []).append(deployment.domain_event_types[name])
    return found


def owner(deployment: Deployment, name: str) -> str:
    """The plugin that registers the event type ``name`` (``unknown`` if none does)."""
    return deployment.domain_event_owners.get(name, "unknown")


async def _waits_for_earlier(record_id: int, event: DomainEvent) -> bool:
    """An earlier event about the same thing is not delivered yet (published by another process, or failing)."""
    key = event.aggregate()
    return key is not None and await DomainEventRecord.exists().where(
        (DomainEventRecord.aggregate == key) & (DomainEventRecord.id < record_id)
        & DomainEventRecord.dispatched_at.is_null() & (DomainEventRecord.attempts < MAX_ATTEMPTS))


async def _dispatch(deployment: Deployment, record_id: int, event: DomainEvent, pending: list[str]) -> None:
    if await _waits_for_earlier(record_id, event):  # offered again by redeliver_pending, oldest first
        await DomainEventRecord.update({DomainEventRecord.claimed_until: _now() + timedelta(seconds=WAIT_SECONDS)}).where(
            DomainEventRecord.id == record_id)
        return
    with switches_per_request():  # the plugin switches, read for this delivery, serve the hooks its handlers call
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
            # a failed plugin gets the event again after RETRY_SECONDS, whoever delivers (web or worker)
            DomainEventRecord.claimed_until: _now() + timedelta(seconds=RETRY_SECONDS) if still_pending else None,
            DomainEventRecord.dispatched_at: None if still_pending else _now(),
        }
    ).where(DomainEventRecord.id == record_id)


async def redeliver_job(deployment: Deployment) -> int:
    """The scheduled redelivery: not in a web process that leaves delivery to ``quartier worker``."""
    return 0 if deployment in _left_for_worker else await redeliver_pending(deployment)


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
