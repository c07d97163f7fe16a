"""The one registry of staff roles: the core's two and those the loaded plugins declare (``register_roles``).

A role grants what names it: a resource's ``*_roles``, a ``MenuLink``'s or an ``Action``'s ``roles``, a
hand-written route's ``require_role``. A stored role no loaded plugin declares grants nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from core.config import ConfigError

ADMIN = "admin"
STAFF = "staff"
STAFF_ROLES = (ADMIN, STAFF)  # the default of everything in the staff UI


@dataclass(frozen=True)
class Role:
    """A staff role: ``key`` as stored on the account, German ``label`` and ``description`` for the account form."""

    key: str
    label: str
    description: str = ""
    plugin: str = "core"  # set by the core to the declaring plugin


CORE_ROLES = (
    Role(ADMIN, "Administration", "Alles in allen Quartieren, auch Konten und Plugins."),
    Role(STAFF, "Quartiersmanagement", "Die Verwaltung der zugewiesenen Quartiere."),
)


class RoleRegistry:
    """The roles of one deployment; ``grants`` is the one check of every permission in the staff UI."""

    def __init__(self, declared: Mapping[str, Iterable[Role] | None]) -> None:
        self._roles: dict[str, Role] = {role.key: role for role in CORE_ROLES}
        for plugin, roles in declared.items():
            for role in roles or []:
                if not isinstance(role, Role):
                    raise ConfigError(f"Plugin '{plugin}' declared a role that is not a core Role: {role!r}.")
                if role.key in self._roles:
                    raise ConfigError(f"Plugin '{plugin}' declared the role '{role.key}', which "
                                      f"'{self._roles[role.key].plugin}' already declares.")
                self._roles[role.key] = Role(role.key, role.label, role.description, plugin)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._roles.values())

    def get(self, key: str) -> Role | None:
        return self._roles.get(key)

    def keys(self) -> tuple[str, ...]:
        return tuple(self._roles)

    def grants(self, role: str, allowed: Iterable[str]) -> bool:
        """Whether an account with ``role`` may do what ``allowed`` roles may (an undeclared role: never)."""
        return role in self._roles and role in allowed
