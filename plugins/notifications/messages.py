"""Message texts: Jinja2 templates in a sandbox, one per kind and language, the Quartier's contact in every footer.

The shipped Turkish, Arabic, Russian and Ukrainian texts (``<kind>.{tr,ar,ru,uk}.txt`` here and in each plugin's
``messages/`` folder, and the inline ``texts`` of the example plugin and the greeter sample) are machine-written and
not yet reviewed by a native speaker: a correction edits that file (or staff override it per Quartier).

Whatever a citizen typed is never a link or markup in a message. A value in the context is
citizen text unless it is marked: ``Link`` for a URL the system made (a confirm link, the page
of a question), ``StaffText`` for text staff wrote (an event title, an announcement). Citizen
text has its internet addresses made inert (``defang``) in both parts; in the HTML part only
``Link`` values and the addresses in the template's own and the staff's text become links.
"""

from __future__ import annotations

import functools
import re
import weakref
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from core.plugin_api import Audience, MessageType, Quartier, current, defang, direction, html_lang


class Link(str):
    """A URL the system put into a message: shown as it is and, in the HTML part, a link."""


class StaffText(str):
    """Text staff wrote: shown as it is; the addresses in it are links in the HTML part."""


# Private-use characters that mark rendered values until the text and HTML parts are made.
_LINK, _LINK_END, _INERT, _INERT_END = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKS = re.compile("[\ue000-\ue003]")
_SEGMENTS = re.compile("\ue000([^\ue000-\ue003]*)\ue001|\ue002([^\ue000-\ue003]*)\ue003")
_URL = re.compile(r"https?://[^\s<>\"]+")


def _finalize(value: Any) -> str:
    """Every ``{{ ... }}`` of a message: citizen text (anything not marked) is made inert."""
    if isinstance(value, Link):
        return _LINK + _MARKS.sub("", value) + _LINK_END
    if isinstance(value, StaffText):
        return _MARKS.sub("", value)
    return _INERT + defang(_MARKS.sub("", str(value))) + _INERT_END


TEMPLATES = Path(__file__).parent / "templates" / "notifications" / "messages"
# This plugin's own kinds; the kinds other plugins declare (``register_message_types``) bring their variables.
VARIABLES = {
    "announcement": ["name", "subject", "body", "unsubscribe_url", "quartier"],
    "moderation_digest": ["name", "count", "items", "quartier"],
    "subscription_confirm": ["what", "confirm_link", "unsubscribe_url", "days", "quartier"],
    "subscription_digest": ["what", "count", "events", "unsubscribe_url", "quartier"],
}
EXAMPLE = {
    "name": "Erika Mustermann", "subject": StaffText("Raumwechsel"), "body": StaffText("Wir treffen uns diesmal im großen Saal."),
    "unsubscribe_url": Link("https://quartier.example/benachrichtigungen/abbestellen/BEISPIEL"),
    "count": 2, "items": [{"summary": "„Dass man sich grüßt.“ zu „Was verstehe ich unter guter Nachbarschaft?“",
                           "url": Link("https://quartier.example/staff/moderation")}] * 2,
    "what": StaffText("Nordstadt"), "days": 7, "confirm_link": Link("https://quartier.example/benachrichtigungen/abo/BEISPIEL/bestaetigen"),
    "events": [{"title": StaffText("Nachbarschaftscafé"), "when": "Montag, 14. Dezember 2026, 14:00 – 16:00",
                "url": Link("https://quartier.example/nordstadt/veranstaltungen/1-nachbarschaftscafe")}],
}

# Staff edit these texts: the sandbox keeps them away from Python's internals. Plain text, so no
# autoescaping here; ``_finalize`` marks every value, and the HTML part is made and escaped in to_html.
_env = SandboxedEnvironment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=False, undefined=StrictUndefined,
                            keep_trailing_newline=True, finalize=_finalize)


_declared: weakref.WeakKeyDictionary[Any, dict[str, MessageType]] = weakref.WeakKeyDictionary()


def declared() -> dict[str, MessageType]:
    """Every message type the loaded plugins declare (``register_message_types``), by kind ``<plugin>.<key>``;
    asked once per deployment (the plugins are loaded with it)."""
    deployment = current()
    found = _declared.get(deployment)
    if found is None:
        found = _declared[deployment] = {}
        for name, types in deployment.hooks.register_message_types().items():
            for message_type in types or []:
                found[f"{name}.{message_type.key}"] = message_type
    return found


def audiences() -> dict[str, tuple[str, Audience]]:
    """Every audience the loaded plugins declare (``register_audiences``), by ``<plugin>.<key>``: (plugin, audience)."""
    found: dict[str, tuple[str, Audience]] = {}
    for name, answer in current().hooks.register_audiences().items():
        for audience in answer or []:
            found[f"{name}.{audience.key}"] = (name, audience)
    return found


@functools.lru_cache(maxsize=256)
def _own_file(kind: str, language: str) -> str | None:
    """This plugin's shipped text of a kind in a language (a file of the installed code: read once)."""
    path = TEMPLATES / f"{kind}.{language}.txt"
    return path.read_text(encoding="utf-8") if path.exists() else None


def shipped(kind: str, language: str) -> str | None:
    """The default text of a kind in a language: this plugin's own file, or the text its declaring plugin gave."""
    text = _own_file(kind, language)
    if text is not None:
        return text
    message_type = declared().get(kind)
    return message_type.texts.get(language) if message_type else None


def default_text(kind: str, language: str) -> str:
    text = shipped(kind, language) or shipped(kind, "de")
    if text is None:
        raise LookupError(f"message kind '{kind}' has no text")
    return text


