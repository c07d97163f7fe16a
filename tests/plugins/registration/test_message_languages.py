"""Every message text exists in every language a deployment may offer, keeps the German text's variables and
blocks, and renders with its subject and greeting in that language and the Quartier's footer in that language;
confirmation mails in Arabic and Turkish go through the outbox to a real SMTP server."""

from __future__ import annotations

import re
from typing import Any

from jinja2 import Environment, meta

from core.plugin_api import MessageRecipient, MessageRequest, send_message
from plugins.notifications import messages
from plugins.notifications.resources import EXAMPLE_QUARTIER
from plugins.notifications.worker import work
from tests.core.conftest import sample_plugins  # noqa: F401 (the fixture)
from tests.plugins.registration.helpers import event_with_form, with_notifications

ALL_PLUGINS = ["registration", "exhibition", "notifications", "hilfsangebote", "greeter"]
LANGUAGES = ["tr", "ar", "ru", "uk"]
GREETING = {"tr": "Merhaba", "ar": "مرحبًا", "ru": "Здравствуйте", "uk": "Добрий день"}
FOOTER = {"tr": ("Telefon: ", "E-posta: ", "Bu mesaj otomatik olarak gönderildi."),
          "ar": ("الهاتف: ", "البريد الإلكتروني: ", "أُرسلت هذه الرسالة تلقائيًا."),
          "ru": ("Телефон: ", "Эл. почта: ", "Это сообщение отправлено автоматически."),
          "uk": ("Телефон: ", "Ел. пошта: ", "Це повідомлення надіслано автоматично.")}
ARABIC, CYRILLIC = re.compile("[\u0600-\u06ff]"), re.compile("[\u0400-\u04ff]")
ONLY_RUSSIAN, ONLY_UKRAINIAN = re.compile("[ыэъёЫЭЪЁ]"), re.compile("[іїєґІЇЄҐ]")
# The other branch of each conditional: a second rendering with these values where the kind has them.
OTHER_BRANCH = {"count": 1, "seats": 1, "needs_confirmation": False, "provider": ""}
_jinja = Environment()


def structure(text: str) -> tuple[set[str], list[str], set[str]]:
    """What a translation keeps from the German text: its variables, its blocks in order, its plain expressions."""
    blocks = [" ".join(tag.split()) for tag in re.findall(r"{%-?(.*?)-?%}", text)]
    expressions = {" ".join(e.split()) for e in re.findall(r"{{(.*?)}}", text) if '"' not in e and "'" not in e}
    return meta.find_undeclared_variables(_jinja.parse(text)), blocks, expressions


def own_words(text: str, context: dict[str, Any]) -> str:
    """A rendered text without the example values in it: what the template itself says."""
    for value in context.values():
        if isinstance(value, str) and value:
            text = text.replace(value, "")
    return text.strip(" :-–,.«»“”\"()0123456789")


def script_problems(lang: str, subject: str, whole: str) -> list[str]:
    """Why ``subject`` (the template's own words) or the whole message is not written in ``lang``'s script."""
    wrong: list[str] = []
    if lang == "ar" and (not ARABIC.search(subject) or CYRILLIC.search(whole)):
        wrong.append("not Arabic")
    if lang in ("ru", "uk") and (not CYRILLIC.search(subject) or ARABIC.search(whole)):
        wrong.append("not Cyrillic")
    if lang == "ru" and (ONLY_UKRAINIAN.search(whole) or not ONLY_RUSSIAN.search(whole)):
        wrong.append("not Russian")
    if lang == "uk" and (ONLY_RUSSIAN.search(whole) or not ONLY_UKRAINIAN.search(whole)):
        wrong.append("not Ukrainian")
    if lang == "tr" and (ARABIC.search(whole) or CYRILLIC.search(whole)):
        wrong.append("not Latin")
    return wrong


async def test_every_kind_renders_in_every_language(make_deployment, sample_plugins):
    deployment = await make_deployment(ALL_PLUGINS)
    assert set(LANGUAGES) <= set(deployment.settings.languages)
    declared = messages.declared()
    kinds = [*declared, *messages.VARIABLES]
    assert {"registration.registered", "registration.promoted", "exhibition.contribution_published",
            "hilfsangebote.callback_requested", "greeter.greeting", "announcement", "moderation_digest"} <= set(kinds)
    problems: list[str] = []
    for kind in kinds:
        german = messages.shipped(kind, "de")
        for lang in LANGUAGES:
            where = f"{kind} [{lang}]"
            text = messages.shipped(kind, lang)
            if text is None:
                problems.append(f"{where}: no text")
                continue
            if not text.startswith("Subject: ") or messages.check(text):
                problems.append(f"{where}: first line {text.splitlines()[0]!r} ({messages.check(text)})")
            if structure(text) != structure(german):
                problems.append(f"{where}: variables or blocks differ from the German text:\n    {structure(text)}\n"
                                f"    {structure(german)}")
            example = messages.example(kind)
            for values in ({}, {k: v for k, v in OTHER_BRANCH.items() if k in example}):
                context = {**example, **values, "quartier": EXAMPLE_QUARTIER}
                subject, plain, html = await messages.render(kind, lang, context, quartier_id=None)
                body, _sep, footer = plain.partition("\n-- \n")
                source = {other: (await messages.render(kind, other, context, quartier_id=None))[0] for other in ("de", "en")}
                if own_words(source["de"], context):  # not only a staff-written subject
                    problems += [f"{where}: {wrong}: {subject!r} / {body[:80]!r}"
                                 for wrong in script_problems(lang, own_words(subject, context), plain)]
                    if subject in source.values():
                        problems.append(f"{where}: subject {subject!r} not translated")
                if not body.startswith(GREETING[lang]):
                    problems.append(f"{where}: starts {body[:30]!r}")
                phone, email, sentence = FOOTER[lang]
                if f"{phone}05371 12345" not in footer or f"{email}nordstadt@example.org" not in footer or sentence not in footer:
                    problems.append(f"{where}: footer {footer!r}")
                for key in declared[kind].links if kind in declared else ("unsubscribe_url",):
                    url = context.get(key)
                    if url and url in plain and f'<a href="{url}">' not in html:
                        problems.append(f"{where}: {key} is no link in the HTML part")
    assert not problems, "\n".join(problems)


