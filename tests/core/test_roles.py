"""The core knows the roles admin and staff; every further role comes from a loaded plugin (register_roles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.accounts.roles import Role, RoleRegistry
from core.config import ConfigError

CORE = Path(__file__).resolve().parents[2] / "core"


def test_the_core_names_no_plugin_role():
    found = [str(path.relative_to(CORE)) for path in CORE.rglob("*")
             if path.suffix in (".py", ".html", ".toml") and "moderator" in path.read_text(encoding="utf-8").lower()]
    assert found == []


def test_a_role_declared_twice_stops_the_start():
    with pytest.raises(ConfigError, match="Plugin 'b' declared the role 'host', which 'a' already declares"):
        RoleRegistry({"a": [Role("host", "Gastgeber")], "b": [Role("host", "Gastgeberin")]})
    with pytest.raises(ConfigError, match="Plugin 'a' declared the role 'staff', which 'core' already declares"):
        RoleRegistry({"a": [Role("staff", "Personal")]})


def test_an_undeclared_role_grants_nothing():
    roles = RoleRegistry({"a": [Role("host", "Gastgeber")]})
    assert roles.grants("host", ("admin", "host")) and roles.grants("staff", ("admin", "staff"))
    assert not roles.grants("ghost", ("admin", "ghost")) and not roles.grants("host", ("admin", "staff"))
    assert roles.get("host").plugin == "a" and roles.keys() == ("admin", "staff", "host")
