"""Asking for a message without importing the plugin that delivers it."""

from __future__ import annotations

from core.deployment import current
from core.messaging.types import MessageRequest, MessageResult

NO_MESSAGING = "not delivered: no messaging plugin"
SWITCHED_OFF = "not delivered: messaging is switched off for this Quartier"


async def send_message(request: MessageRequest) -> MessageResult:
    """Queue a message (in the caller's transaction, if any). Raises ``MessageError`` for a bad request."""
    call = current().hooks.deliver_message
    if not call.implementers():
        return MessageResult(accepted=False, reason=NO_MESSAGING)
    result = await call(request=request, deployment=current(), quartier=request.quartier_id)
    # None: the runner called nobody, the delivering plugin is switched off there (it always answers otherwise)
    return result if result is not None else MessageResult(accepted=False, reason=SWITCHED_OFF)


async def withdraw_messages(plugin: str, key_prefix: str, *, erase: bool = False) -> int:
    """Cancel the plugin's messages not sent yet whose idempotency key starts with ``key_prefix``;
    ``erase`` deletes them all, sent or not (for erasure requests). Returns how many.
    Works whether or not messaging is switched on for a Quartier."""
    call = current().hooks.withdraw_messages
    if not call.implementers():
        return 0
    return await call(owner=plugin, key_prefix=key_prefix, erase=erase, deployment=current())
