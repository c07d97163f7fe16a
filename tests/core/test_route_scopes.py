"""Every plugin route declares its tenant scope (core/web/scope.py); a switched-off plugin answers 404 there."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar, Router, get
from litestar.params import FromPath

from core.app import PLUGIN_KEY, check_route_scopes, create_app
from core.config import ConfigError
from core.plugin_manager import load_deployment
from core.quartiere.service import set_plugin_enabled
from core.testing.fixtures import ensure_quartiere, post_form
from core.web.scope import NO_SCOPE, SCOPE_KEY
from tests.core.factories import make_event
from tests.plugins.exhibition.helpers import contribute, exhibition

ALL_PLUGINS = ["registration", "exhibition", "notifications", "hilfsangebote", "greeter"]
# A path parameter with one of these names identifies something a Quartier owns.
OWNED = re.compile(r"^(quartier|token|.*_id)$")
# Routes that take such a parameter yet concern no Quartier, and why.
UNSCOPED = {
    "/benachrichtigungen/abbestellen/{token:str}": "the unsubscribe token names an address, not a Quartier's row",
    "/benachrichtigungen/abo/{token:str}/abbestellen": "leaving a subscription works also where the Quartier switched notifications off",
}


def plugin_routes(make_settings) -> list[tuple[str, str, object, set[str]]]:
    app = create_app(deployment=load_deployment(make_settings(ALL_PLUGINS)))
    return [
        (handler.opt[PLUGIN_KEY], route.path, handler.opt.get(SCOPE_KEY), set(route.path_parameters))
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if handler.opt.get(PLUGIN_KEY) and handler.http_methods != {"OPTIONS"}
    ]


def test_every_route_that_takes_a_quartier_owned_id_declares_a_scope(make_settings, sample_plugins):
    routes = plugin_routes(make_settings)
    assert {plugin for plugin, *_ in routes} == set(ALL_PLUGINS)
    unscoped = [
        f"{plugin}: {path}" for plugin, path, scope, params in routes
        if (scope is None or scope == NO_SCOPE) and any(OWNED.match(p) for p in params) and path not in UNSCOPED
    ]
    assert not unscoped, f"routes that take a Quartier-owned id but declare no tenant scope: {unscoped}"


def test_a_route_without_a_declared_scope_stops_the_start():
    @get("/staff/raeume/{room_id:int}", sync_to_thread=False)
    def room(room_id: FromPath[int]) -> str:
        return "Raum"

    app = Litestar([Router(path="/", route_handlers=[room], opt={PLUGIN_KEY: "rooms"})])
    with pytest.raises(ConfigError, match=r"^Plugin 'rooms': route /staff/raeume/\{room_id:int\} declares no tenant scope"):
        check_route_scopes(app)

    @get("/staff/raeume/{room_id:int}", opt={SCOPE_KEY: "event:event_id"}, sync_to_thread=False)
    def wrong(room_id: FromPath[int]) -> str:
        return "Raum"

    app = Litestar([Router(path="/", route_handlers=[wrong], opt={PLUGIN_KEY: "rooms"})])
    with pytest.raises(ConfigError, match="scopes by path parameter 'event_id', which it does not have"):
        check_route_scopes(app)


async def test_row_scoped_staff_routes_answer_404_where_the_plugin_is_off(make_staff_client):
    async with make_staff_client(role="admin", plugins=["exhibition"]) as client:
        off = await exhibition("nordstadt", questions=["Was fehlt?"], exhibits=1)
        on = await exhibition("suedstadt", questions=["Was fehlt?"], exhibits=1)
        contributions = {x.quartier.slug: await contribute(x.questions[0], "Mehr Bänke") for x in (off, on)}
        await set_plugin_enabled(off.quartier.id, "exhibition", False)
        for x, status in ((off, 404), (on, 200)):
            for url in (f"/staff/ausstellungen/{x.exhibition.id}/exponate",
                        f"/staff/ausstellungen/exponate/{x.exhibits[0].id}/bilder",
                        f"/staff/ausstellungen/fragen/{x.questions[0].id}/aushang"):
                assert (await client.get(url)).status_code == status, url
        refused = await post_form(client, f"/staff/moderation/{contributions['nordstadt'].id}/approve", {})
        assert refused.status_code == 404
        assert (await post_form(client, f"/staff/moderation/{contributions['suedstadt'].id}/approve", {})).status_code == 303


async def test_event_scoped_staff_routes_answer_404_where_the_plugin_is_off(make_staff_client):
    async with make_staff_client(role="admin", plugins=["registration"]) as client:
        nord, sued = await ensure_quartiere(["nordstadt", "suedstadt"])
        events = {q.slug: await make_event(q, "treff") for q in (nord, sued)}
        await set_plugin_enabled(nord.id, "registration", False)
        for slug, status in (("nordstadt", 404), ("suedstadt", 200)):
            event_id = events[slug].id
            for url in (f"/staff/anmeldungen/{event_id}/checkin", f"/staff/anmeldungen/{event_id}/liste",
                        f"/api/events/{event_id}/registrations"):
                assert (await client.get(url)).status_code == status, url


async def test_generated_staff_screens_leave_out_quartiere_where_the_plugin_is_off(make_staff_client):
    from plugins.registration import service
    from plugins.registration.tables import Registration
    from tests.plugins.registration.test_staff import phone_form, register

    async with make_staff_client(role="admin", plugins=["registration"]) as client:
        nord, sued = await ensure_quartiere(["nordstadt", "suedstadt"])
        events = {q.slug: await make_event(q, "treff") for q in (nord, sued)}
        for event in events.values():
            await service.ensure_form(event.id)
        regs = {slug: await register(event.id, f"Gast {slug}") for slug, event in events.items()}
        await set_plugin_enabled(nord.id, "registration", False)
        await client.get("/staff/")  # a new request: the staff context is read per request

        listing = (await client.get("/staff/r/registrations/")).text
        assert "Gast suedstadt" in listing and "Gast nordstadt" not in listing
        assert (await client.get(f"/staff/r/registrations/{regs['nordstadt'].id}")).status_code == 404
        assert (await client.get(f"/staff/r/registrations/{regs['suedstadt'].id}")).status_code == 200
        assert (await client.get(f"/staff/r/registrations/?f_event={events['nordstadt'].id}")).text.count("Gast ") == 1

        refused = await post_form(client, "/staff/r/registrations/new", phone_form(events["nordstadt"].id))
        assert refused.status_code == 400 and await Registration.count() == 2
        accepted = await post_form(client, "/staff/r/registrations/new", phone_form(events["suedstadt"].id))
        assert accepted.status_code == 303 and await Registration.count() == 3


async def test_menu_links_widgets_and_screens_of_a_plugin_off_everywhere_the_user_works(make_staff_client, sample_plugins):
    async with make_staff_client(quartiere=["nordstadt"], plugins=["greeter"]) as nord_staff, \
            make_staff_client(quartiere=["suedstadt"], client=nord_staff) as sued_staff:
        nord, _sued = await ensure_quartiere(["nordstadt", "suedstadt"])
        await set_plugin_enabled(nord.id, "greeter", False)
        for client, shown in ((nord_staff, False), (sued_staff, True)):
            dashboard = (await client.get("/staff/")).text
            assert ('href="/staff/greeter"' in dashboard) is shown  # menu_links
            assert ('aria-label="Grüße"' in dashboard) is shown  # dashboard_widgets
            assert ('href="/staff/r/greeter-greetings/"' in dashboard) is shown  # the generated screen's menu entry
            assert (await client.get("/staff/r/greeter-greetings/")).status_code == (200 if shown else 404)
            assert (await client.get("/staff/greeter")).status_code == (200 if shown else 404)  # hand-written, scope "none"


async def test_hand_written_staff_lists_leave_out_quartiere_where_the_plugin_is_off(make_staff_client):
    async with make_staff_client(role="admin", plugins=["exhibition"]) as client:
        off = await exhibition("nordstadt", questions=["Was fehlt im Norden?"])
        on = await exhibition("suedstadt", questions=["Was fehlt im Süden?"])
        await contribute(off.questions[0], "Eine Bank am Teich")
        await contribute(on.questions[0], "Ein Spielplatz")
        await set_plugin_enabled(off.quartier.id, "exhibition", False)
        queue = (await client.get("/staff/moderation")).text
        assert "Ein Spielplatz" in queue and "Eine Bank am Teich" not in queue
        assert (await client.get(f"/staff/ausstellungen/beitraege?frage={off.questions[0].id}")).status_code == 404
        assert (await client.get(f"/staff/ausstellungen/beitraege?frage={on.questions[0].id}")).status_code == 200


async def test_a_request_reads_the_plugin_switches_once_and_the_next_one_reads_them_again(make_client, monkeypatch):
    from core.quartiere import service as quartiere
    from tests.plugins.registration.helpers import NO_RATE_LIMIT, event_with_form, person

    from core.db.sql import Statement

    reads = []
    fetch = Statement.fetch

    def counted(statement: Statement, *args):
        if "quartier_plugins" in statement.sql:
            reads.append(statement.sql)
        return fetch(statement, *args)

    async with make_client(["registration", "notifications"], sections=NO_RATE_LIMIT, settle=False) as client:
        quartier, event, _form = await event_with_form(capacity=5)
        monkeypatch.setattr(Statement, "fetch", counted)
        # The scope check reads the event's Quartier and its switches in one statement; the plugins told of the
        # new registration (domain event, in the same request) are chosen from them, not from a second read.
        assert (await client.post(f"/api/events/{event.id}/registrations", json=person(1))).status_code == 201
        assert len(reads) == 1 and "LEFT JOIN quartier_plugins" in reads[0]
        await quartiere.set_plugin_enabled(quartier.id, "registration", False)
        assert (await client.post(f"/api/events/{event.id}/registrations", json=person(2))).status_code == 404
        assert (await client.get(f"/api/events/{event.id + 1000}/availability")).status_code == 404
