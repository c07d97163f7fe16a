"""Staff edit message texts in the UI, see a preview, and the sandbox keeps templates away from Python.

A text without a Quartier is the deployment's default, which only admins change; staff limited to
Quartiere keep their own version per Quartier and never see or touch another Quartier's.
"""

import importlib

import pytest

from core.plugin_api import Quartier, current
from core.testing.fixtures import post_form
from plugins.notifications import messages
from plugins.notifications.tables import MessageTemplate
from plugins.notifications.worker import work
from tests.core.factories import make_event
from tests.core.web.pages import parse, read_csv
from tests.plugins.notifications.conftest import sections

PLUGINS = ["registration", "notifications"]
BASE = "/staff/r/message-templates"


async def quartier_id(slug: str) -> int:
    return (await Quartier.objects().where(Quartier.slug == slug).first()).id


async def register(client, quartier: str, slug: str, name: str, email: str) -> None:
    """A citizen registers (no double opt-in) for a new event of that Quartier."""
    from plugins.registration import service

    q = await Quartier.objects().where(Quartier.slug == quartier).first()
    event = await make_event(q, slug)
    await service.ensure_form(event.id, double_opt_in=False)
    response = await client.post(f"/api/events/{event.id}/registrations", json={"name": name, "email": email, "consent": True})
    assert response.status_code == 201, response.text


