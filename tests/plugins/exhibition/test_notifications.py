"""With the notifications plugin: a contributor who left an address hears once when the contribution is public, the
address is gone afterwards; moderators hear of waiting contributions in their digest."""

from __future__ import annotations

import json
import re

from core.quartiere.service import set_plugin_enabled
from core.testing.fixtures import create_staff_user
from plugins.exhibition import service
from plugins.exhibition.tables import Contribution
from plugins.notifications.digest import send_digests
from plugins.notifications.tables import OutboxMessage
from plugins.notifications.worker import work
from tests.core.web.pages import parse
from tests.plugins.exhibition.helpers import NO_RATE_LIMIT, PLUGINS, Q1, Q2, answer, decide, exhibition, fresh
from core.testing.fixtures import deliver_pending_events

WITH_NOTIFICATIONS = ["notifications", "exhibition"]
ADDRESS = "erika@example.org"


def sections(port: int, **notifications) -> dict:
    return {"exhibition": {"rate_limit_per_minute": 0},
            "notifications": {"smtp_host": "127.0.0.1", "smtp_port": port, "poll_seconds": 3600, "backoff_seconds": 1,
                              "smtp_timeout_seconds": 5, "from_address": "qm@gifhorn.example", **notifications}}


def qpath(question) -> str:
    return f"/nordstadt/fragen/{question.id}"


async def mails(kind: str) -> list[OutboxMessage]:
    return await OutboxMessage.objects().where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)


async def test_told_once_when_published_and_the_address_is_gone(make_staff_client, smtp_server):
    async with make_staff_client(quartiere=["nordstadt"], plugins=WITH_NOTIFICATIONS, sections=sections(smtp_server.port)) as client:
        x = await exhibition(questions=[Q1])
        q = x.questions[0]
        form = parse((await client.get(qpath(q))).text)
        assert form.field_value("email") == "" and form.by_id(f"q{q.id}-email") is not None
        response = await answer(client, qpath(q), "Man hilft sich.", email=" Erika@Example.org ")
        assert response.status_code == 201
        (row,) = await Contribution.objects()
        assert (row.status, row.notify_email) == ("pending", ADDRESS)
        assert await mails("exhibition.contribution_published") == []

        await decide(client, row, "approve")
        assert (await fresh(row)).notify_email is None
        (message,) = await mails("exhibition.contribution_published")
        assert (message.recipient, message.subject) == (ADDRESS, "Ihr Beitrag ist veröffentlicht")
        await work(client.deployment)
        (mail,) = smtp_server.to(ADDRESS)
        body = mail.get_body(preferencelist=("plain",)).get_content()
        assert f"„{Q1}“" in body and "„Man hilft sich.“" in body and f"http://testserver.local/nordstadt/fragen/{q.id}" in body

        # hidden and approved again: public once more, but nobody is written to twice
        await decide(client, row, "hide")
        await decide(client, row, "approve")
        assert len(await mails("exhibition.contribution_published")) == 1
        await work(client.deployment)
        assert len(smtp_server.to(ADDRESS)) == 1


async def test_rejection_forgets_the_address_and_sends_nothing(make_staff_client, smtp_server):
    async with make_staff_client(quartiere=["nordstadt"], plugins=WITH_NOTIFICATIONS, sections=sections(smtp_server.port)) as client:
        x = await exhibition(questions=[Q1])
        sent = await client.post(f"/api/quartiere/nordstadt/questions/{x.questions[0].id}/contributions",
                                 json={"text": "Werbung", "email": ADDRESS})
        assert sent.status_code == 201 and sent.json()["status"] == "pending"
        row = await Contribution.objects().first()
        assert row.notify_email == ADDRESS
        await decide(client, row, "reject", reason="Werbung")
        assert (await fresh(row)).notify_email is None
        await decide(client, row, "approve")  # changed their mind: public now, but the address is gone
        assert await mails("exhibition.contribution_published") == []
        await work(client.deployment)
        assert smtp_server.to(ADDRESS) == []


async def test_a_wrong_address_is_refused_when_one_is_asked_for(make_client, smtp_server):
    async with make_client(WITH_NOTIFICATIONS, sections=sections(smtp_server.port)) as client:
        x = await exhibition(questions=[Q1])
        api = await client.post(f"/api/quartiere/nordstadt/questions/{x.questions[0].id}/contributions",
                                json={"text": "Hallo", "email": "keine-adresse"})
        assert api.status_code == 422
        assert api.json()["errors"] == {"email": "Bitte geben Sie eine gültige E-Mail-Adresse an oder lassen Sie das Feld leer."}
        page = await answer(client, qpath(x.questions[0]), "Hallo", email="keine-adresse")
        assert page.status_code == 400 and parse(page.text).field_value("email") == "keine-adresse"
        assert parse(page.text).text_of(f"q{x.questions[0].id}-email-error").startswith("Bitte geben Sie eine gültige E-Mail-Adresse")
        assert await Contribution.count() == 0


async def no_address_taken(client, question) -> None:
    page = parse((await client.get(qpath(question))).text)
    assert page.field_value("email") is None  # no field
    assert (await answer(client, qpath(question), "Über das Formular", email=ADDRESS)).status_code == 201
    sent = await client.post(f"/api/quartiere/nordstadt/questions/{question.id}/contributions",
                             json={"text": "Über die API", "email": ADDRESS})
    assert sent.status_code == 201
    assert [c.notify_email for c in await Contribution.objects().where(Contribution.question == question.id)] == [None, None]


async def test_no_address_without_notifications(make_client):
    async with make_client(PLUGINS, sections=NO_RATE_LIMIT) as client:
        x = await exhibition(questions=[Q1])
        await no_address_taken(client, x.questions[0])


