"""Sending: the channels of the deployment and sending what the outbox holds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
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


async def work(deployment: Deployment, progress: Callable[[int], None] | None = None) -> int:
    """Send what is due until nothing is left, ``senders`` batches at once (claims never overlap); returns how
    many messages were handled. The scheduler runs it as the job ``notifications.send``; ``progress`` gets each
    batch's count."""

    async def sender() -> int:
        handled = 0
        available = channels(deployment)  # its own channels: its own SMTP session
        while count := sum((await service.run_batch(available)).values()):
            handled += count
            if progress is not None:
                progress(count)
        return handled

    async with asyncio.TaskGroup() as senders:  # one failing or cancelled sender stops the others
        tasks = [senders.create_task(sender()) for _ in range(max(1, service.settings().senders))]
    return sum(task.result() for task in tasks)
