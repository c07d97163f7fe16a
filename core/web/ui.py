"""What plugins hand to the staff UI and the public pages through hooks."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from core.accounts.roles import STAFF_ROLES


@dataclass
class MenuLink:
    """An entry in the staff menu; ``roles`` who see it. ``plugin`` (set by the core) names the catalog of its texts."""

    label: str
    url: str
    group: str = "Verwaltung"
    roles: tuple[str, ...] = STAFF_ROLES
    plugin: str = "core"


@dataclass
class Widget:
    """A dashboard box: a title and ready HTML (escape what you put in; use ``render``)."""

    title: str
    html: Markup
    order: int = 100


@dataclass
class PageBlock:
    """A block on a public event page, e.g. a registration form or a link to the exhibition."""

    title: str
    html: Markup
    order: int = 100
