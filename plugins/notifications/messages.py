"""Message texts: Jinja2 templates in a sandbox, German and English, the Quartier's contact in every footer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from core.plugin_api import Quartier

TEMPLATES = Path(__file__).parent / "templates" / "notifications" / "messages"
# Which variables each message kind gets (documented for staff editing the texts).
VARIABLES = {
    "confirm_request": ["name", "event_title", "when", "confirm_url", "cancel_url", "quartier"],
    "registered": ["name", "event_title", "when", "seats", "view_url", "cancel_url", "quartier"],
    "waitlisted": ["name", "event_title", "when", "position", "view_url", "cancel_url", "quartier"],
    "promoted": ["name", "event_title", "when", "needs_confirmation", "confirm_url", "view_url", "cancel_url", "quartier"],
    "cancelled": ["name", "event_title", "when", "quartier"],
    "expired": ["name", "event_title", "when", "quartier"],
    "reminder": ["name", "event_title", "when", "view_url", "cancel_url", "quartier"],
    "event_changed": ["name", "event_title", "when", "view_url", "quartier"],
    "event_cancelled": ["name", "event_title", "when", "quartier"],
}

_env = SandboxedEnvironment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False, undefined=StrictUndefined,
                            keep_trailing_newline=True)


def render(kind: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a message; the template's first line is ``Betreff: ...``/``Subject: ...``."""
    lang = language if (TEMPLATES / f"{kind}.{language}.txt").exists() else "de"
    text = _env.get_template(f"{kind}.{lang}.txt").render(**context)
    first, _sep, body = text.partition("\n")
    subject = first.split(":", 1)[1].strip()
    footer = _env.get_template(f"_footer.{lang}.txt").render(**context)
    body = body.strip() + "\n\n-- \n" + footer.strip() + "\n"
    return subject, body, to_html(body)


def to_html(text: str) -> str:
    """The plain text as simple, escaped HTML: paragraphs and clickable links, no images, no tracking."""
    import re

    paragraphs = []
    for block in text.split("\n\n"):
        escaped = str(escape(block.strip()))
        linked = re.sub(r"(https?://[^\s<]+)", r'<a href="\1">\1</a>', escaped)
        paragraphs.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return Markup('<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">' + "\n".join(paragraphs) + "</body></html>")


async def quartier_context(quartier_id: int | None) -> dict[str, str]:
    quartier = await Quartier.objects().where(Quartier.id == quartier_id).first() if quartier_id else None
    if quartier is None:
        return {"name": "", "office": "", "phone": "", "email": ""}
    return {"name": quartier.name, "office": quartier.office, "phone": quartier.contact_phone, "email": quartier.contact_email}
