"""A sample third-party plugin used by the core's tests: it implements every core hook."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import click
import msgspec
from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody
from litestar.response import Template

from core.plugin_api import Deployment, DomainEvent, get_quartier, hookimpl, hookspec, publish, transaction
from quartier_greeter.piccolo_app import APP_CONFIG
from quartier_greeter.tables import ReceivedEvent

HERE = Path(__file__).parent
calls: list[str] = []  # what the lifecycle hooks saw, for the tests


class GreeterSettings(msgspec.Struct, forbid_unknown_fields=True):
    greeting: str = "Moin"
    repeat: int = 1


class GreetingSent(DomainEvent):
    name: ClassVar[str] = "greeter.greeting_sent"
    text: str


class GreeterSpecs:
    @hookspec
    def greeting_suffix(self) -> str:
        """Return text appended to the greeting."""


class Greeting(msgspec.Struct):
    text: str = msgspec.field(name="text")


def settings() -> GreeterSettings:
    from core.plugin_api import current

    return current().settings_for("greeter")


@get("/{quartier:str}/greeting")
async def greeting_page(quartier: FromPath[str]) -> Template:
    q = await get_quartier(quartier)
    if q is None:
        raise NotFoundException()
    from core.plugin_api import current

    suffixes = current().pm.hook.greeting_suffix()
    text = " ".join([settings().greeting] * settings().repeat + suffixes)
    return Template(template_name="greeter/greeting.html", context={"quartier": q, "text": text})


@post("/api/greeter/{quartier:str}/greetings", status_code=201)
async def send_greeting(quartier: FromPath[str], data: JSONBody[Greeting]) -> dict[str, str]:
    q = await get_quartier(quartier)
    if q is None:
        raise NotFoundException()
    async with transaction():
        await publish(GreetingSent(quartier_id=q.id, text=data.text))
        if data.text == "fail":
            raise RuntimeError("rolled back on purpose")
    return {"sent": data.text}


@get("/api/greeter/received")
async def received() -> list[dict[str, object]]:
    rows = await ReceivedEvent.select(ReceivedEvent.name, ReceivedEvent.quartier_id).order_by(ReceivedEvent.id)
    return rows


@hookimpl
def plugin_settings():
    return GreeterSettings


@hookimpl
def register_tables():
    return APP_CONFIG


@hookimpl
def register_domain_events():
    return [GreetingSent]


@hookimpl
def register_routes(deployment: Deployment):
    return [greeting_page, send_greeting, received]


@hookimpl
def register_templates():
    return [str(HERE / "templates")]


@hookimpl
def register_static():
    return {"greeter": str(HERE / "static")}


@hookimpl
def register_hookspecs():
    return GreeterSpecs


@hookimpl
def register_commands(cli: click.Group):
    @cli.command("greet")
    @click.argument("name")
    def greet(name: str) -> None:
        """Say hello (sample plugin command)."""
        click.echo(f"{settings().greeting}, {name}!")


@hookimpl
def startup(deployment: Deployment):
    calls.append("startup")


@hookimpl
async def shutdown(deployment: Deployment):
    calls.append("shutdown")


async def tick(deployment: Deployment) -> None:
    calls.append("tick")


@hookimpl
def background_tasks(deployment: Deployment):
    return [(0.01, tick)]


@hookimpl
async def on_domain_event(event: DomainEvent, deployment: Deployment):
    if await ReceivedEvent.exists().where(ReceivedEvent.event_id == event.event_id):
        return  # idempotent: the same event may be offered again
    if getattr(event, "text", "") == "explode" and "exploded" not in calls:
        calls.append("exploded")
        raise RuntimeError("first delivery fails")
    await ReceivedEvent.insert(ReceivedEvent(event_id=event.event_id, name=type(event).name, quartier_id=event.quartier_id))


@hookimpl
async def load_demo(deployment: Deployment, quartier_id: int, event_id: int):
    calls.append(f"demo:{quartier_id}:{event_id}")