async def test_no_address_for_post_moderation_or_where_notifications_are_off(make_client, smtp_server):
    async with make_client(WITH_NOTIFICATIONS, sections=sections(smtp_server.port)) as client:
        x = await exhibition(questions=[Q1])
        post = await service.create_question(Q2, exhibition_id=x.exhibition.id, moderation="post")
        await no_address_taken(client, post)
        await set_plugin_enabled(x.quartier.id, "notifications", False)
        await no_address_taken(client, x.questions[0])
        await work(client.deployment)
        assert smtp_server.messages == []


async def test_moderators_get_waiting_contributions_in_their_digest(make_client, smtp_server, fast_passwords):
    async with make_client(WITH_NOTIFICATIONS, sections=sections(smtp_server.port)) as client:
        x = await exhibition(questions=[Q1])
        south = await exhibition("suedstadt", "Im Süden", questions=[Q2])
        mona = await create_staff_user("moderator", ["nordstadt"], email="mona@example.org")
        await create_staff_user("moderator", ["suedstadt"], email="sued@example.org")
        assert (await answer(client, qpath(x.questions[0]), "Mehr Bänke!")).status_code == 201
        assert await send_digests() == 1
        await work(client.deployment)
        (mail,) = smtp_server.to(mona.email)
        assert mail["Subject"] == "1 Beitrag wartet auf Moderation"
        body = mail.get_body(preferencelist=("plain",)).get_content()
        assert f"„Mehr Bänke!“ zu „{Q1}“" in body and "http://testserver.local/staff/moderation" in body
        assert smtp_server.to("sued@example.org") == [] and south.questions


async def test_the_address_never_leaves_by_webhook(make_client, smtp_server):
    async with make_client(WITH_NOTIFICATIONS, sections=sections(smtp_server.port, webhook_url="http://hook.invalid/quartier")) as client:
        x = await exhibition(questions=[Q1])
        await answer(client, qpath(x.questions[0]), "Hallo", email=ADDRESS)
        await service.approve(await Contribution.objects().first())
        await deliver_pending_events()
        hooks = await OutboxMessage.objects().where(OutboxMessage.channel == "webhook")
        kinds = sorted(m.kind for m in hooks)
        assert kinds == ["exhibition.contribution_approved", "exhibition.contribution_submitted", "exhibition.published"]
        assert all(ADDRESS not in m.body_text for m in hooks)
        approved = next(json.loads(m.body_text) for m in hooks if m.kind == "exhibition.contribution_approved")
        assert approved["data"]["excerpt"] == "Hallo" and "notify_email" not in approved["data"]


# -- no phishing through our mails -------------------------------------------------------------
LURE = "Mehr dazu auf https://evil.example/login oder www.evil.example <b>fett</b>"
INERT = "Mehr dazu auf hxxps[:]//evil[.]example/login oder www[.]evil[.]example"


def mail_parts(mail) -> tuple[str, str]:
    return (mail.get_body(preferencelist=("plain",)).get_content(),
            mail.get_body(preferencelist=("html",)).get_content())


def assert_inert(text: str, html: str) -> None:
    """The citizen's addresses are neither clickable nor recognisable; only our own links are links."""
    for part in (text, html):
        assert INERT in part and "evil.example" not in part and "://evil" not in part and "www.evil" not in part
    assert "<b>" not in html and "&lt;b&gt;fett&lt;/b&gt;" in html
    hrefs = re.findall(r"<a\b[^>]*href=\"([^\"]*)\"", html)
    assert hrefs and all(href.startswith("http://testserver.local/") for href in hrefs), hrefs


async def test_a_url_in_a_contribution_is_inert_in_the_digest_and_the_published_mail(make_staff_client, smtp_server):
    async with make_staff_client(role="moderator", quartiere=["nordstadt"], plugins=WITH_NOTIFICATIONS,
                                 sections=sections(smtp_server.port)) as client:
        x = await exhibition(questions=[Q1])
        q = x.questions[0]
        assert (await answer(client, qpath(q), LURE, email=ADDRESS)).status_code == 201
        (row,) = await Contribution.objects()
        assert "Link" in row.flags  # the moderators see it is there

        assert await send_digests() == 1
        await work(client.deployment)
        (digest,) = smtp_server.to(client.user.email)
        text, html = mail_parts(digest)
        assert_inert(text, html)
        assert 'href="http://testserver.local/staff/moderation"' in html

        await decide(client, row, "approve")
        await work(client.deployment)
        (published,) = smtp_server.to(ADDRESS)
        text, html = mail_parts(published)
        assert_inert(text, html)
        assert f'href="http://testserver.local/nordstadt/fragen/{q.id}"' in html


async def test_a_text_staff_edited_before_the_kind_moved_here_is_kept(make_staff_client, smtp_server):
    """The kind was "contribution_published" of the notifications plugin; it is the exhibition's message type now."""
    import importlib

    from plugins.notifications.tables import MessageTemplate

    migration = importlib.import_module("plugins.notifications.migrations.notifications_2026_12_06t15_10_00_000000")
    async with make_staff_client(quartiere=["nordstadt"], plugins=WITH_NOTIFICATIONS, sections=sections(smtp_server.port)) as client:
        await MessageTemplate.insert(MessageTemplate(kind="contribution_published", language="de",
                                                     text="Betreff: Online: {{ question }}\n{{ url }}"))
        await (await migration.forwards()).run()
        assert [r.kind for r in await MessageTemplate.objects()] == ["exhibition.contribution_published"]
        x = await exhibition(questions=[Q1])
        await answer(client, qpath(x.questions[0]), "Man hilft sich.", email=ADDRESS)
        await decide(client, await Contribution.objects().first(), "approve")
        (message,) = await mails("exhibition.contribution_published")
        assert message.subject == f"Online: {Q1}"
