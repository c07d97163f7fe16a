"""A plugin switched off for Quartier A: nothing of it is reachable or called for A, everything for B.

The routes are walked in tests/core/test_route_scopes.py; here every hook is classified by how the switch reaches
it, and the sample plugin ``greeter`` (it implements nearly every hook) is driven through each kind: public and
staff HTTP, the API with a token, event-page blocks, domain events, demo data, menu links, widgets, jobs, CLI.
"""

from __future__ import annotations

import asyncio
import inspect

import click
import pytest
from click.testing import CliRunner

from core import hookspecs
from core.accounts.service import create_api_token
from core.cli import build_cli
from core.config import ConfigError
from core.jobs.types import Job, plugin_jobs
from core.jobs.service import run_once
from core.plugin_manager import load_deployment
from core.quartiere.service import set_plugin_enabled
from core.testing.fixtures import ensure_quartiere
from tests.core.factories import make_event
from tests.core.test_hooks import add_greeting

# How the per-Quartier switch reaches each hook; a new hook fails the test until it is placed here.
PER_QUARTIER = {"on_domain_event", "event_page_blocks", "event_list_notes", "load_demo", "deliver_message", "report_figures",
                "event_cockpit_panels",
                "quartier_page_blocks"}  # runner filters by quartier=
PER_STAFF = {"menu_links", "dashboard_widgets", "staff_resources"}  # shown where the user has a Quartier with it on
JOBS = {"background_tasks"}  # run for the Quartiere where the plugin is on (core/jobs.py)
COMMANDS = {"register_commands"}  # a command on a Quartier asks quartier_for_command
ROUTES = {"register_routes"}  # every route declares its scope (core/web/scope.py)
# Called once for the whole deployment; they concern no Quartier.
DEPLOYMENT = {"plugin_settings", "register_tables", "register_domain_events", "register_templates", "register_static",
              "register_hookspecs", "startup", "shutdown", "register_locales", "register_message_types",
              "withdraw_messages", "register_roles", "register_audiences", "readiness_checks", "metrics"}
# withdraw_messages: the owner's own queued messages, found by their key; register_audiences: the messaging plugin asks
# an audience for its people only where its plugin is on; register_roles: a role grants only
# what its plugin's pages allow, and those are switched per Quartier (PER_STAFF, ROUTES); readiness_checks and
# metrics: the state of the deployment's process and database, for its operator


def test_every_hook_is_placed_and_the_per_quartier_ones_are_filtered_by_the_runner():
    hooks = {name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "quartier_spec")}
    kinds = [PER_QUARTIER, PER_STAFF, JOBS, COMMANDS, ROUTES, DEPLOYMENT]
    assert set().union(*kinds) == hooks, "place each hook in one of the kinds above"
    assert sum(len(kind) for kind in kinds) == len(hooks), "a hook is placed twice"
    for name in hooks:
        assert getattr(hookspecs, name).quartier_hook_policy.per_quartier == (name in PER_QUARTIER), name


async def test_greeter_switched_off_for_nordstadt_reaches_nothing_there_and_everything_in_suedstadt(
        make_staff_client, sample_plugins):
    from quartier_greeter.plugin import calls
    from quartier_greeter.tables import ReceivedEvent

    async with make_staff_client(role="admin", plugins=["greeter"]) as admin, \
            make_staff_client(quartiere=["nordstadt"], client=admin, login=False) as nord_staff, \
            make_staff_client(quartiere=["suedstadt"], client=admin, login=False) as sued_staff:
        deployment = admin.deployment
        nord, sued = await ensure_quartiere(["nordstadt", "suedstadt"])
        await set_plugin_enabled(nord.id, "greeter", False)
        events = {q.slug: await make_event(q, "treff") for q in (nord, sued)}  # publishes event.published
        for q in (nord, sued):
            await add_greeting(q, f"Moin aus {q.name}")

        for q, on in ((nord, False), (sued, True)):
            # public page and event-page block
            assert (await admin.get(f"/{q.slug}/greeting")).status_code == (200 if on else 404)
            page = (await admin.get(f"/{q.slug}/veranstaltungen/{events[q.slug].id}-treff")).text
            assert (f"Moin aus {q.name}" in page) is on
            assert (f"Moin aus {q.name}" in (await admin.get(f"/{q.slug}/")).text) is on  # the Quartier page's block
            # an API route scoped to the Quartier
            assert (await admin.post(f"/api/greeter/{q.slug}/greetings", json={"text": "Hallo"})).status_code == (
                201 if on else 404)

        # domain events: only Südstadt's reached the plugin
        received = {row["quartier_id"] for row in await ReceivedEvent.select(ReceivedEvent.quartier_id)}
        assert received == {sued.id}

        # demo data
        calls.clear()
        for q in (nord, sued):
            await deployment.hooks.load_demo(deployment=deployment, quartier_id=q.id, event_id=0, quartier=q.id)
        assert [call for call in calls if call.startswith("demo")] == [f"demo:{sued.id}:0"]

        # the admin sees both Quartiere: the widget and the hand-written page count Südstadt only
        dashboard = (await admin.get("/staff/")).text
        assert "1 Grüße in Ihren Quartieren" in dashboard
        overview = (await admin.get("/staff/greeter")).text
        assert "Suedstadt" in overview and "Nordstadt" not in overview

        # staff of one Quartier (menu link, widget, screens: test_route_scopes.py) with an API token
        for client, on in ((nord_staff, False), (sued_staff, True)):
            token = await create_api_token(client.user.email, "Test")
            received_api = await client.get("/api/greeter/received", headers={"Authorization": f"Bearer {token}"})
            assert received_api.status_code == (200 if on else 404)
        wrong = await nord_staff.get("/api/greeter/received", headers={"Authorization": "Bearer falsch"})
        assert wrong.status_code == 200  # no staff user: the route itself decides

        # jobs (the app runs the sample's every 0.01 s too): called with Südstadt only
        calls.clear()
        for plugin, job in plugin_jobs(deployment.hooks.background_tasks(deployment=deployment)):
            assert await run_once(deployment, plugin, job)
        assert set(calls) == {f"tick:{[sued.id]}"}
        await set_plugin_enabled(sued.id, "greeter", False)
        assert not await run_once(deployment, plugin, job)  # off everywhere: not called at all
        await asyncio.sleep(0.05)
        calls.clear()
        await asyncio.sleep(0.05)
        assert calls == []


