"""The exhibition's own staff role (register_roles)."""

from __future__ import annotations

from core.plugin_api import Role

# sees the moderation queue of its Quartiere and nothing else of staff
MODERATOR = Role("moderator", "Moderation", "Prüft die Beiträge zu den Leitfragen der zugewiesenen Quartiere, sonst nichts.")
MODERATORS = ("admin", "staff", MODERATOR.key)
