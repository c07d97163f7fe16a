"""The optional Apprise channel: SMS to people registered by phone only, digests into a room; URLs stored encrypted."""

import json
from typing import ClassVar

from core.plugin_api import DomainEvent, StaffAttention, publish
from core.testing.fixtures import post_form
from plugins.notifications.digest import send_digests
from plugins.notifications.tables import AppriseTarget, OutboxMessage
from plugins.notifications.worker import work
from tests.plugins.notifications.conftest import sections
from tests.plugins.notifications.test_webhook import receiver  # noqa: F401 (fixture)
from tests.plugins.registration.helpers import event_with_form
from core.testing.fixtures import deliver_pending_events

PLUGINS = ["registration", "notifications"]


async def test_sms_to_phone_only_registrants_through_an_encrypted_target(make_staff_client, smtp, receiver):  # noqa: F811
    async with make_staff_client(role="admin", quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as admin:
        gateway = f"json://127.0.0.1:{receiver.port}/sms/{{phone}}"
        refused = await post_form(admin, "/staff/r/apprise-targets/new", {"name": "X", "purpose": "sms", "url": "windows://"})
        assert refused.status_code == 400 and "ist nicht freigegeben" in refused.text
        no_phone = await post_form(admin, "/staff/r/apprise-targets/new", {"name": "X", "purpose": "sms", "url": f"json://127.0.0.1:{receiver.port}/sms"})
        assert "Platzhalter {phone}" in no_phone.text
        assert await AppriseTarget.count() == 0
        created = await post_form(admin, "/staff/r/apprise-targets/new", {"name": "SMS-Gateway", "purpose": "sms", "url": gateway})
        assert created.status_code == 303
        target = await AppriseTarget.objects().first()
        assert "127.0.0.1" not in target.url_encrypted  # encrypted at rest
        detail = (await admin.get(created.headers["location"])).text
        assert "json://…" in detail and str(receiver.port) not in detail

        _q, event, _form = await event_with_form()
        await admin.post(f"/api/events/{event.id}/registrations", json={"name": "Herr Ohnemail", "phone": "05371 4711", "consent": True})
        messages = {m.kind: m for m in await OutboxMessage.objects().where(OutboxMessage.channel == "apprise")}
        assert set(messages) == {"registration.registered", "registration.reminder"}  # an SMS reminder the day before, too
        message = messages["registration.registered"]
        assert message.recipient == f"{target.id}|05371 4711"
        await work(admin.deployment)
        (request,) = receiver.requests
        assert request["path"] == "/sms/05371%204711"
        payload = json.loads(request["body"])
        assert payload["title"].startswith("Sie sind angemeldet") and "Herr Ohnemail" in payload["message"]
        assert (await OutboxMessage.objects().where(OutboxMessage.id == message.id).first()).status == "sent"


class Submitted(DomainEvent):
    name: ClassVar[str] = "test.submitted"
    summary: str

    def staff_attention(self) -> StaffAttention:
        return StaffAttention(summary=self.summary, url="")


async def test_moderation_digest_into_a_room(make_staff_client, smtp, receiver):  # noqa: F811
    async with make_staff_client(role="admin", quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as admin:
        await post_form(admin, "/staff/r/apprise-targets/new", {
            "name": "Moderationsraum", "purpose": "moderation", "url": f"json://127.0.0.1:{receiver.port}/room"})
        deployment = admin.deployment
        deployment.domain_event_types[Submitted.name] = Submitted
        nord = (await admin.get("/api/quartiere/nordstadt")).json()["id"]
        await publish(Submitted(quartier_id=nord, summary="Mehr Grün im Hof"))
        await deliver_pending_events()
        await send_digests()
        await work(deployment)
        (request,) = receiver.requests
        assert "Mehr Grün im Hof" in json.loads(request["body"])["message"]
