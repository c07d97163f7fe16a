"""Helpers shared by the tests of the plugin "hilfsangebote" (a module, not a package: the tests run from the
repository root and standalone, and the root already has a package called ``tests``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from core.plugin_api import Quartier
from core.testing.fixtures import post_form
from quartier_hilfsangebote import service
from quartier_hilfsangebote.tables import Offer

PLUGINS = ["hilfsangebote"]
STAFF_URL = "/staff/r/hilfsangebote-offers"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# -- data -------------------------------------------------------------------------------------
async def quartier(slug: str = "nordstadt", **values: Any) -> Quartier:
    """The Quartier with this slug, created when missing (name = slug.capitalize())."""
    row = await Quartier.objects().where(Quartier.slug == slug).first()
    if row is None:
        row = Quartier(name=slug.capitalize(), slug=slug, **values)
        await row.save()
    return row


async def offer(slug: str = "nordstadt", name: str = "Schuldnerberatung", category: str = "Schulden und Geld",
                **values: Any) -> Offer:
    """An offer stored through the plugin's own service (checked like a form or a CSV row)."""
    q = await quartier(slug)
    data = service.check({"name": name, "category": category, **values})
    return await service.create_offer(q.id, data)


def offer_form(quartier_id: int | None = None, **overrides: Any) -> dict[str, str]:
    """The staff create form, filled in; a value None leaves the field out (an unchecked checkbox)."""
    data: dict[str, Any] = {
        "name": "Migrationsberatung", "provider": "Caritas", "category": "Migration und Sprache",
        "description": "Beratung zu Aufenthalt, Arbeit und Sprachkursen.", "street": "Lindenstraße 4",
        "postal_code": "38518", "city": "Gifhorn", "opening_hours": "Mo 9–12 Uhr\nDo 14–17 Uhr",
        "phone": "(05371) 123 45", "email": "Migration@Example.org", "website": "https://example.org/migration",
        "languages": "DE, tr; ar", "accessible": "on", "active": "on",
    }
    if quartier_id is not None:
        data["quartier"] = str(quartier_id)
    data.update(overrides)
    return {k: str(v) for k, v in data.items() if v is not None}


async def published_event(admin: Any, quartier_id: int, slug: str = "sommerfest", title: str = "Sommerfest") -> str:
    """Create and publish an event through the core's staff screens; returns the public page's path."""
    start = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=14)).replace(hour=15, minute=0)
    response = await post_form(admin, "/staff/r/events/new", {
        "title": title, "slug": slug, "quartier": str(quartier_id), "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"), "venue": "", "summary": "", "description": "",
        "contact_name": "", "contact_phone": "", "contact_email": "",
    })
    assert response.status_code == 303, response.text[:2000]
    event_id = int(response.headers["location"].rsplit("/", 1)[1])
    published = await post_form(admin, f"/staff/r/events/{event_id}/action/publish")
    assert published.status_code == 303
    q = await Quartier.objects().where(Quartier.id == quartier_id).first()
    return f"/{q.slug}/veranstaltungen/{event_id}-{slug}"


async def switch(admin: Any, quartier_id: int, on: bool) -> None:
    """Switch the plugin on or off for a Quartier on the admins' page /staff/plugins."""
    response = await post_form(admin, f"/staff/plugins/{quartier_id}/hilfsangebote", {"enabled": "1" if on else "0"})
    assert response.status_code == 303


# -- reading HTML -----------------------------------------------------------------------------
@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Any] = field(default_factory=list)

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def all(self, tag: str | None = None, class_: str | None = None, **attrs: str) -> list[Element]:
        return [e for e in self.iter() if (tag is None or e.tag == tag)
                and (class_ is None or class_ in e.attrs.get("class", "").split())
                and all(e.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items())]

    def first(self, tag: str | None = None, class_: str | None = None, **attrs: str) -> Element:
        found = self.all(tag, class_, **attrs)
        assert found, f"no <{tag or '*'} class={class_!r} {attrs}>"
        return found[0]

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def text(self) -> str:
        parts: list[str] = []

        def walk(node: Element) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                elif child.tag == "br":
                    parts.append(" ")
                else:
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def links(self) -> list[str]:
        return [e.attrs["href"] for e in self.iter() if e.tag == "a" and "href" in e.attrs]

    def options(self, name: str) -> list[tuple[str, str]]:
        select = next(e for e in self.iter() if e.tag == "select" and e.get("name") == name)
        return [(o.get("value", ""), o.text) for o in select.iter() if o.tag == "option"]

    def selected(self, name: str) -> str:
        select = next(e for e in self.iter() if e.tag == "select" and e.get("name") == name)
        chosen = [o for o in select.iter() if o.tag == "option" and "selected" in o.attrs]
        return chosen[0].get("value", "") if chosen else ""

    def by_id(self, element_id: str) -> Element | None:
        return next((e for e in self.iter() if e.attrs.get("id") == element_id), None)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def cards(html: str) -> list[str]:
    """Names of the offer cards on a page, in order."""
    return [card.first(class_="offer-name").text for card in parse(html).all("li", class_="offer")]


def facts(card: Element) -> dict[str, str]:
    """The <dt>/<dd> pairs of an offer card."""
    return dict(zip((dt.text for dt in card.all("dt")), (dd.text for dd in card.all("dd"))))
