"""Sending: the channels of the deployment and the loop of a worker."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlparse

from core.plugin_api import Deployment
from plugins.notifications import service
from plugins.notifications.channels import Channel, EmailChannel

log = logging.getLogger(__name__)


def channels(deployment: Deployment) -> dict[str, Channel]:
    found: dict[str, Channel] = {}
    for channel in deployment.hooks.notification_channels(deployment=deployment).flat():
        found[channel.name] = channel
    return found


def email_channel(deployment: Deployment) -> EmailChannel:
    domain = urlparse(deployment.settings.base_url).hostname or "localhost"
    return EmailChannel(deployment.settings_for("notifications"), domain)


async def work(deployment: Deployment, stop: asyncio.Event | None = None, once: bool = False) -> int:
    """Send due messages until ``stop`` is set (or the queue is empty, with ``once``); returns how many were handled."""
    handled = 0
    available = channels(deployment)
    while stop is None or not stop.is_set():
        result = await service.run_batch(available)
        count = sum(result.values())
        handled += count
        if once and count == 0:
            break
        if count == 0:
            try:
                await asyncio.wait_for(stop.wait() if stop else asyncio.sleep(service.settings().poll_seconds),
                                       timeout=service.settings().poll_seconds)
            except TimeoutError:
                pass
    return handled
