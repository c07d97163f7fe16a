"""Staff edit message texts in the UI, see a preview, and the sandbox keeps templates away from Python."""

from core.testing.fixtures import post_form
from plugins.notifications.tables import MessageTemplate
from plugins.notifications.worker import work
from tests.plugins.notifications.conftest import sections
from tests.plugins.registration.helpers import event_with_form

PLUGINS = ["registration", "notifications"]


async def test_edited_text_is_previewed_and_used(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff:
        created = await post_form(staff, "/staff/r/message-templates/new", {"kind": "registered", "language": "de", "text": ""})
        assert created.status_code == 303
        row = await MessageTemplate.objects().first()
        assert row.text.startswith("Betreff: Sie sind angemeldet")  # starts from the shipped text
        edited = await post_form(staff, f"/staff/r/message-templates/{row.id}/edit", {
            "text": "Betreff: Bis bald, {{ name }}!\nWir freuen uns auf Sie am {{ when }}."})
        assert edited.status_code == 303
        detail = (await staff.get(f"/staff/r/message-templates/{row.id}")).text
        assert "Betreff: Bis bald, Erika Mustermann!" in detail and "Telefon: 05371 12345" in detail

        _q, event, _form = await event_with_form(double_opt_in=False)
        await staff.post(f"/api/events/{event.id}/registrations", json={"name": "Rita", "email": "rita@example.org", "consent": True})
        await work(staff.deployment, once=True)
        (mail,) = smtp.to("rita@example.org")
        assert mail["Subject"] == "Bis bald, Rita!"


async def test_broken_or_unsafe_templates_are_refused_or_contained(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff:
        broken = await post_form(staff, "/staff/r/message-templates/new", {"kind": "reminder", "language": "de", "text": "Betreff: x\n{% if %}"})
        assert broken.status_code == 400 and 'id="f-text-error"' in broken.text
        no_subject = await post_form(staff, "/staff/r/message-templates/new", {"kind": "reminder", "language": "de", "text": "Hallo"})
        assert "Die erste Zeile muss mit „Betreff:“ beginnen." in no_subject.text
        assert await MessageTemplate.count() == 0
        sneaky = await post_form(staff, "/staff/r/message-templates/new", {
            "kind": "reminder", "language": "en",
            "text": "Subject: x\n{{ name.__class__.__mro__[1].__subclasses__() }}"})
        assert sneaky.status_code == 303
        row = await MessageTemplate.objects().first()
        detail = (await staff.get(f"/staff/r/message-templates/{row.id}")).text
        assert "Vorschau nicht möglich" in detail and "is unsafe" in detail  # the sandbox refused
        assert "&lt;class" not in detail and "<class" not in detail  # no Python internals leaked
