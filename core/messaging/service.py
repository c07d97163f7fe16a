"""Asking for a message without importing the plugin that delivers it."""

from __future__ import annotations

from core.deployment import current
from core.messaging.types import MessageRequest, MessageResult
from core.quartiere.service import disabled_plugins

NO_MESSAGING = "not delivered: no messaging plugin"
SWITCHED_OFF = "not delivered: messaging is switched off for this Quartier"


async def _provider(hook: str, quartier_id: int | None) -> str | MessageResult:
    deployment = current()
    names = [impl.plugin_name for impl in getattr(deployment.pm.hook, hook).get_hookimpls()]
    if not names:
        return MessageResult(accepted=False, reason=NO_MESSAGING)
    if quartier_id is not None:
        off = await disabled_plugins(quartier_id)
        names = [name for name in names if name not in off]
        if not names:
            return MessageResult(accepted=False, reason=SWITCHED_OFF)
    return names[0]


async def send_message(request: MessageRequest) -> MessageResult:
    """Queue a message (in the caller's transaction, if any). Raises ``MessageError`` for a bad request."""
    provider = await _provider("deliver_message", request.quartier_id)
    if isinstance(provider, MessageResult):
        return provider
    return await current().call_plugin_hook(provider, "deliver_message", request=request, deployment=current())


async def withdraw_messages(plugin: str, key_prefix: str, *, erase: bool = False) -> int:
    """Cancel the plugin's messages not sent yet whose idempotency key starts with ``key_prefix``;
    ``erase`` deletes them all, sent or not (for erasure requests). Returns how many.
    Works whether or not messaging is switched on for a Quartier."""
    provider = await _provider("withdraw_messages", None)
    if isinstance(provider, MessageResult):
        return 0
    return await current().call_plugin_hook(provider, "withdraw_messages", owner=plugin, key_prefix=key_prefix,
                                            erase=erase, deployment=current())
