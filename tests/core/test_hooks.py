"""One test per core hook, through the sample plugin ``greeter`` (tests/core/sample_plugins)."""

import asyncio
import re

from click.testing import CliRunner

from core.accounts.service import create_user
from core.cli import build_cli
from core.events import service
from core.hookspecs import hookimpl
from core.testing.fixtures import deliver_pending_events
from core.quartiere.service import set_plugin_enabled
from tests.core.factories import make_event, make_quartier, table_names

PASSWORD = "lange-genug-123"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no _csrf_token field"
    return match.group(1)


async def login(client, email: str, password: str = PASSWORD) -> None:
    """Log in through the staff login form, as a browser would; the client keeps the cookies."""
    form = await client.get("/staff/login")
    response = await client.post("/staff/login", data={
        "email": email, "password": password, "next": "/staff/", "_csrf_token": csrf_token(form.text),
    })
    assert response.status_code == 303, response.text


async def add_greeting(quartier, text: str, shown: bool = True):
    from quartier_greeter.tables import Greeting

    greeting = Greeting(quartier=quartier.id, text=text, shown=shown)
    await greeting.save()
    return greeting


async def test_hook_plugin_settings(make_client, sample_plugins):
    async with make_client(["greeter"], sections={"greeter": {"greeting": "Hallo", "repeat": 2}}) as client:
        await make_quartier("nordstadt")
        assert "Hallo Hallo, Nordstadt!" in (await client.get("/nordstadt/greeting")).text


async def test_hook_register_tables(make_deployment, sample_plugins):
    deployment = await make_deployment(["greeter"])
    assert "greeter_received_events" in await table_names()
    assert (await deployment.migrate()) == {"core": [], "greeter": []}  # idempotent


async def test_hook_register_domain_events(make_deployment, sample_plugins):
    deployment = await make_deployment(["greeter"])
    assert deployment.domain_event_types["greeter.greeting_sent"].__name__ == "GreetingSent"


