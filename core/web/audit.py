"""The audit log: who changed what, written in the transaction of the change."""

from __future__ import annotations

import json
from typing import Any

from core.web.tables import AuditEntry


async def record(user: Any, action: str, resource: str, object_id: Any, summary: str, changes: dict[str, Any] | None = None) -> None:
    await AuditEntry.insert(AuditEntry(
        user_id=getattr(user, "id", None), user_email=getattr(user, "email", ""), action=action, resource=resource,
        object_id=str(object_id), summary=summary, changes=json.dumps(changes or {}, ensure_ascii=False, default=str),
    ))
