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


async def redact_audit(resource: str, object_id: Any) -> None:
    """Blank what the log says about one object (a person's data erased on request); who did what stays."""
    await AuditEntry.update({AuditEntry.summary: "(gelöscht)", AuditEntry.changes: "{}"}).where(
        (AuditEntry.resource == resource) & (AuditEntry.object_id == str(object_id))
    )