def variables(kind: str) -> list[str]:
    """The variables staff may use in a kind's text."""
    message_type = declared().get(kind)
    if message_type is not None:
        return ["name", *message_type.variables, "quartier"]
    return VARIABLES[kind]


def example(kind: str) -> dict[str, Any]:
    """Values for the staff preview of a kind."""
    message_type = declared().get(kind)
    if message_type is None:
        return EXAMPLE
    return {**EXAMPLE, **marked(message_type, message_type.example)}


def marked(message_type: MessageType, values: dict[str, Any]) -> dict[str, Any]:
    """Values with the type's links and staff texts marked; everything else counts as citizen text."""
    def mark(key: str, value: Any) -> Any:
        if key in message_type.links:
            return Link(value or "")
        if key in message_type.staff_texts:
            return StaffText(value or "")
        return value

    return {key: mark(key, value) for key, value in values.items()}


def check(text: str) -> str | None:
    """A German message about what is wrong with a staff-edited text, or None."""
    from jinja2 import TemplateSyntaxError

    if not re.match(r"^(Betreff|Subject):\s*\S", text):
        return "Die erste Zeile muss mit „Betreff:“ beginnen."
    try:
        _env.from_string(text)
    except TemplateSyntaxError as exc:
        return f"Zeile {exc.lineno}: {exc.message}"
    return None


@functools.lru_cache(maxsize=128)
def _compiled(source: str) -> Any:
    return _env.from_string(_MARKS.sub("", source))


def render_text(source: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, plain text, HTML); values not marked ``Link`` or ``StaffText`` are citizen text."""
    # The Quartier's contact in every footer is the office's own.
    context = {**context, "quartier": {k: StaffText(v) if isinstance(v, str) else v
                                   for k, v in (context.get("quartier") or {}).items()}}
    text = _compiled(source).render(**context)
    first, _sep, body = text.partition("\n")
    lang = language if _own_file("_footer", language) is not None else "de"
    subject = _MARKS.sub("", first.split(":", 1)[1]).strip()
    footer = _env.get_template(f"_footer.{lang}.txt").render(**context)
    body = body.strip() + "\n\n-- \n" + footer.strip() + "\n"
    return subject, _MARKS.sub("", body), to_html(body, language)


async def render(kind: str, language: str, context: dict[str, Any], *, quartier_id: int | None) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a message, from the text ``source`` picks."""
    return render_text(await source(kind, language, quartier_id=quartier_id), language, context)


async def source(kind: str, language: str, *, quartier_id: int | None) -> str:
    """The text a message kind is rendered from: the Quartier's own version in that language, else the
    deployment's default, else the shipped text; where none is in that language, the same in German."""
    from plugins.notifications.tables import MessageTemplate

    rows = await MessageTemplate.select(MessageTemplate.language, MessageTemplate.quartier, MessageTemplate.text).where(
        (MessageTemplate.kind == kind) & MessageTemplate.language.is_in(list({language, "de"}))
        & (MessageTemplate.quartier.is_null() | (MessageTemplate.quartier == (quartier_id or -1))))
    return pick({(row["language"], row["quartier"]): row["text"] for row in rows}, kind, language, quartier_id)


def pick(texts: dict[tuple[str, int | None], str], kind: str, language: str, quartier_id: int | None) -> str:
    """``source`` from the staff's texts of a kind already read, by (language, Quartier or None)."""
    for lang in ([language] if language == "de" else [language, "de"]):
        for owner in (quartier_id, None):
            if (lang, owner) in texts:
                return texts[(lang, owner)]
        text = shipped(kind, lang)
        if text is not None:
            return text
    return default_text(kind, "de")


def _linked(plain: str) -> str:
    """Escaped HTML of template or staff text: the URLs in it become links."""
    parts, start = [], 0
    for match in _URL.finditer(plain):
        url = str(escape(match.group(0)))
        parts += [str(escape(plain[start:match.start()])), f'<a href="{url}">{url}</a>']
        start = match.end()
    return "".join(parts) + str(escape(plain[start:]))


def _inline_html(marked: str) -> str:
    """Escaped HTML of a rendered text: only ``Link`` values and URLs in unmarked text become links."""
    parts, start = [], 0
    for match in _SEGMENTS.finditer(marked):
        parts.append(_linked(_MARKS.sub("", marked[start:match.start()])))
        link, inert = match.groups()
        parts.append(_linked(link) if link is not None and _URL.fullmatch(link) else str(escape(link if inert is None else inert)))
        start = match.end()
    return "".join(parts) + _linked(_MARKS.sub("", marked[start:]))


def to_html(text: str, language: str = "de") -> str:
    """A rendered text as simple, escaped HTML in ``language`` (its writing direction too): paragraphs and
    clickable links, no images, no tracking."""
    paragraphs = []
    for block in _inline_html(text.strip()).split("\n\n"):
        paragraphs.append("<p>" + block.strip().replace("\n", "<br>\n") + "</p>")
    lang = escape(html_lang(language))
    return Markup(f'<!doctype html><html lang="{lang}" dir="{direction(language)}">'
                  '<body style="font-family:sans-serif;line-height:1.5">' + "\n".join(paragraphs) + "</body></html>")


NO_QUARTIER = {"name": "", "office": "", "phone": "", "email": ""}


async def quartier_context(quartier_id: int | None) -> dict[str, str]:
    quartier = await Quartier.objects().where(Quartier.id == quartier_id).first() if quartier_id else None
    if quartier is None:
        return dict(NO_QUARTIER)
    return {"name": quartier.name, "office": quartier.office, "phone": quartier.contact_phone, "email": quartier.contact_email}