async def test_hook_register_routes(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        await make_quartier("nordstadt")
        assert (await client.get("/nordstadt/greeting")).status_code == 200
        assert (await client.get("/api/greeter/received")).status_code == 200


async def test_hook_register_templates(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        await make_quartier("nordstadt")
        response = await client.get("/nordstadt/greeting")
        assert response.headers["content-type"].startswith("text/html")
        assert "<h1>Moin, Nordstadt!</h1>" in response.text


async def test_hook_register_static(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        response = await client.get("/static/greeter/greeter.css")
        assert response.status_code == 200 and "greeter" in response.text


def test_hook_register_commands(sample_plugins, tmp_path):
    config = tmp_path / "quartier.toml"
    config.write_text(f'plugins = ["greeter"]\ndatabase_url = "sqlite:///{tmp_path}/q.sqlite"\n[greeter]\ngreeting = "Servus"\n')
    group, deployment, error = build_cli(["--config", str(config), "greet", "Ulrike"])
    assert error is None
    result = CliRunner().invoke(group, ["--config", str(config), "greet", "Ulrike"], obj=deployment)
    assert result.exit_code == 0, result.output
    assert result.output == "Servus, Ulrike!\n"


async def test_hook_register_hookspecs(make_client, sample_plugins):
    async with make_client(["greeter", "quiet"]) as client:
        await make_quartier("nordstadt")
        assert "Moin und herzlich willkommen, Nordstadt!" in (await client.get("/nordstadt/greeting")).text


async def test_hook_startup(make_client, sample_plugins):
    from quartier_greeter.plugin import calls

    async with make_client(["greeter"]):
        assert calls[0] == "startup"


async def test_hook_shutdown(make_client, sample_plugins):
    from quartier_greeter.plugin import calls

    async with make_client(["greeter"]):
        assert "shutdown" not in calls
    assert calls[-1] == "shutdown"


async def test_hook_background_tasks(make_client, sample_plugins):
    from quartier_greeter.plugin import calls

    async with make_client(["greeter"]):
        await asyncio.sleep(0.05)
        assert not [call for call in calls if call.startswith("tick")]  # no Quartier yet: the job is not called
        nord, sued = await make_quartier("nordstadt"), await make_quartier("suedstadt")
        await set_plugin_enabled(nord.id, "greeter", False)
        for expected in (1, 3):
            for _ in range(200):
                if calls.count(f"tick:{[sued.id]}") >= expected:
                    break
                await asyncio.sleep(0.01)
            if expected == 1:
                calls.clear()  # from now on every run reads the switch as it is
    assert calls.count(f"tick:{[sued.id]}") >= 3  # called again and again, for Südstadt only
    assert set(calls) == {f"tick:{[sued.id]}", "shutdown"}


async def test_hook_readiness_checks(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert {"name": "greeter.greetings", "ready": True, "detail": "0 greetings wait to be shown (at most 2)."} in (
            ready.json()["checks"])
        for text in ("a", "b", "c"):
            await add_greeting(nord, text, shown=False)
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503 and not_ready.json()["failed"] == ["greeter.greetings"]


async def test_hook_metrics(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        await add_greeting(nord, "Moin!")
        await add_greeting(nord, "Hallo!", shown=False)
        await add_greeting(nord, "Servus!", shown=False)
        text = (await client.get("/metrics")).text
        assert "# TYPE quartier_greeter_greetings gauge" in text
        assert 'quartier_greeter_greetings{shown="yes"} 1.0' in text
        assert 'quartier_greeter_greetings{shown="no"} 2.0' in text


async def test_hook_on_domain_event(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        event = await make_event(nord, "treff")  # publishes event.published
        await service.cancel_event(event.id)
        await deliver_pending_events()
        names = [row["name"] for row in (await client.get("/api/greeter/received")).json()]
        assert names == ["event.published", "event.cancelled"]


async def test_hook_load_demo(make_deployment, sample_plugins):
    from core.demo.loader import load_demo
    from quartier_greeter.plugin import calls

    deployment = await make_deployment(["greeter"])
    event = await load_demo(deployment)
    assert calls == [f"demo:{event.quartier}:{event.id}"]


async def test_hook_register_locales(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        event = await make_event(nord, "treff")
        await add_greeting(nord, "Moin!")
        url = f"/nordstadt/veranstaltungen/{event.id}-treff"
        assert "<h2>Gruß</h2>" in (await client.get(url)).text  # German is the source language
        english = (await client.get(url, params={"lang": "en"})).text
        assert "<h2>Greeting</h2>" in english and "<h2>Gruß</h2>" not in english
        assert "<h2>Greeting</h2>" in (await client.get(url)).text  # the language is remembered


async def test_hook_register_roles(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        assert client.deployment.roles.get("greeter-host").plugin == "greeter"
        await make_quartier("nordstadt")
        await create_user("hanna@example.org", "Hanna", PASSWORD, "greeter-host", quartiere=["nordstadt"])
        await login(client, "hanna@example.org")
        assert (await client.get("/staff/r/greeter-greetings/")).status_code == 200
        for url in ("/staff/r/greeter-greetings/new", "/staff/r/events/", "/staff/r/venues/"):
            assert (await client.get(url)).status_code == 403, url
        menu = (await client.get("/staff/")).text
        assert 'href="/staff/r/greeter-greetings/"' in menu and 'href="/staff/r/events/"' not in menu


async def test_hook_staff_resources(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        sued = await make_quartier("suedstadt")
        await add_greeting(sued, "Servus aus der Südstadt")
        await create_user("ulrike@example.org", "Ulrike", PASSWORD, "staff", quartiere=["nordstadt"])
        await login(client, "ulrike@example.org")

        form = await client.get("/staff/r/greeter-greetings/new")
        assert form.status_code == 200 and "Gruß anlegen" in form.text
        created = await client.post("/staff/r/greeter-greetings/new", data={
            "text": "Moin aus der Nordstadt", "quartier": str(nord.id), "shown": "on",
            "_csrf_token": csrf_token(form.text),
        })
        assert created.status_code == 303, created.text

        listing = await client.get("/staff/r/greeter-greetings/")
        assert listing.status_code == 200
        assert "Moin aus der Nordstadt" in listing.text and "<td>Nordstadt</td>" in listing.text
        assert "Servus aus der Südstadt" not in listing.text  # another Quartier: out of this user's scope
        # a staff user cannot file a greeting under a Quartier they are not assigned to
        refused = await client.post("/staff/r/greeter-greetings/new", data={
            "text": "Untergeschoben", "quartier": str(sued.id), "_csrf_token": csrf_token(form.text),
        })
        assert refused.status_code == 400

        detail_url = created.headers["location"]  # the declared action: a button on the detail page
        detail = await client.get(detail_url)
        assert f'action="{detail_url}/action/hide"' in detail.text
        hidden = await client.post(f"{detail_url}/action/hide", data={"_csrf_token": csrf_token(detail.text)})
        assert hidden.status_code == 303
        assert f'action="{detail_url}/action/hide"' not in (await client.get(detail_url)).text


async def test_hook_menu_links(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        await add_greeting(nord, "Moin!")
        await create_user("ulrike@example.org", "Ulrike", PASSWORD, "staff", quartiere=["nordstadt"])
        anonymous = await client.get("/staff/greeter")
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/staff/login")

        await login(client, "ulrike@example.org")
        dashboard = await client.get("/staff")
        assert '<a href="/staff/greeter">Grüße im Überblick</a>' in dashboard.text
        overview = await client.get("/staff/greeter")
        assert overview.status_code == 200
        assert "<li>Nordstadt: 1</li>" in overview.text
        assert 'href="/staff/greeter" aria-current="page"' in overview.text


async def test_hook_dashboard_widgets(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        sued = await make_quartier("suedstadt")
        await add_greeting(nord, "Moin!")
        await add_greeting(nord, "Hallo!", shown=False)
        await add_greeting(sued, "Servus!")
        await create_user("ulrike@example.org", "Ulrike", PASSWORD, "staff", quartiere=["nordstadt"])
        await create_user("admin@example.org", "Admin", PASSWORD, "admin")

        await login(client, "ulrike@example.org")
        dashboard = (await client.get("/staff")).text
        assert '<section class="widget" aria-label="Grüße">' in dashboard
        assert "<p>2 Grüße in Ihren Quartieren</p>" in dashboard  # only her Quartier

        await login(client, "admin@example.org")
        assert "<p>3 Grüße in Ihren Quartieren</p>" in (await client.get("/staff")).text


async def test_hook_event_page_blocks(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        event = await make_event(nord, "treff")
        await add_greeting(nord, "Moin & <b>willkommen</b>")
        await add_greeting(nord, "Nicht mehr aktuell", shown=False)
        url = f"/nordstadt/veranstaltungen/{event.id}-treff"

        html = (await client.get(url)).text
        assert '<section class="block" aria-label="Gruß">' in html
        assert "<p>Moin &amp; &lt;b&gt;willkommen&lt;/b&gt;</p>" in html  # escaped
        assert "Nicht mehr aktuell" not in html

        await set_plugin_enabled(nord.id, "greeter", False)
        response = await client.get(url)
        assert response.status_code == 200
        assert 'aria-label="Gruß"' not in response.text and "willkommen" not in response.text


async def test_hook_event_list_notes(make_client, sample_plugins):
    from core.events.series import create_series

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        event = await make_event(nord, "treff")
        series = await create_series(event.id, "weekly", None, 2, "")
        await add_greeting(nord, "Moin & <b>willkommen</b>")
        url = f"/nordstadt/reihen/{series.id}-treff"

        html = (await client.get(url)).text
        assert html.count('<p class="note">Moin &amp; &lt;b&gt;willkommen&lt;/b&gt;</p>') == 2  # each date, escaped

        await set_plugin_enabled(nord.id, "greeter", False)
        response = await client.get(url)
        assert response.status_code == 200 and "willkommen" not in response.text


class QuartierBlocks:
    """A plugin registered at run time that greets on Quartier and series pages."""

    @hookimpl
    def quartier_page_blocks(self, deployment, quartier_row, series, request):
        from markupsafe import Markup

        from core.plugin_api import PageBlock

        where = f"Reihe {series.id}" if series is not None else quartier_row.slug
        return [PageBlock(title="Gruß", html=Markup("<p>Hallo <b>{}</b></p>").format(where + " & Co"))]


async def test_hook_quartier_page_blocks(make_client, sample_plugins):
    from core.events.tables import EventSeries

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        series = EventSeries(quartier=nord.id, title="Café", slug="cafe", frequency="weekly", count=2)
        await series.save()
        client.deployment.pm.register(QuartierBlocks(), name="blocks")

        html = (await client.get("/nordstadt")).text
        assert '<section class="block" aria-label="Gruß">' in html
        assert "<p>Hallo <b>nordstadt &amp; Co</b></p>" in html  # escaped
        series_page = await client.get(f"/nordstadt/reihen/{series.id}-cafe")
        assert f"Hallo <b>Reihe {series.id} &amp; Co</b>" in series_page.text

        await set_plugin_enabled(nord.id, "blocks", False)
        response = await client.get("/nordstadt")
        assert response.status_code == 200 and 'aria-label="Gruß"' not in response.text


async def test_hook_quartier_page_blocks_of_the_sample_plugin(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        await make_quartier("suedstadt")
        await add_greeting(nord, "Moin & <b>willkommen</b>")
        await add_greeting(nord, "Nicht mehr aktuell", shown=False)

        html = (await client.get("/nordstadt/")).text
        assert '<section class="block" aria-label="Gruß">' in html
        assert "<p>Moin &amp; &lt;b&gt;willkommen&lt;/b&gt;</p>" in html and "Nicht mehr aktuell" not in html
        assert 'aria-label="Gruß"' not in (await client.get("/suedstadt/")).text  # nothing to show: no block

        await set_plugin_enabled(nord.id, "greeter", False)
        response = await client.get("/nordstadt/")
        assert response.status_code == 200 and "willkommen" not in response.text


class BrokenPanels:
    """A plugin whose cockpit hook raises: it loses its own panel, nothing else."""

    def __init__(self) -> None:
        self.calls = 0

    @hookimpl
    def event_cockpit_panels(self, deployment, staff, event):
        self.calls += 1
        raise RuntimeError("kaputt")


async def test_hook_event_cockpit_panels(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        event = await make_event(nord, "treff", title="Netzwerktreff & Co")
        await add_greeting(nord, "Moin!")
        await create_user("ulrike@example.org", "Ulrike", PASSWORD, "staff", quartiere=["nordstadt"])
        await create_user("admin@example.org", "Admin", PASSWORD, "admin")
        broken = BrokenPanels()
        client.deployment.pm.register(broken, name="brokenpanels")
        url = f"/staff/veranstaltungen/{event.id}"

        await login(client, "ulrike@example.org")
        html = (await client.get(url)).text
        assert '<h2 id="panel-1">Grüße</h2>' in html
        assert "<div><dt>Gruß</dt><dd>1</dd></div>" in html
        assert '<li><a class="button primary" href="/staff/greeter">Grüße im Überblick</a></li>' in html  # quick link first
        assert "Nur für Admins" not in html  # the panel's roles exclude staff
        assert broken.calls == 1  # it was asked, failed, and lost only its own panels

        await login(client, "admin@example.org")
        html = (await client.get(url)).text
        assert "Nur für Admins" in html and "<p>Netzwerktreff &amp; Co</p>" in html

        await set_plugin_enabled(nord.id, "greeter", False)
        response = await client.get(url)
        assert response.status_code == 200 and "Grüße" not in response.text


class FakeMessaging:
    """A stand-in for the plugin that delivers messages: it records what it is asked."""

    def __init__(self) -> None:
        self.requests: list = []
        self.withdrawn: list = []

    @hookimpl
    def deliver_message(self, request, deployment):
        from core.plugin_api import MessageResult

        self.requests.append(request)
        return MessageResult(accepted=True, channel="fake")

    @hookimpl
    def withdraw_messages(self, owner, key_prefix, erase, deployment):
        self.withdrawn.append((owner, key_prefix, erase))
        return 2


def greeting_request(quartier_id, **values):
    from core.plugin_api import MessageRecipient, MessageRequest

    return MessageRequest(plugin="greeter", key="greeting", idempotency_key=values.pop("key", "g1"), quartier_id=quartier_id,
                          to=MessageRecipient(name="Erika", email="erika@example.org"), context={"text": "Moin"}, **values)


async def test_hook_register_message_types(make_deployment, sample_plugins):
    deployment = await make_deployment(["greeter"])
    declared = deployment.hooks.register_message_types()["greeter"]
    assert [(t.key, t.variables, t.channels) for t in declared] == [("greeting", ("text",), ("email", "call"))]
    assert declared[0].texts["de"].startswith("Betreff: ")


async def test_hook_register_audiences(make_deployment, sample_plugins):
    deployment = await make_deployment(["greeter"])
    (guests,) = deployment.hooks.register_audiences()["greeter"]
    assert (guests.key, guests.label) == ("guests", "Gäste")
    assert [(m.key, m.to.name) for m in await guests.members(7)] == [("guest7a", "Gast A"), ("guest7b", "Gast B")]


async def test_hook_deliver_message(make_client, sample_plugins):
    from core.plugin_api import send_message

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        # Nobody delivers messages: asking is a no-op the caller can see.
        result = await send_message(greeting_request(nord.id))
        assert (result.accepted, result.reason) == (False, "not delivered: no messaging plugin")
        fake = FakeMessaging()
        client.deployment.pm.register(fake, name="fakemail")
        result = await send_message(greeting_request(nord.id))
        assert (result.accepted, result.channel) == (True, "fake")
        assert [(r.plugin, r.key, r.to.email) for r in fake.requests] == [("greeter", "greeting", "erika@example.org")]
        await set_plugin_enabled(nord.id, "fakemail", False)
        result = await send_message(greeting_request(nord.id))
        assert (result.accepted, result.reason) == (False, "not delivered: messaging is switched off for this Quartier")
        assert len(fake.requests) == 1


async def test_hook_withdraw_messages(make_client, sample_plugins):
    from core.plugin_api import withdraw_messages

    async with make_client(["greeter"]) as client:
        assert await withdraw_messages("greeter", "reminder:") == 0  # nobody delivers messages
        fake = FakeMessaging()
        client.deployment.pm.register(fake, name="fakemail")
        assert await withdraw_messages("greeter", "reminder:", erase=True) == 2
        assert fake.withdrawn == [("greeter", "reminder:", True)]


async def test_hook_report_figures(make_client, sample_plugins):
    from datetime import date, timedelta

    from core.plugin_api import change_count

    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        event = await make_event(nord, "treff", days=-2)
        await change_count("greeter", event.id, "waved", 3)
        await create_user("ulrike@example.org", "Ulrike", PASSWORD, "staff", quartiere=["nordstadt"])
        await login(client, "ulrike@example.org")
        today = date.today()
        params = {"period": "custom", "from": (today - timedelta(days=40)).isoformat(), "to": today.isoformat()}

        html = (await client.get("/staff/berichte", params=params)).text
        assert re.search(r"<th scope=\"row\">Zugewunken</th><td>3</td>", html)
        assert re.search(r"<th scope=\"row\">Veranstaltungen durchgeführt</th><td>1</td>", html)

        await set_plugin_enabled(nord.id, "greeter", False)  # per Quartier: switched off, not asked
        assert "Zugewunken" not in (await client.get("/staff/berichte", params=params)).text
