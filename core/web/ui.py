"""What plugins hand to the staff UI and the public pages through hooks."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class CockpitPanel:
    """A box on an event's staff cockpit: figures (label, value), links (label, url), optional escaped ``html``.

    ``quick_links`` are shown first, as buttons above all panels (e.g. the check-in, first on a phone).
    Labels and title are shown as given: translate them in the hook. ``roles``: who sees the panel.
    """

    title: str
    figures: list[tuple[str, str]] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)
    html: Markup | None = None
    order: int = 100
    roles: tuple[str, ...] = STAFF_ROLES
    quick_links: list[tuple[str, str]] = field(default_factory=list)
