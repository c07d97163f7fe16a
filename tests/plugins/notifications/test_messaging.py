"""The messaging service: a plugin that does not import notifications declares a message type and asks for a
message; notifications renders the staff's text, picks the channel and delivers through the outbox."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.plugin_api import MessageError, MessageRecipient, MessageRequest, get_quartier, send_message, withdraw_messages
from core.testing.fixtures import create_staff_user, post_form
from plugins.notifications import service
from plugins.notifications.tables import OutboxMessage
from plugins.notifications.worker import work
from tests.core.conftest import sample_plugins  # noqa: F401 (the fixture)
from tests.core.factories import make_quartier
from tests.plugins.notifications.conftest import sections

PLUGINS = ["greeter", "notifications"]
NOTIFICATIONS = Path(__file__).resolve().parents[3] / "plugins" / "notifications"


def greeting(quartier_id: int | None, key: str = "g1", **values) -> MessageRequest:
    values.setdefault("to", MessageRecipient(name="Erika", email="erika@example.org"))
    return MessageRequest(plugin="greeter", key=values.pop("type", "greeting"), idempotency_key=key,
                          quartier_id=quartier_id, context={"text": "Moin, <b>https://evil.example</b>"}, **values)


async def test_a_plugin_sends_a_templated_message_once_through_the_outbox(make_staff_client, sample_plugins, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff:
        nord = (await get_quartier("nordstadt")).id
        first = await send_message(greeting(nord))
        again = await send_message(greeting(nord))
        assert (first.accepted, first.channel, first.reason) == (True, "email", "")
        assert (again.accepted, again.reason) == (True, "already queued")
        (queued,) = await OutboxMessage.objects()
        assert (queued.kind, queued.idempotency_key, queued.person) == ("greeter.greeting", "greeter:g1", "Erika")
        await work(staff.deployment)
        (mail,) = smtp.to("erika@example.org")
        assert mail["Subject"] == "Ein Gruß aus Nordstadt"
        body = mail.get_body(preferencelist=("plain",)).get_content()
        assert "Hallo Erika," in body and "https://evil.example" not in body  # citizen text stays inert
        assert "Nordstadt" in body.split("-- ", 1)[1]  # the Quartier's footer

        # Staff see the declared type among the texts they may edit, and their version is used.
        form = (await staff.get("/staff/r/message-templates/new")).text
        assert 'value="greeter.greeting"' in form
        created = await post_form(staff, "/staff/r/message-templates/new", {
            "kind": "greeter.greeting", "language": "de", "quartier": str(nord), "text": "Betreff: Grüße für {{ name }}\n{{ text }}"})
        assert created.status_code == 303
        detail = (await staff.get(created.headers["location"])).text
        assert "Betreff: Grüße für Erika Mustermann" in detail and "name, text, quartier" in detail
        await send_message(greeting(nord, key="g2", to=MessageRecipient(name="Bert", email="bert@example.org")))
        await work(staff.deployment)
        assert smtp.to("bert@example.org")[0]["Subject"] == "Grüße für Bert"


async def test_the_channel_follows_what_the_person_left(make_deployment, sample_plugins, smtp):
    await make_deployment(PLUGINS, sections=sections(smtp.port))
    nord = (await make_quartier("nordstadt")).id
    by_phone = await send_message(greeting(nord, to=MessageRecipient(name="Otto", phone="05371 123")))
    assert (by_phone.accepted, by_phone.channel) == (True, "call")
    (call,) = await OutboxMessage.objects().where(OutboxMessage.channel == "call")
    assert (call.recipient, call.person, call.subject) == ("05371 123", "Otto", "Ein Gruß aus Nordstadt")
    english = await send_message(greeting(nord, key="g2", to=MessageRecipient(email="e@example.org", language="en")))
    assert english.accepted
    assert (await OutboxMessage.objects().where(OutboxMessage.recipient == "e@example.org").first()).subject == (
        "A greeting from Nordstadt")


async def test_bad_requests_name_plugin_and_key(make_deployment, sample_plugins, smtp):
    await make_deployment(PLUGINS, sections=sections(smtp.port))
    nord = (await make_quartier("nordstadt")).id
    with pytest.raises(MessageError, match="Plugin 'greeter': unknown message type 'greting'"):
        await send_message(greeting(nord, type="greting"))
    with pytest.raises(MessageError, match="Plugin 'greeter', message 'greeting': no recipient"):
        await send_message(greeting(nord, to=MessageRecipient(name="Niemand")))
    with pytest.raises(MessageError, match="Plugin 'greeter', message 'greeting': no recipient"):
        await send_message(greeting(nord, to=None))
    assert await OutboxMessage.count() == 0


async def test_switched_off_for_the_quartier_nothing_is_sent(make_deployment, sample_plugins, smtp):
    from core.quartiere.service import set_plugin_enabled

    await make_deployment(PLUGINS, sections=sections(smtp.port))
    nord = (await make_quartier("nordstadt")).id
    await set_plugin_enabled(nord, "notifications", False)
    result = await send_message(greeting(nord))
    assert (result.accepted, result.reason) == (False, "not delivered: messaging is switched off for this Quartier")
    assert await OutboxMessage.count() == 0


async def test_to_staff_and_withdrawn_later_messages(make_deployment, sample_plugins, smtp, fast_passwords):
    await make_deployment(PLUGINS, sections=sections(smtp.port))
    nord = (await make_quartier("nordstadt")).id
    user = await create_staff_user(email="qm@example.org", name="Quirin", quartiere=["nordstadt"])
    to_staff = await send_message(greeting(nord, key="news", to=None, to_staff=True))
    assert to_staff.accepted
    (staff_mail,) = await OutboxMessage.objects()
    assert (staff_mail.recipient, staff_mail.person) == ("qm@example.org", "Quirin")
    assert staff_mail.idempotency_key == f"greeter:news:staff{user.id}"

    later = service.now() + timedelta(days=1)
    await send_message(greeting(nord, key="reminder:1", send_at=later))
    await send_message(greeting(nord, key="reminder:2", send_at=later, to=MessageRecipient(email="b@example.org")))
    assert await withdraw_messages("greeter", "reminder:1") == 1
    statuses = {m.idempotency_key: m.status for m in await OutboxMessage.objects()}
    assert statuses["greeter:reminder:1"] == "cancelled" and statuses["greeter:reminder:2"] == "pending"
    assert await withdraw_messages("greeter", "reminder:", erase=True) == 2
    assert not await OutboxMessage.exists().where(OutboxMessage.idempotency_key.like("greeter:reminder:%"))


async def test_staff_write_to_the_audience_a_plugin_declares(make_staff_client, sample_plugins, smtp):
    from core.quartiere.service import set_plugin_enabled
    from tests.core.factories import make_event

    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff:
        nord = await get_quartier("nordstadt")
        event = await make_event(nord, "treff")
        form = (await staff.get("/staff/r/announcements/new")).text
        assert '<option value="greeter.guests"' in form and "Gäste" in form
        created = await post_form(staff, "/staff/r/announcements/new", {
            "event": str(event.id), "audience": "greeter.guests", "subject": "Hallo Gäste", "body": "Bis bald."})
        assert created.status_code == 303
        detail = (await staff.get(created.headers["location"])).text
        assert "Guten Tag Gast A" in detail  # the preview uses a real member; Gast B has no e-mail address
        await set_plugin_enabled(nord.id, "greeter", False)
        announcement = created.headers["location"]
        await post_form(staff, f"{announcement}/action/send")
        assert "Niemand hat eine E-Mail-Adresse" in (await staff.get(announcement)).text
        assert await OutboxMessage.count() == 0  # nobody while greeter is off there
        await set_plugin_enabled(nord.id, "greeter", True)
        assert (await post_form(staff, f"{announcement}/action/send")).status_code == 303
        await work(staff.deployment)
        (mail,) = smtp.messages
        assert mail["To"] == f"gast{event.id}@example.org" and mail["Subject"] == "Hallo Gäste"
        unknown = await post_form(staff, "/staff/r/announcements/new", {
            "event": str(event.id), "audience": "nobody.declared", "subject": "x", "body": "y"})
        assert unknown.status_code == 400


def _names_in(folder: Path) -> set[str]:
    """Every string constant, attribute and name in the plugin's Python code; not its prose (docstrings) and not its
    migrations, which record the names of the past."""
    import ast

    found: set[str] = set()
    for path in folder.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        prose = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
                found.update({node.value, *node.value.replace(".", " ").replace(":", " ").split()})
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif isinstance(node, ast.Name):
                found.add(node.id)
    return found


async def test_notifications_names_no_other_plugins_events_or_fields(make_deployment):
    """The contract: notifications reacts to what producers declare, never to another plugin's names."""
    import msgspec

    from core.domain_events.types import CORE_EVENT_TYPES, StaffAttention
    from core.events.tables import Event
    from core.messaging import types as contract

    deployment = await make_deployment(["registration", "exhibition", "notifications"])
    # names the core's own types use (its events, the messaging contract, the calendar event): anyone may use those
    ours = {column._meta.name for column in Event._meta.columns}
    for struct in [*CORE_EVENT_TYPES, StaffAttention, contract.MessageRecipient, contract.MessageRequest,
                   contract.MessageResult, contract.MessageType, contract.AudienceMember]:
        ours.update(f.name for f in msgspec.structs.fields(struct))
    theirs: dict[str, str] = {}
    for plugin, types in deployment.hooks.register_domain_events().items():
        if plugin == "notifications":
            continue
        theirs[plugin] = f"plugin {plugin}"
        for event_type in types or []:
            theirs[event_type.name] = f"event {event_type.name}"
            theirs.update({f.name: f"field of {event_type.name}" for f in msgspec.structs.fields(event_type)
                           if f.name not in ours})
    assert "person_name" in theirs and "registration.created" in theirs and "notify_email" in theirs  # the check can fail
    named = {name: why for name, why in theirs.items() if name in _names_in(NOTIFICATIONS)}
    assert named == {}, f"plugins/notifications names another plugin's events or fields: {named}"
