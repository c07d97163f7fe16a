"""Hooks the notifications plugin offers to other plugins."""

from __future__ import annotations

from typing import Any

from core.plugin_api import hookspec


class NotificationSpecs:
    @hookspec
    def notification_channels(self, deployment: Any) -> list[Any]:
        """Return channel objects (``name`` and ``async send(message)``) that deliver outbox messages.

        ``send`` raises ``TemporaryFailure`` to be retried later and
        ``PermanentFailure`` to give up; any other exception counts as permanent.
        Implement it with ``@hookimpl(optionalhook=True)`` so your plugin also
        loads without the notifications plugin.
        """
