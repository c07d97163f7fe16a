"""Reading the app's HTML in tests: a small element tree from the standard library's parser."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Iterator

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    @property
    def text(self) -> str:
        """Text content, whitespace collapsed."""
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

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: (v if v is not None else "") for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: (v if v is not None else "") for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


class Page:
    """A parsed HTML page with the look-ups the tests need."""

    def __init__(self, html: str) -> None:
        builder = _Builder()
        builder.feed(html)
        builder.close()
        self.html = html
        self.root = builder.root

    def all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        """Elements with this tag (any if None) whose attributes equal ``attrs`` (``class_`` for class)."""
        wanted = {k.rstrip("_").replace("_", "-") if k != "class_" else "class": v for k, v in attrs.items()}
        return [e for e in self.root.iter() if (tag is None or e.tag == tag) and all(e.attrs.get(k) == v for k, v in wanted.items())]

    def by_id(self, element_id: str) -> Element | None:
        return next((e for e in self.root.iter() if e.attrs.get("id") == element_id), None)

    def text_of(self, element_id: str) -> str | None:
        element = self.by_id(element_id)
        return element.text if element is not None else None

    @property
    def html_lang(self) -> str | None:
        tag = next((e for e in self.root.iter() if e.tag == "html"), None)
        return tag.get("lang") if tag is not None else None

    @property
    def title(self) -> str:
        return self.all("title")[0].text

    @property
    def h1(self) -> str:
        return self.all("h1")[0].text

    @property
    def main_text(self) -> str:
        return self.all("main")[0].text

    def flashes(self) -> list[str]:
        return [e.text for e in self.root.iter() if "flash" in e.attrs.get("class", "").split()]

    def field_value(self, name: str) -> str | None:
        """What a form field named ``name`` holds: input value, textarea text or selected option."""
        for e in self.root.iter():
            if e.attrs.get("name") != name:
                continue
            if e.tag == "input" and e.get("type") not in ("checkbox", "radio"):
                return e.get("value", "")
            if e.tag == "textarea":
                return "".join(c for c in e.children if isinstance(c, str))
            if e.tag == "select":
                chosen = [o for o in e.iter() if o.tag == "option" and "selected" in o.attrs]
                return chosen[0].get("value") if chosen else ""
        return None

    def checked(self, name: str) -> list[str]:
        return [e.get("value", "") for e in self.root.iter() if e.tag == "input" and e.get("name") == name and "checked" in e.attrs]

    def options(self, name: str) -> list[tuple[str, str]]:
        select = next(e for e in self.root.iter() if e.tag == "select" and e.get("name") == name)
        return [(o.get("value", ""), o.text) for o in select.iter() if o.tag == "option"]

    def links(self) -> list[str]:
        return [e.attrs["href"] for e in self.root.iter() if e.tag == "a" and "href" in e.attrs]

    def post_forms(self) -> list[str]:
        """``action`` of every POST form on the page."""
        return [e.get("action", "") for e in self.root.iter() if e.tag == "form" and (e.get("method") or "").lower() == "post"]

    def json_ld(self) -> list[str]:
        """Raw text of each ``application/ld+json`` script."""
        return ["".join(c for c in e.children if isinstance(c, str)) for e in self.root.iter()
                if e.tag == "script" and e.get("type") == "application/ld+json"]

    def table_rows(self) -> list[list[str]]:
        """Body rows of the first table, as cell texts."""
        body = next(e for e in self.root.iter() if e.tag == "tbody")
        return [[c.text for c in row.children if isinstance(c, Element) and c.tag in ("th", "td")]
                for row in body.children if isinstance(row, Element) and row.tag == "tr"]

    def first_column(self) -> list[str]:
        tbodies = [e for e in self.root.iter() if e.tag == "tbody"]
        return [row[0] for row in self.table_rows()] if tbodies else []


def parse(html: str) -> Page:
    return Page(html)


def parse_json_ld(page: Page) -> dict:
    (raw,) = page.json_ld()
    return json.loads(raw)


def read_csv(body: bytes) -> list[list[str]]:
    """A semicolon-separated export with BOM, as rows."""
    assert body.startswith(b"\xef\xbb\xbf"), "the export starts with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