async def test_edited_text_is_previewed_and_used(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff:
        nord = await quartier_id("nordstadt")
        await Quartier.update({Quartier.office: "Quartiersbüro Nord", Quartier.contact_phone: "05371 4711"}).where(Quartier.id == nord)
        created = await post_form(staff, f"{BASE}/new", {"kind": "registration.registered", "language": "de", "quartier": str(nord), "text": ""})
        assert created.status_code == 303
        row = await MessageTemplate.objects().first()
        assert row.quartier == nord and row.text.startswith("Betreff: Sie sind angemeldet")  # starts from the shipped text
        edited = await post_form(staff, f"{BASE}/{row.id}/edit", {
            "text": "Betreff: Bis bald, {{ name }}!\nWir freuen uns auf Sie am {{ when }}."})
        assert edited.status_code == 303
        detail = (await staff.get(f"{BASE}/{row.id}")).text
        # previewed with the footer of the Quartier the text belongs to
        assert "Betreff: Bis bald, Erika Mustermann!" in detail and "Quartiersbüro Nord" in detail and "Telefon: 05371 4711" in detail

        await register(staff, "nordstadt", "treff", "Rita", "rita@example.org")
        await work(staff.deployment)
        (mail,) = smtp.to("rita@example.org")
        assert mail["Subject"] == "Bis bald, Rita!"


async def test_broken_or_unsafe_templates_are_refused_or_contained(make_staff_client, smtp):
    async with make_staff_client(quartiere=["nordstadt"], plugins=PLUGINS, sections=sections(smtp.port)) as staff:
        nord = str(await quartier_id("nordstadt"))
        broken = await post_form(staff, f"{BASE}/new", {"kind": "registration.reminder", "language": "de", "quartier": nord, "text": "Betreff: x\n{% if %}"})
        assert broken.status_code == 400 and 'id="f-text-error"' in broken.text
        no_subject = await post_form(staff, f"{BASE}/new", {"kind": "registration.reminder", "language": "de", "quartier": nord, "text": "Hallo"})
        assert "Die erste Zeile muss mit „Betreff:“ beginnen." in no_subject.text
        assert await MessageTemplate.count() == 0
        sneaky = await post_form(staff, f"{BASE}/new", {
            "kind": "registration.reminder", "language": "en", "quartier": nord,
            "text": "Subject: x\n{{ name.__class__.__mro__[1].__subclasses__() }}"})
        assert sneaky.status_code == 303
        row = await MessageTemplate.objects().first()
        detail = (await staff.get(f"{BASE}/{row.id}")).text
        assert "Vorschau nicht möglich" in detail and "is unsafe" in detail  # the sandbox refused
        assert "&lt;class" not in detail and "<class" not in detail  # no Python internals leaked


async def rows() -> list[dict]:
    return await MessageTemplate.select().order_by(MessageTemplate.id)


async def test_staff_keep_to_their_quartier_and_leave_the_default_to_admins(make_staff_client, smtp):
    async with make_staff_client(role="admin", quartiere=["nordstadt", "suedstadt"], plugins=PLUGINS,
                                 sections=sections(smtp.port)) as admin, \
            make_staff_client(quartiere=["nordstadt"], client=admin) as staff:
        nord, sued = await quartier_id("nordstadt"), await quartier_id("suedstadt")

        # The admin chooses between the default and any Quartier.
        form = parse((await admin.get(f"{BASE}/new")).text)
        assert form.options("quartier") == [("", "Alle Quartiere (Standard)"), (str(nord), "Nordstadt"), (str(sued), "Suedstadt")]
        default = {"kind": "registration.registered", "language": "de", "quartier": "", "text": "Betreff: Standard für {{ name }}\nAllgemein."}
        assert (await post_form(admin, f"{BASE}/new", default)).status_code == 303
        b_text = {**default, "kind": "registration.cancelled", "quartier": str(sued), "text": "Betreff: Geheim Süd\nNur für Südstadt."}
        assert (await post_form(admin, f"{BASE}/new", b_text)).status_code == 303
        default_id, b_id = [row["id"] for row in await rows()]

        # Staff of A are offered A only, and cannot make a default or write into B.
        form = parse((await staff.get(f"{BASE}/new")).text)
        assert [(value, label) for value, label in form.options("quartier") if value] == [(str(nord), "Nordstadt")]
        assert "Alle Quartiere" not in str(form.options("quartier"))
        before = await rows()
        for quartier, message in (("", "Dieses Feld ist erforderlich."), (str(sued), "Bitte wählen Sie einen Eintrag aus der Liste.")):
            response = await post_form(staff, f"{BASE}/new", {**default, "quartier": quartier, "text": "Betreff: Von A\nx"})
            assert response.status_code == 400
            assert parse(response.text).text_of("f-quartier-error") == message
        # They see the default read-only (to copy it), and nothing of B's text.
        detail = await staff.get(f"{BASE}/{default_id}")
        assert detail.status_code == 200 and "Standard für" in detail.text
        assert f"{BASE}/{default_id}/edit" not in parse(detail.text).links()
        assert f"{BASE}/{default_id}/delete" not in parse(detail.text).links()
        assert f"{BASE}/new?kind=registration.registered&language=de" in parse(detail.text).links()
        for method, url, expected in [
            ("GET", f"{BASE}/{default_id}/edit", 403), ("POST", f"{BASE}/{default_id}/edit", 403),
            ("GET", f"{BASE}/{default_id}/delete", 403), ("POST", f"{BASE}/{default_id}/delete", 403),
            ("GET", f"{BASE}/{b_id}", 404), ("GET", f"{BASE}/{b_id}/edit", 404), ("POST", f"{BASE}/{b_id}/edit", 404),
            ("GET", f"{BASE}/{b_id}/delete", 404), ("POST", f"{BASE}/{b_id}/delete", 404),
        ]:
            response = await (staff.get(url) if method == "GET" else post_form(staff, url, {"text": "Betreff: Von A\nx"}))
            assert response.status_code == expected, f"{method} {url}: {response.status_code}"
            assert "Geheim Süd" not in response.text
        listing = await staff.get(f"{BASE}/", params={"f_quartier": str(sued)})
        assert "Geheim Süd" not in listing.text
        listing = parse((await staff.get(f"{BASE}/")).text)
        assert "Alle Quartiere (Standard)" in listing.main_text and "Suedstadt" not in listing.main_text
        exported = read_csv((await staff.get(f"{BASE}/export.csv")).content)
        assert len(exported) == 2 and "Alle Quartiere (Standard)" in exported[1] and "Geheim Süd" not in str(exported)
        assert await rows() == before

        # A's own version: copied from the default, edited, refused twice, deleted, by A's staff.
        copy = parse((await staff.get(f"{BASE}/new?kind=registration.registered&language=de")).text)
        assert copy.field_value("kind") == "registration.registered" and copy.field_value("language") == "de"
        own = {**default, "quartier": str(nord), "text": ""}
        assert (await post_form(staff, f"{BASE}/new", own)).status_code == 303
        assert (await rows())[-1]["text"] == default["text"]
        own["text"] = "Betreff: Hallo aus Nord, {{ name }}\nBis bald."
        again = await post_form(staff, f"{BASE}/new", own)
        assert again.status_code == 400 and "gibt es schon einen Text" in parse(again.text).text_of("f-kind-error")
        a_id = (await rows())[-1]["id"]
        detail = parse((await staff.get(f"{BASE}/{a_id}")).text)
        assert f"{BASE}/{a_id}/edit" in detail.links() and f"{BASE}/{a_id}/delete" in detail.links()
        assert (await post_form(staff, f"{BASE}/{a_id}/edit", {"text": own["text"]})).status_code == 303
        assert [(r["quartier"], r["text"]) for r in await rows()] == [
            (None, default["text"]), (sued, b_text["text"]), (nord, own["text"])]

        # Citizens of A get A's text, citizens of B the default (B has its own for cancellations only).
        await register(admin, "nordstadt", "treff-nord", "Anna", "anna@example.org")
        await register(admin, "suedstadt", "treff-sued", "Bert", "bert@example.org")
        await work(admin.deployment)
        assert smtp.to("anna@example.org")[0]["Subject"] == "Hallo aus Nord, Anna"
        assert smtp.to("bert@example.org")[0]["Subject"] == "Standard für Bert"

        # The admin changes the default: B's citizens get it, A keeps its own.
        edited = await post_form(admin, f"{BASE}/{default_id}/edit", {"text": "Betreff: Neu für alle, {{ name }}\nx"})
        assert edited.status_code == 303
        await register(admin, "suedstadt", "treff-sued-2", "Carla", "carla@example.org")
        await register(admin, "nordstadt", "treff-nord-2", "Dora", "dora@example.org")
        await work(admin.deployment)
        assert smtp.to("carla@example.org")[0]["Subject"] == "Neu für alle, Carla"
        assert smtp.to("dora@example.org")[0]["Subject"] == "Hallo aus Nord, Dora"

        assert (await post_form(staff, f"{BASE}/{a_id}/delete")).status_code == 303
        assert [r["quartier"] for r in await rows()] == [None, sued]


async def test_the_text_is_chosen_quartier_then_default_then_shipped(make_staff_client):
    async with make_staff_client(role="admin", quartiere=["nordstadt", "suedstadt"], plugins=PLUGINS) as _admin:
        nord, sued = await quartier_id("nordstadt"), await quartier_id("suedstadt")
        shipped_en, shipped_de = messages.default_text("registration.reminder", "en"), messages.default_text("registration.reminder", "de")
        assert await messages.source("registration.reminder", "en", quartier_id=nord) == shipped_en
        assert await messages.source("registration.reminder", "fr", quartier_id=nord) == shipped_de  # no French text shipped
        for quartier, language, text in ((None, "en", "Subject: default en"), (nord, "en", "Subject: nord en"),
                                         (nord, "de", "Betreff: nord de"), (None, "de", "Betreff: Standard de")):
            await MessageTemplate.insert(MessageTemplate(kind="registration.reminder", language=language, quartier=quartier, text=text))
        assert await messages.source("registration.reminder", "en", quartier_id=nord) == "Subject: nord en"
        assert await messages.source("registration.reminder", "en", quartier_id=sued) == "Subject: default en"
        assert await messages.source("registration.reminder", "en", quartier_id=None) == "Subject: default en"
        assert await messages.source("registration.reminder", "de", quartier_id=sued) == "Betreff: Standard de"
        assert await messages.source("registration.reminder", "fr", quartier_id=nord) == "Betreff: nord de"
        assert await messages.source("registration.reminder", "fr", quartier_id=sued) == "Betreff: Standard de"
        # A text shipped in the reader's language comes before a Quartier's German one.
        assert await messages.source("registration.reminder", "tr", quartier_id=nord) == messages.default_text("registration.reminder", "tr")
        assert await messages.source("registration.registered", "en", quartier_id=nord) == messages.default_text("registration.registered", "en")


async def test_one_text_per_kind_language_and_quartier_in_the_database(make_staff_client):
    async with make_staff_client(role="admin", quartiere=["nordstadt"], plugins=PLUGINS):
        nord = await quartier_id("nordstadt")
        for quartier in (None, nord):
            await MessageTemplate.insert(MessageTemplate(kind="registration.reminder", language="de", quartier=quartier, text="Betreff: a"))
            with pytest.raises(Exception, match="(?i)unique"):
                await MessageTemplate.insert(MessageTemplate(kind="registration.reminder", language="de", quartier=quartier, text="Betreff: b"))
        await MessageTemplate.insert(MessageTemplate(kind="registration.reminder", language="en", quartier=None, text="Subject: c"))
        assert await MessageTemplate.count() == 3


async def test_the_migration_keeps_existing_texts_as_defaults(make_staff_client):
    """Texts from before: no Quartier, i.e. the defaults; of two for the same kind and language the newer stays."""
    migration = importlib.import_module("plugins.notifications.migrations.notifications_2026_12_02t18_24_00_000000")
    async with make_staff_client(role="admin", quartiere=["nordstadt"], plugins=PLUGINS):
        await current().engine.run_ddl("DROP INDEX notification_templates_owner")  # as before the migration
        for language, text in (("de", "Betreff: alt"), ("de", "Betreff: neuer"), ("en", "Subject: en")):
            await MessageTemplate.insert(MessageTemplate(kind="registration.reminder", language=language, text=text))
        await (await migration.forwards()).run()
        assert [(r["language"], r["quartier"], r["text"]) for r in await rows()] == [
            ("de", None, "Betreff: neuer"), ("en", None, "Subject: en")]
        assert await messages.source("registration.reminder", "de", quartier_id=await quartier_id("nordstadt")) == "Betreff: neuer"
        with pytest.raises(Exception, match="(?i)unique"):
            await MessageTemplate.insert(MessageTemplate(kind="registration.reminder", language="en", text="Subject: twice"))