def text_part(mail) -> str:
    """The plain part as written (quoted-printable parts come back with CRLF line ends)."""
    return mail.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


async def test_a_registration_in_arabic_is_confirmed_in_arabic(make_client, smtp_server):
    """The registration plugin's own path (confirm link, domain event, messages.py) for a registration stored as "ar"."""
    from core.plugin_api import format_when, save_versions
    from plugins.registration.tables import Registration

    async with make_client(["registration", "notifications"], sections=with_notifications(smtp_server.port)) as client:
        _q, event, _form = await event_with_form(capacity=5, max_companions=1)
        await save_versions("events", event, "ar", {"title": "لقاء الجيران"})
        response = await client.post(f"/api/events/{event.id}/registrations", json={
            "name": "Leyla Haddad", "email": "leyla@example.org", "consent": True, "companions": 1, "language": "ar"})
        assert response.json()["status"] == "unconfirmed"
        assert (await Registration.objects().first()).language == "ar"  # kept: every later message uses it
        await work(client.deployment)
        confirm_url = re.search(r"(http://testserver.local/anmeldung/\S+/bestaetigen)", text_part(
            smtp_server.to("leyla@example.org")[0])).group(1)
        path = confirm_url.removeprefix("http://testserver.local")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', (await client.get(path)).text).group(1)
        assert (await client.post(path, data={"_csrf_token": token})).status_code == 200
        assert await work(client.deployment) == 1

        registered = smtp_server.to("leyla@example.org")[-1]
        assert registered["Subject"] == "تم تسجيلك: لقاء الجيران"  # the event's Arabic title
        body, footer = text_part(registered).split("\n-- \n", 1)
        assert body.startswith("مرحبًا Leyla Haddad،\n\nتم تسجيلك في فعالية «لقاء الجيران» (عدد الأماكن: 2). الموعد: ")
        assert format_when(event.starts_at, event.timezone, lang="ar") in body
        assert footer == "Quartiersbüro\nالهاتف: 05371 1234\nالبريد الإلكتروني: nordstadt@example.org\nأُرسلت هذه الرسالة تلقائيًا.\n"
        html = registered.get_body(preferencelist=("html",)).get_content()
        assert re.search(r'<a href="http://testserver.local/anmeldung/[^"/]+/stornieren">', html)
        assert '<html lang="ar" dir="rtl">' in html  # mail programs set it right to left
        (calendar,) = registered.iter_attachments()
        assert calendar.get_content_type() == "text/calendar" and "SUMMARY;LANGUAGE=ar:لقاء الجيران" in calendar.get_content()


async def test_confirmation_mails_in_arabic_and_turkish_through_smtp(make_client, smtp_server):
    """Through the messaging service: the registration's confirmation with its calendar file, as the person's language."""
    from core.plugin_api import format_when

    async with make_client(["registration", "notifications"], sections=with_notifications(smtp_server.port)) as client:
        quartier, event, _form = await event_with_form(capacity=5)
        expected = {"ar": ("تم تسجيلك: Treffen treff", "مرحبًا Leyla،", "(عدد الأماكن: 2)", "الهاتف: 05371 1234"),
                    "tr": ("Kaydınız tamamlandı: Treffen treff", "Merhaba Ayşe,", "(2 kişi)", "Telefon: 05371 1234")}
        for lang, name in (("ar", "Leyla"), ("tr", "Ayşe")):
            result = await send_message(MessageRequest(
                plugin="registration", key="registered", idempotency_key=f"lang-{lang}", quartier_id=quartier.id,
                event_id=event.id, to=MessageRecipient(name=name, email=f"{lang}@example.org", language=lang),
                context={"event_title": event.title, "when": format_when(event.starts_at, event.timezone, lang=lang),
                         "seats": 2, "view_url": "http://testserver.local/anmeldung/T1",
                         "cancel_url": "http://testserver.local/anmeldung/T1/stornieren"}))
            assert (result.accepted, result.channel) == (True, "email")
        assert await work(client.deployment) == 2
        for lang, (subject, greeting, seats, phone) in expected.items():
            (mail,) = smtp_server.to(f"{lang}@example.org")
            assert mail["Subject"] == subject
            body = text_part(mail)
            assert body.startswith(greeting) and seats in body and phone in body.split("\n-- \n", 1)[1]
            assert format_when(event.starts_at, event.timezone, lang=lang) in body
            assert "Guten Tag" not in body and "Diese Nachricht wurde automatisch versandt." not in body
            html = mail.get_body(preferencelist=("html",)).get_content()
            assert '<a href="http://testserver.local/anmeldung/T1/stornieren">' in html
            assert [p.get_content_type() for p in mail.iter_attachments()] == ["text/calendar"]
