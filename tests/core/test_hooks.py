"""One test per core hook, through the sample plugin ``greeter`` (tests/core/sample_plugins)."""

import asyncio

from click.testing import CliRunner

from core.cli import build_cli
from core.events import service
from tests.core.factories import make_event, make_quartier, table_names


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
        for _ in range(200):
            if calls.count("tick") >= 2:
                break
            await asyncio.sleep(0.01)
    assert calls.count("tick") >= 2


async def test_hook_on_domain_event(make_client, sample_plugins):
    async with make_client(["greeter"]) as client:
        nord = await make_quartier("nordstadt")
        event = await make_event(nord, "treff")  # publishes event.published
        await service.cancel_event(event.id)
        names = [row["name"] for row in (await client.get("/api/greeter/received")).json()]
        assert names == ["event.published", "event.cancelled"]


async def test_hook_load_demo(make_deployment, sample_plugins):
    from core.demo.loader import load_demo
    from quartier_greeter.plugin import calls

    deployment = await make_deployment(["greeter"])
    event = await load_demo(deployment)
    assert calls == [f"demo:{event.quartier}:{event.id}"]