# Plugin commands that act on one Quartier, and the test that runs each with the plugin switched off there.
QUARTIER_COMMANDS = {
    "greetings": "test_a_command_on_a_quartier_refuses_one_where_the_plugin_is_off (below)",
    "hilfsangebote import": "examples/quartier-hilfsangebote/tests/test_hilfsangebote_import.py",
}


def test_every_plugin_command_on_a_quartier_is_known_and_tested(make_settings, sample_plugins):
    from tests.core.test_route_scopes import ALL_PLUGINS

    group = click.Group("quartier")
    load_deployment(make_settings(ALL_PLUGINS)).hooks.register_commands(cli=group)

    def walk(command: click.Command, path: str) -> list[tuple[str, click.Command]]:
        if isinstance(command, click.Group):
            return [found for name, sub in command.commands.items() for found in walk(sub, f"{path} {name}".strip())]
        return [(path, command)]

    commands = walk(group, "")
    assert len(commands) > len(QUARTIER_COMMANDS)
    on_a_quartier = {path for path, command in commands if any("quartier" in p.name for p in command.params)}
    assert on_a_quartier == set(QUARTIER_COMMANDS), "a command that acts on a Quartier checks it with quartier_for_command"
    for path, command in commands:
        names = [p.name for p in command.params if "quartier" in p.name]
        assert names in ([], ["quartier_slug"]), f"{path}: name the Quartier argument quartier_slug"


def test_a_command_on_a_quartier_refuses_one_where_the_plugin_is_off(sample_plugins, tmp_path):
    config = tmp_path / "quartier.toml"
    config.write_text(f'plugins = ["greeter"]\ndatabase_url = "sqlite:///{tmp_path}/q.sqlite"\n')

    def quartier(*args: str):
        group, deployment, error = build_cli(["--config", str(config), *args])
        assert error is None
        return CliRunner().invoke(group, ["--config", str(config), *args], obj=deployment)

    assert quartier("db", "migrate").exit_code == 0
    asyncio.run(ensure_quartiere(["nordstadt", "suedstadt"]))  # build_cli bound this config's database
    assert quartier("quartiere", "plugin", "nordstadt", "greeter", "--off").exit_code == 0
    refused = quartier("greetings", "nordstadt")
    assert (refused.exit_code, refused.output) == (1, "Error: Plugin 'greeter' is switched off for Quartier 'nordstadt'.\n")
    unknown = quartier("greetings", "gibtsnicht")
    assert (unknown.exit_code, unknown.output) == (1, "Error: Quartier 'gibtsnicht' does not exist.\n")
    accepted = quartier("greetings", "suedstadt")
    assert (accepted.exit_code, accepted.output) == (0, "0 greetings in Suedstadt.\n")


def test_a_job_that_is_not_a_job_stops_the_start():
    async def tick(deployment, quartiere) -> None:
        pass

    with pytest.raises(ConfigError, match=r"^Plugin 'rooms': background_tasks must return Job items \(core.plugin_api.Job\), "
                                          r"not tuple\.$"):
        plugin_jobs({"rooms": [(60, tick)]})
    assert plugin_jobs({"rooms": [Job("tick", tick, seconds=60)], "quiet": None}) == [("rooms", Job("tick", tick, seconds=60))]
