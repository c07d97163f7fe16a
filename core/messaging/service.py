"""Asking for a message without importing the plugin that delivers it."""

from __future__ import annotations

from core.deployment import current
from core.messaging.types import MessageRequest, MessageResult
from core.quartiere.service import disabled_plugins

NO_MESSAGING = "not delivered: no messaging plugin"
SWITCHED_OFF = "not delivered: messaging is switched off for this Quartier"


async def _provider(hook: str, quartier_id: int | None) -> MessageResult | None:
    """Why nobody can take the message (None: a plugin can)."""
    call = getattr(current().hooks, hook)
    if not call.implementers():
        return MessageResult(accepted=False, reason=NO_MESSAGING)
    if not await call.enabled_implementers(quartier_id):
        return MessageResult(accepted=False, reason=SWITCHED_OFF)
    return None


async def send_message(request: MessageRequest) -> MessageResult:
    """Queue a message (in the caller's transaction, if any). Raises ``MessageError`` for a bad request."""
    refused = await _provider("deliver_message", request.quartier_id)
    if refused is not None:
        return refused
    return await current().hooks.deliver_message(request=request, deployment=current(), quartier=request.quartier_id)


async def withdraw_messages(plugin: str, key_prefix: str, *, erase: bool = False) -> int:
    """Cancel the plugin's messages not sent yet whose idempotency key starts with ``key_prefix``;
    ``erase`` deletes them all, sent or not (for erasure requests). Returns how many.
    Works whether or not messaging is switched on for a Quartier."""
    if await _provider("withdraw_messages", None) is not None:
        return 0
    return await current().hooks.withdraw_messages(owner=plugin, key_prefix=key_prefix, erase=erase, deployment=current())
